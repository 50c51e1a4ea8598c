{#- Rows of a manual child raw table (entities, memberships) that belong to each record's
    winning version (its latest import, last line): an older import's rows never mix in. -#}
{% macro manual_winning_rows(raw_table, columns) -%}
with landed as (
    select * from {{ source('manual', raw_table) }}
    {{ landed_window() }}
),

records as (
    select id, synced_at, line_number, _ingested_at from {{ ref('manual_records') }}
),

final as (
    select
        landed.event_id,
        {%- for column in columns %}
        landed.{{ column }},
        {%- endfor %}
        records.synced_at,
        records._ingested_at
    from landed
    inner join records
        on landed.event_id = records.id
        and cast(landed.synced_at as {{ dbt.type_timestamp() }}) = records.synced_at
        and landed.line_number = records.line_number
)

select * from final
{%- endmacro %}

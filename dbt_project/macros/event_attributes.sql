{#- Long-format identifier or trait rows for one entity of each event: one row per non-null
    column in `attributes` (output name -> column of `events`), all sharing the row_id
    "<event id>|<entity>". Used by sources whose events carry their entities as columns.

    event_attributes(ref('gadget_events'), 'owner', {'email': 'owner_email'},
                     'identifier_type', 'identifier_value') -#}
{% macro event_attributes(events, entity, attributes, name_column, value_column, where=none) -%}
with events as (
    select * from {{ events }}
    {{ incremental_window('synced_at') }}
),

attributes as (
    {%- for name, column in attributes.items() %}
    select
        id as event_id,
        '{{ name }}' as {{ name_column }},
        {{ column }} as {{ value_column }},
        source,
        occurred_at,
        synced_at,
        _ingested_at
    from events
    where {{ column }} is not null{% if where %} and {{ where }}{% endif %}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

final as (
    select
        {{ dbt.hash(dbt.concat(["event_id", "'|" ~ entity ~ "|'", name_column])) }} as id,
        event_id,
        {{ dbt.concat(["event_id", "'|" ~ entity ~ "'"]) }} as row_id,
        {{ name_column }},
        {{ value_column }},
        source,
        occurred_at,
        synced_at,
        _ingested_at
    from attributes
)

select * from final
{%- endmacro %}

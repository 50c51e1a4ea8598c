{#- Long-format identifier or trait rows of one entity kind ('person' or 'group') from the
    records' entities; `value_column` names the output column (identifier_value / trait_value). -#}
{% macro manual_entity_rows(entity, attribute, name_column, value_column) -%}
with entities as (
    select * from {{ ref('manual_record_entities') }}
    {{ incremental_window('synced_at') }}
),

records as (
    select id, occurred_at from {{ ref('manual_records') }}
),

final as (
    select
        {{ dbt.hash(dbt.concat(["entities.event_id", "'|" ~ entity ~ "|'", dbt.safe_cast("entities.entity_index", dbt.type_string()), "'|" ~ attribute ~ "|'", "entities.name", "'|'", dbt.safe_cast("entities.value_index", dbt.type_string())])) }} as id,
        {{ source_event_id('entities.event_id') }} as event_id,
        {{ dbt.concat([source_event_id('entities.event_id'), "'|" ~ entity ~ "|'", dbt.safe_cast("entities.entity_index", dbt.type_string())]) }} as row_id,
        entities.name as {{ name_column }},
        entities.value as {{ value_column }},
        'manual' as source,
        records.occurred_at,
        entities.synced_at,
        entities._ingested_at
    from entities
    inner join records on entities.event_id = records.id
    where entities.entity = '{{ entity }}' and entities.attribute = '{{ attribute }}'
)

select * from final
{%- endmacro %}

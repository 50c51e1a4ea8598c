{#- Final layer: one row per identifier of an entity type ('person' or 'group'), with the
    entity it belongs to now (identity.<entity>_map) and when and where it was seen, over
    its non-blocked observations. An identifier no non-blocked observation backs is left
    out. `sources` is the distinct source names, sorted, comma-separated. Incremental: only the
    identifiers of the entities changed since the last build (macros/final_incremental.sql). -#}
{% macro final_entity_identifiers(entity) -%}
{%- set since = final_since() -%}
with {{ final_affected_cte(entity, since) }}

observations as (
    select * from {{ source('identity', entity ~ '_observations') }}
),

identifier_map as (
    select * from {{ source('identity', entity ~ '_map') }}
    where {{ final_is_affected('entity_id', since) }}
),

seen as (
    select
        identifier_map.entity_id,
        identifier_map.identifier_type,
        identifier_map.identifier_value,
        observations.source,
        observations.occurred_at
    from identifier_map
    inner join observations
        on observations.identifier_type = identifier_map.identifier_type
        and observations.identifier_value = identifier_map.identifier_value
    where not observations.blocked
),

seen_span as (
    select
        entity_id,
        identifier_type,
        identifier_value,
        min(occurred_at) as first_seen_at,
        max(occurred_at) as last_seen_at
    from seen
    group by entity_id, identifier_type, identifier_value
),

seen_sources as (
    select distinct entity_id, identifier_type, identifier_value, source
    from seen
    where source is not null
),

source_lists as (
    select
        entity_id,
        identifier_type,
        identifier_value,
        {{ dbt.listagg('source', "','", 'order by source') }} as sources
    from seen_sources
    group by entity_id, identifier_type, identifier_value
),

final as (
    select
        seen_span.entity_id as {{ entity }}_id,
        seen_span.identifier_type,
        seen_span.identifier_value,
        seen_span.first_seen_at,
        seen_span.last_seen_at,
        source_lists.sources,
        {{ final_updated_at() }} as updated_at
    from seen_span
    left join source_lists
        on source_lists.entity_id = seen_span.entity_id
        and source_lists.identifier_type = seen_span.identifier_type
        and source_lists.identifier_value = seen_span.identifier_value
)

select * from final
{%- endmacro %}

{#- Final layer: one row per live entity of a type ('person' or 'group'; identity.<entity>_entities):
      - one column per entry of `primary_identifiers` (column -> identifier types): the value
        of the identifier of those types seen last (latest last_seen_at; ties to the smallest);
      - one column per trait of `fixed_traits`, named as the trait, then the current value of
        every other known trait as a column: the distinct trait names of core.<entity>_traits
        at build time (macros/known_trait_columns.sql);
      - when (first_seen_at, last_seen_at) and in which sources (distinct, sorted,
        comma-separated) the entity's non-blocked identifiers were seen.
    Incremental: only the entities changed since the last build (macros/final_incremental.sql).

    final_entities('group', {'primary_domain': ['domain', 'myshopify_domain', 'website']}, fixed_traits=['name']) -#}
{% macro final_entities(entity, primary_identifiers, fixed_traits=[]) -%}
{%- set key = entity ~ '_id' -%}
{%- set trait_columns = [] -%}
{%- for trait in fixed_traits -%}
    {%- do trait_columns.append({'trait_name': trait, 'column': trait}) -%}
{%- endfor -%}
{%- do trait_columns.extend(known_trait_columns(
    ref(entity ~ '_traits'),
    fixed_columns=[key] + (primary_identifiers.keys() | list) + fixed_traits + ['first_seen_at', 'last_seen_at', 'sources', 'updated_at'],
    skip=fixed_traits,
)) -%}
{%- set since = final_since() -%}
with {{ final_affected_cte(entity, since) }}

entities as (
    select * from {{ source('identity', entity ~ '_entities') }}
    where {{ final_is_affected('entity_id', since) }}
),

identifiers as (
    select * from {{ ref('crm_' ~ entity ~ '_identifiers') }}
    where {{ final_is_affected(key, since) }}
),

traits as (
    select * from {{ ref('crm_' ~ entity ~ '_traits') }}
    where {{ final_is_affected(key, since) }}
),

observations as (
    select * from {{ source('identity', entity ~ '_observations') }}
),

identifier_map as (
    select * from {{ source('identity', entity ~ '_map') }}
    where {{ final_is_affected('entity_id', since) }}
),

primary_candidates as (
    select
        {{ key }},
        case
            {%- for column, types in primary_identifiers.items() %}
            when identifier_type in ('{{ types | join("', '") }}') then '{{ column }}'
            {%- endfor %}
        end as primary_column,
        identifier_value,
        last_seen_at
    from identifiers
),

ranked_candidates as (
    select
        {{ key }},
        primary_column,
        identifier_value,
        row_number() over (
            partition by {{ key }}, primary_column
            order by last_seen_at desc nulls last, identifier_value
        ) as recency_rank
    from primary_candidates
    where primary_column is not null
),

primaries as (
    select
        {%- for column in primary_identifiers %}
        max(case when primary_column = '{{ column }}' then identifier_value end) as {{ column }},
        {%- endfor %}
        {{ key }}
    from ranked_candidates
    where recency_rank = 1
    group by {{ key }}
),

trait_values as (
    select
        {%- for trait in trait_columns %}
        max(case when trait_name = '{{ dbt.escape_single_quotes(trait.trait_name) }}' then trait_value end) as {{ trait.column }},
        {%- endfor %}
        {{ key }}
    from traits
    group by {{ key }}
),

seen_span as (
    select
        {{ key }},
        min(first_seen_at) as first_seen_at,
        max(last_seen_at) as last_seen_at
    from identifiers
    group by {{ key }}
),

seen_sources as (
    select distinct
        identifier_map.entity_id as {{ key }},
        observations.source
    from identifier_map
    inner join observations
        on observations.identifier_type = identifier_map.identifier_type
        and observations.identifier_value = identifier_map.identifier_value
    where not observations.blocked
        and observations.source is not null
),

source_lists as (
    select
        {{ key }},
        {{ dbt.listagg('source', "','", 'order by source') }} as sources
    from seen_sources
    group by {{ key }}
),

final as (
    select
        entities.entity_id as {{ key }},
        {%- for column in primary_identifiers %}
        primaries.{{ column }},
        {%- endfor %}
        {%- for trait in trait_columns %}
        trait_values.{{ trait.column }},
        {%- endfor %}
        seen_span.first_seen_at,
        seen_span.last_seen_at,
        source_lists.sources,
        {{ final_updated_at() }} as updated_at
    from entities
    left join primaries on primaries.{{ key }} = entities.entity_id
    left join trait_values on trait_values.{{ key }} = entities.entity_id
    left join seen_span on seen_span.{{ key }} = entities.entity_id
    left join source_lists on source_lists.{{ key }} = entities.entity_id
)

select * from final
{%- endmacro %}

{#- Final layer: every core trait row of an entity type ('person' or 'group') whose record
    (row_id) maps to an entity. A record belongs to the entity holding the most of its
    non-blocked identifier observations (observation -> identity.<entity>_map); ties go to
    the smallest entity_id. A record whose identifiers are all blocked, or not yet mapped,
    belongs to no entity, and its traits are left out. Incremental: only the rows of the
    entities changed since the last build, from the records holding their identifiers. -#}
{% macro final_trait_history(entity) -%}
{%- set since = final_since() -%}
with {{ final_affected_cte(entity, since) }}

traits as (
    select * from {{ ref(entity ~ '_traits') }}
),

observations as (
    select * from {{ source('identity', entity ~ '_observations') }}
),

identifier_map as (
    select * from {{ source('identity', entity ~ '_map') }}
),

record_votes as (
    select
        observations.row_id,
        identifier_map.entity_id,
        count(*) as identifier_count
    from observations
    inner join identifier_map
        on identifier_map.identifier_type = observations.identifier_type
        and identifier_map.identifier_value = observations.identifier_value
    where not observations.blocked
    {%- if since is not none %}
        and observations.row_id in (
            select affected_observations.row_id
            from observations as affected_observations
            inner join identifier_map as affected_map
                on affected_map.identifier_type = affected_observations.identifier_type
                and affected_map.identifier_value = affected_observations.identifier_value
            where affected_map.entity_id in (select entity_id from affected)
        )
    {%- endif %}
    group by observations.row_id, identifier_map.entity_id
),

ranked_votes as (
    select
        row_id,
        entity_id,
        row_number() over (
            partition by row_id
            order by identifier_count desc, entity_id
        ) as vote_rank
    from record_votes
),

record_entities as (
    select row_id, entity_id
    from ranked_votes
    where vote_rank = 1
),

final as (
    select
        record_entities.entity_id as {{ entity }}_id,
        traits.trait_name,
        traits.trait_value,
        traits.occurred_at,
        traits.source,
        traits.event_id,
        traits.id as trait_id,
        {{ final_updated_at() }} as updated_at
    from traits
    inner join record_entities on record_entities.row_id = traits.row_id
    where {{ final_is_affected('record_entities.entity_id', since) }}
)

select * from final
{%- endmacro %}

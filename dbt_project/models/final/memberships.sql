-- Final: crm.memberships, one row per (person, group) link: the membership observations
-- (identity.membership_observations) whose person and group identifiers both resolve through
-- identity.person_map and identity.group_map; links that resolve on one side only are left
-- out. Role and source come from the latest observation: by occurred_at, ties to the
-- smallest source, then event_id, then membership row id.
-- Incremental: only the links of the persons and groups a run changed, plus those of new and
-- replaced membership observations (macros/final_incremental.sql, final_membership_affected_ctes).
{{ config(post_hook="{{ final_delete_replaced_memberships() }}") }}
{%- set since = final_since() %}
with {{ final_membership_affected_ctes(since) }}

all_observations as (
    select * from {{ source('identity', 'membership_observations') }}
),

observations as (
    select * from all_observations
    {%- if since is not none %}
    where id in (
        {%- for entity, affected in [('person', 'affected_persons'), ('group', 'affected_groups')] %}
        {% if not loop.first %}{{ union_distinct() }}{% endif %}
        select candidates.id
        from all_observations as candidates
        inner join {{ source('identity', entity ~ '_map') }} as affected_map
            on affected_map.identifier_type = candidates.{{ entity }}_identifier_type
            and affected_map.identifier_value = candidates.{{ entity }}_identifier
        where affected_map.entity_id in (select entity_id from {{ affected }})
        {%- endfor %}
    )
    {%- endif %}
),

person_map as (
    select * from {{ source('identity', 'person_map') }}
),

group_map as (
    select * from {{ source('identity', 'group_map') }}
),

resolved as (
    select
        person_map.entity_id as person_id,
        group_map.entity_id as group_id,
        observations.id,
        observations.event_id,
        observations.source,
        observations.occurred_at,
        observations.role
    from observations
    inner join person_map
        on person_map.identifier_type = observations.person_identifier_type
        and person_map.identifier_value = observations.person_identifier
    inner join group_map
        on group_map.identifier_type = observations.group_identifier_type
        and group_map.identifier_value = observations.group_identifier
),

ranked as (
    select
        *,
        row_number() over (
            partition by person_id, group_id
            order by occurred_at desc nulls last, source nulls last, event_id nulls last, id
        ) as recency_rank
    from resolved
),

seen_span as (
    select
        person_id,
        group_id,
        min(occurred_at) as first_seen_at,
        max(occurred_at) as last_seen_at
    from resolved
    group by person_id, group_id
),

final as (
    select
        {{ dbt.hash(dbt.concat(['ranked.person_id', "'|'", 'ranked.group_id'])) }} as membership_id,
        ranked.person_id,
        ranked.group_id,
        ranked.role,
        ranked.source,
        seen_span.first_seen_at,
        seen_span.last_seen_at,
        {{ final_updated_at() }} as updated_at
    from ranked
    inner join seen_span
        on seen_span.person_id = ranked.person_id
        and seen_span.group_id = ranked.group_id
    where ranked.recency_rank = 1
)

select * from final

-- Final: crm.persons, one row per live person (identity.person_entities): the email and
-- phone seen last, the current value of every known person trait as a column, and when and
-- in which sources the person's identifiers were seen. The trait columns are the distinct
-- trait names of core.person_traits at build time (macros/known_trait_columns.sql).
{{ config(post_hook="{{ final_delete_replaced('person', 'person_id') }}") }}
{%- set trait_columns = known_trait_columns(
    ref('person_traits'),
    fixed_columns=['person_id', 'primary_email', 'primary_phone', 'first_seen_at', 'last_seen_at', 'sources', 'updated_at'],
) %}

{%- set since = final_since() %}

with {{ final_affected_cte('person', since) }}

entities as (
    select * from {{ source('identity', 'person_entities') }}
    where {{ final_is_affected('entity_id', since) }}
),

identifiers as (
    select * from {{ ref('crm_person_identifiers') }}
    where {{ final_is_affected('person_id', since) }}
),

traits as (
    select * from {{ ref('crm_person_traits') }}
    where {{ final_is_affected('person_id', since) }}
),

observations as (
    select * from {{ source('identity', 'person_observations') }}
),

identifier_map as (
    select * from {{ source('identity', 'person_map') }}
    where {{ final_is_affected('entity_id', since) }}
),

ranked_contacts as (
    select
        person_id,
        identifier_type,
        identifier_value,
        row_number() over (
            partition by person_id, identifier_type
            order by last_seen_at desc nulls last, identifier_value
        ) as recency_rank
    from identifiers
    where identifier_type in ('email', 'phone')
),

contacts as (
    select
        person_id,
        max(case when identifier_type = 'email' then identifier_value end) as primary_email,
        max(case when identifier_type = 'phone' then identifier_value end) as primary_phone
    from ranked_contacts
    where recency_rank = 1
    group by person_id
),

trait_values as (
    select
        {%- for trait in trait_columns %}
        max(case when trait_name = '{{ dbt.escape_single_quotes(trait.trait_name) }}' then trait_value end) as {{ trait.column }},
        {%- endfor %}
        person_id
    from traits
    group by person_id
),

seen_span as (
    select
        person_id,
        min(first_seen_at) as first_seen_at,
        max(last_seen_at) as last_seen_at
    from identifiers
    group by person_id
),

seen_sources as (
    select distinct
        identifier_map.entity_id as person_id,
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
        person_id,
        {{ dbt.listagg('source', "','", 'order by source') }} as sources
    from seen_sources
    group by person_id
),

final as (
    select
        entities.entity_id as person_id,
        contacts.primary_email,
        contacts.primary_phone,
        {%- for trait in trait_columns %}
        trait_values.{{ trait.column }},
        {%- endfor %}
        seen_span.first_seen_at,
        seen_span.last_seen_at,
        source_lists.sources,
        {{ final_updated_at() }} as updated_at
    from entities
    left join contacts on contacts.person_id = entities.entity_id
    left join trait_values on trait_values.person_id = entities.entity_id
    left join seen_span on seen_span.person_id = entities.entity_id
    left join source_lists on source_lists.person_id = entities.entity_id
)

select * from final

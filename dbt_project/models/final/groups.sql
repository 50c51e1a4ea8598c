-- Final: crm.groups, one row per live group (company, shop, account; identity.group_entities):
-- its domain seen last, its current name, the current value of every other known group trait
-- as a column, and when and in which sources the group's identifiers were seen. The trait
-- columns are the distinct trait names of core.group_traits at build time
-- (macros/known_trait_columns.sql); the `name` trait is the fixed column `name`, not pivoted
-- a second time.
{{ config(post_hook="{{ final_delete_replaced('group', 'group_id') }}") }}
{%- set trait_columns = known_trait_columns(
    ref('group_traits'),
    fixed_columns=['group_id', 'primary_domain', 'name', 'first_seen_at', 'last_seen_at', 'sources', 'updated_at'],
    skip=['name'],
) %}

{%- set since = final_since() %}

with {{ final_affected_cte('group', since) }}

entities as (
    select * from {{ source('identity', 'group_entities') }}
    where {{ final_is_affected('entity_id', since) }}
),

identifiers as (
    select * from {{ ref('crm_group_identifiers') }}
    where {{ final_is_affected('group_id', since) }}
),

traits as (
    select * from {{ ref('crm_group_traits') }}
    where {{ final_is_affected('group_id', since) }}
),

observations as (
    select * from {{ source('identity', 'group_observations') }}
),

identifier_map as (
    select * from {{ source('identity', 'group_map') }}
    where {{ final_is_affected('entity_id', since) }}
),

ranked_domains as (
    select
        group_id,
        identifier_value,
        row_number() over (
            partition by group_id
            order by last_seen_at desc nulls last, identifier_value
        ) as recency_rank
    from identifiers
    where identifier_type in ('domain', 'myshopify_domain', 'website')
),

domains as (
    select
        group_id,
        identifier_value as primary_domain
    from ranked_domains
    where recency_rank = 1
),

trait_values as (
    select
        max(case when trait_name = 'name' then trait_value end) as name,
        {%- for trait in trait_columns %}
        max(case when trait_name = '{{ dbt.escape_single_quotes(trait.trait_name) }}' then trait_value end) as {{ trait.column }},
        {%- endfor %}
        group_id
    from traits
    group by group_id
),

seen_span as (
    select
        group_id,
        min(first_seen_at) as first_seen_at,
        max(last_seen_at) as last_seen_at
    from identifiers
    group by group_id
),

seen_sources as (
    select distinct
        identifier_map.entity_id as group_id,
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
        group_id,
        {{ dbt.listagg('source', "','", 'order by source') }} as sources
    from seen_sources
    group by group_id
),

final as (
    select
        entities.entity_id as group_id,
        domains.primary_domain,
        trait_values.name,
        {%- for trait in trait_columns %}
        trait_values.{{ trait.column }},
        {%- endfor %}
        seen_span.first_seen_at,
        seen_span.last_seen_at,
        source_lists.sources,
        {{ final_updated_at() }} as updated_at
    from entities
    left join domains on domains.group_id = entities.entity_id
    left join trait_values on trait_values.group_id = entities.entity_id
    left join seen_span on seen_span.group_id = entities.entity_id
    left join source_lists on source_lists.group_id = entities.entity_id
)

select * from final

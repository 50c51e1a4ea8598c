{#- The incremental final tables. Each row carries updated_at, when it was last computed. An
    incremental build appends the rows of the entities changed since the table's latest
    updated_at, recomputed from all of their evidence, and then deletes their older rows
    (post-hook final_delete_replaced); a full build (the first one, `--full-refresh`) computes every entity. The
    changed entities of a type are:
      - those whose identifiers an identity run since then mapped or moved (new identifiers,
        the survivors of merges) and the ids merges absorbed, whose rows go;
      - every entity holding an identifier of a record (row_id) that got a new identifier
        observation in those runs, or a core identifier or trait row ingested since then:
        the record's traits may move between its entities.
    They are computed once per build into ops.crm_changed_entities (model crm_changed_entities,
    built first), from the oldest latest-updated_at of the crm tables; every model and its
    post-hook read that table. -#}

{#- One time for the whole dbt command (its start, UTC): every row a build writes carries the
    same updated_at, and the post-hooks that delete older rows compare against it. The
    warehouse's clock would not do: Snowflake and BigQuery give each statement its own time,
    so a post-hook would find the rows its model just wrote older than itself. -#}
{% macro final_updated_at() -%}
cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}

{#- The latest updated_at of this model's table as a timestamp literal; none on a full build.
    A table from before updated_at existed counts as never built: every entity is rebuilt. -#}
{% macro final_since() -%}
    {%- if this is none or not is_incremental() -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(final_oldest_latest([this])) }}
{%- endmacro %}

{#- The oldest of the latest updated_at of `relations` (SQL timestamp literal), or none while
    parsing. A table without updated_at (built before it existed) or without rows counts as
    1900: every entity is rebuilt. -#}
{% macro final_oldest_latest(relations) -%}
    {%- if not execute -%}
        {{ return("cast('1900-01-01 00:00:00' as " ~ dbt.type_timestamp() ~ ")") }}
    {%- endif -%}
    {%- set latest = [] -%}
    {%- for relation in relations -%}
        {%- set columns = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list -%}
        {%- if 'updated_at' in columns -%}
            {%- do latest.append('select max(updated_at) as latest from ' ~ relation) -%}
        {%- else -%}
            {%- do latest.append("select cast('1900-01-01' as " ~ dbt.type_timestamp() ~ ') as latest') -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set oldest = run_query('select cast(min(latest) as ' ~ dbt.type_string() ~ ') from (' ~ latest | join(' union all ') ~ ') as tables').columns[0].values()[0] -%}
    {{ return("cast('" ~ (oldest or '1900-01-01 00:00:00') ~ "' as " ~ dbt.type_timestamp() ~ ")") }}
{%- endmacro %}

{#- The ids of the entities of a type ('person' or 'group') changed after `since`. -#}
{% macro final_affected_entities(entity, since) -%}
    {%- set runs -%}
        select run_id from {{ source('identity', 'identity_runs') }} where finished_at > {{ since }}
    {%- endset -%}
select identifier_map.entity_id
from {{ source('identity', entity ~ '_map') }} as identifier_map
where identifier_map.run_id in ({{ runs }})
{{ union_distinct() }}
select merges.absorbed_id
from {{ source('identity', 'identity_merges') }} as merges
where merges.entity_type = '{{ entity }}' and merges.merged_at > {{ since }}
{{ union_distinct() }}
select identifier_map.entity_id
from {{ source('identity', entity ~ '_observations') }} as observations
inner join {{ source('identity', entity ~ '_map') }} as identifier_map
    on identifier_map.identifier_type = observations.identifier_type
    and identifier_map.identifier_value = observations.identifier_value
where observations.row_id in (
    select new_observations.row_id
    from {{ source('identity', entity ~ '_observations') }} as new_observations
    where new_observations.run_id in ({{ runs }})
    {{ union_distinct() }}
    select row_id from {{ ref(entity ~ '_identifiers') }} where _ingested_at > {{ since }}
    {{ union_distinct() }}
    select row_id from {{ ref(entity ~ '_traits') }} where _ingested_at > {{ since }}
)
{%- endmacro %}

{#- dbt finds a model's dependencies while parsing, when no build is incremental: name every
    relation the incremental branches (and the fallback of final_changed) read, so they are in
    the graph either way (only then: a unit test runs the full branch and gives only the
    inputs that one reads). -#}
{% macro final_declare_dependencies(with_changed_entities=true) -%}
{%- if not execute -%}
    {%- set dependencies = [source('identity', 'membership_observations'), source('identity', 'membership_retractions'),
        source('identity', 'identity_runs'), source('identity', 'identity_merges')] -%}
    {%- for entity in ['person', 'group'] -%}
        {%- do dependencies.extend([
            ref(entity ~ '_identifiers'), ref(entity ~ '_traits'),
            source('identity', entity ~ '_map'), source('identity', entity ~ '_observations'),
        ]) -%}
    {%- endfor -%}
    {%- if with_changed_entities -%}
        {%- do dependencies.append(ref('crm_changed_entities')) -%}
    {%- endif -%}
{%- endif -%}
{%- endmacro %}

{#- A predicate keeping the rows of the changed entities (`column` holds the entity id),
    for models with an `affected` CTE; true on a full build. -#}
{% macro final_is_affected(column, since) -%}
{%- if since is none -%}
true
{%- else -%}
{{ column }} in (select entity_id from affected)
{%- endif -%}
{%- endmacro %}

{#- The `affected` CTE (with its trailing comma) on an incremental build; nothing otherwise. -#}
{% macro final_affected_cte(entity, since) -%}
{{ final_declare_dependencies() }}
{%- if since is not none -%}
affected as (
{{ final_changed(entity) }}
),
{%- endif -%}
{%- endmacro %}

{#- The ids of the changed entities of a kind: 'person', 'group', or 'membership_person' /
    'membership_group' (those named by memberships observed or replaced since). From
    ops.crm_changed_entities when this dbt command builds it; otherwise (a crm model run by
    hand, `dbt retry` of a failed one) that table may be stale, so they are computed here from
    this table's own latest updated_at. -#}
{% macro final_changed(kind) -%}
{%- if execute and 'model.hcrm.crm_changed_entities' not in selected_resources -%}
    {%- set since -%}
        (select max(updated_at) from {{ this }} where updated_at < {{ final_updated_at() }})
    {%- endset -%}
    {%- if kind.startswith('membership_') -%}
{{ final_membership_named(kind[('membership_' | length):], since) }}
    {%- else -%}
{{ final_affected_entities(kind, since) }}
    {%- endif -%}
{%- else -%}
select entity_id from {{ ref('crm_changed_entities') }} where entity_type = '{{ kind }}'
{%- endif -%}
{%- endmacro %}

{#- ops.crm_changed_entities: the changed entities of every kind, computed once per build for all
    the crm models and their post-hooks (each used to compute its own, twice). `since` is the
    oldest latest-updated_at of the incremental crm tables, so the set holds what each model
    would have computed from its own (more entities recomputed at worst, never fewer). None on
    a full refresh, when no crm table has been built yet, and while parsing: no rows. -#}
{% macro final_changed_entities_sql() -%}
{%- set since = final_oldest_since() -%}
{{ final_declare_dependencies(with_changed_entities=false) }}
{%- if since is none %}
select cast(null as {{ dbt.type_string() }}) as entity_type, cast(null as {{ dbt.type_string() }}) as entity_id
where 1 = 0
{%- else %}
{%- for entity in ['person', 'group'] %}
{% if not loop.first %}union all{% endif %}
select distinct '{{ entity }}' as entity_type, entity_id from ({{ final_affected_entities(entity, since) }}) as changed
union all
select distinct 'membership_{{ entity }}', entity_id from ({{ final_membership_named(entity, since) }}) as named
{%- endfor %}
{%- endif %}
{%- endmacro %}

{#- The oldest max(updated_at) of the incremental crm tables that exist (SQL literal), or none. -#}
{% macro final_oldest_since() -%}
    {%- if not execute or flags.FULL_REFRESH -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set relations = [] -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' and 'final' in node.tags and node.config.materialized == 'incremental' -%}
        {%- set relation = adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias) -%}
        {%- if relation is not none -%}
            {%- do relations.append(relation) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(final_oldest_latest(relations) if relations else none) }}
{%- endmacro %}

{#- Post-hook: on an incremental build, delete the rows the build replaced: every row from
    before the table had updated_at, and the older rows of the changed entities, whose
    recomputed rows the build has just appended (all with this transaction's timestamp). It
    runs after the insert, because DuckDB cannot commit a transaction that deletes from a
    table and then alters it (dbt adds new columns before inserting). The changed entities
    are those the model read, from ops.crm_changed_entities. -#}
{% macro final_delete_replaced(entity, key) -%}
    {%- if is_incremental() -%}
        {{ final_delete_older_rows(key ~ ' in (' ~ final_changed(entity) ~ ')') }}
    {%- endif -%}
{%- endmacro %}

{#- Deletes the rows from before updated_at existed, and the older rows where `replaced` holds. -#}
{% macro final_delete_older_rows(replaced) -%}
delete from {{ this }}
where updated_at is null
    or (updated_at < {{ final_updated_at() }} and ({{ replaced }}))
{%- endmacro %}

{#- crm.memberships: the `affected_persons` and `affected_groups` CTEs (with a trailing comma)
    on an incremental build. A link is recomputed when its person or group changed (as for
    the other crm tables), or when a run since observed a membership of it or replaced one
    that named it (identity.membership_retractions): a corrected membership leaves its old
    link, which goes if nothing else observes it. -#}
{% macro final_membership_affected_ctes(since) -%}
{{ final_declare_dependencies() }}
{%- if since is not none %}
affected_persons as (
{{ final_changed('person') }}
{{ union_distinct() }}
{{ final_changed('membership_person') }}
),
affected_groups as (
{{ final_changed('group') }}
{{ union_distinct() }}
{{ final_changed('membership_group') }}
),
{%- endif -%}
{%- endmacro %}

{#- The ids of the entities of a type named by membership observations or retractions of the
    identity runs after `since`. -#}
{% macro final_membership_named(entity, since) -%}
select identifier_map.entity_id
from (
    select {{ entity }}_identifier_type as identifier_type, {{ entity }}_identifier as identifier_value, run_id
    from {{ source('identity', 'membership_observations') }}
    union all
    select {{ entity }}_identifier_type, {{ entity }}_identifier, run_id
    from {{ source('identity', 'membership_retractions') }}
) as changed
inner join {{ source('identity', entity ~ '_map') }} as identifier_map
    on identifier_map.identifier_type = changed.identifier_type
    and identifier_map.identifier_value = changed.identifier_value
where changed.run_id in (select run_id from {{ source('identity', 'identity_runs') }} where finished_at > {{ since }})
{%- endmacro %}

{#- Post-hook of crm.memberships: as final_delete_replaced, for links keyed by person and group. -#}
{% macro final_delete_replaced_memberships() -%}
    {%- if is_incremental() -%}
        {{ final_delete_older_rows('person_id in (' ~ final_changed('person') ~ ' ' ~ union_distinct() ~ ' ' ~ final_changed('membership_person')
            ~ ') or group_id in (' ~ final_changed('group') ~ ' ' ~ union_distinct() ~ ' ' ~ final_changed('membership_group') ~ ')') }}
    {%- endif -%}
{%- endmacro %}

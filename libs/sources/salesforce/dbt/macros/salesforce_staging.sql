{#- The latest landed version of each record of one Salesforce object in this run's window
    (by `_fivetran_synced`, the source's declared watermark column), deleted ones included:
    a staging model deletes those after its insert (salesforce_remove_deleted), so a record
    deleted in Salesforce leaves the staging table at the run that lands its deletion. -#}
{% macro salesforce_latest_versions(object) -%}
select *
from (
    select
        landed.*,
        row_number() over (partition by landed.id order by landed._fivetran_synced desc) as version_rank
    from {{ source('salesforce', 'salesforce_' ~ object ~ '_raw') }} as landed
    {{ landed_window() }}
) as versions
where version_rank = 1
{%- endmacro %}

{#- Post-hook of the staging models: the records whose latest version is a soft delete go.
    delete+insert has already removed their earlier version (same id). -#}
{% macro salesforce_remove_deleted() -%}
delete from {{ this }} where is_deleted
{%- endmacro %}

{#- Typed columns, the same way in every staging model. -#}
{% macro sf_string(column) -%}
nullif(trim(cast({{ column }} as {{ dbt.type_string() }})), '')
{%- endmacro %}

{% macro sf_boolean(column) -%}
coalesce(cast({{ column }} as {{ dbt.type_boolean() }}), false)
{%- endmacro %}

{% macro sf_timestamp(column) -%}
cast({{ column }} as {{ dbt.type_timestamp() }})
{%- endmacro %}

{#- Salesforce date fields (CloseDate, ActivityDate, ...) land as ISO date strings. -#}
{% macro sf_date(column) -%}
cast(nullif(trim(cast({{ column }} as {{ dbt.type_string() }})), '') as date)
{%- endmacro %}

{#- The columns every staging model ends with: deletion flag, watermark as synced_at, ingestion time. -#}
{% macro sf_staging_tail() -%}
{{ sf_boolean('is_deleted') }} as is_deleted,
        cast(_fivetran_synced as {{ dbt.type_timestamp() }}) as synced_at,
        {{ ingested_at() }} as _ingested_at
{%- endmacro %}

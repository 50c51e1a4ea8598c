-- Staging: Opportunities, one row per live record: the latest landed version by
-- _fivetran_synced, typed; a record whose latest version is deleted leaves the table.
{{ config(unique_key='id', post_hook="{{ salesforce_remove_deleted() }}") }}

with latest as (
    {{ salesforce_latest_versions('opportunity') }}
),

final as (
    select
        {{ sf_string('id') }} as id,
        {{ sf_string('account_id') }} as account_id,
        {{ sf_string('name') }} as name,
        {{ sf_string('stage_name') }} as stage_name,
        cast(amount as {{ dbt.type_numeric() }}) as amount,
        {{ sf_string('currency_iso_code') }} as currency_iso_code,
        cast(probability as {{ dbt.type_numeric() }}) as probability,
        {{ sf_date('close_date') }} as close_date,
        {{ sf_string('type') }} as type,
        {{ sf_string('lead_source') }} as lead_source,
        {{ sf_boolean('is_closed') }} as is_closed,
        {{ sf_boolean('is_won') }} as is_won,
        {{ sf_string('owner_id') }} as owner_id,
        {{ sf_timestamp('created_date') }} as created_date,
        {{ sf_timestamp('last_modified_date') }} as last_modified_date,
        {{ sf_timestamp('system_modstamp') }} as system_modstamp,
        {{ sf_staging_tail() }}
    from latest
)

select * from final

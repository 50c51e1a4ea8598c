-- Staging: Accounts, one row per live record: the latest landed version by
-- _fivetran_synced, typed; a record whose latest version is deleted leaves the table.
{{ config(unique_key='id', post_hook="{{ salesforce_remove_deleted() }}") }}

with latest as (
    {{ salesforce_latest_versions('account') }}
),

final as (
    select
        {{ sf_string('id') }} as id,
        {{ sf_string('name') }} as name,
        {{ sf_string('website') }} as website,
        {{ sf_string('industry') }} as industry,
        {{ sf_string('type') }} as type,
        cast(number_of_employees as {{ dbt.type_int() }}) as number_of_employees,
        {{ sf_string('billing_country') }} as billing_country,
        {{ sf_string('owner_id') }} as owner_id,
        {{ sf_timestamp('created_date') }} as created_date,
        {{ sf_timestamp('last_modified_date') }} as last_modified_date,
        {{ sf_timestamp('system_modstamp') }} as system_modstamp,
        {{ sf_staging_tail() }}
    from latest
)

select * from final

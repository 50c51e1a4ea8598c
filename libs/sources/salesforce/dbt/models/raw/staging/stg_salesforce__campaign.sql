-- Staging: Campaigns, one row per live record: the latest landed version by
-- _fivetran_synced, typed; a record whose latest version is deleted leaves the table.
{{ config(unique_key='id', post_hook="{{ salesforce_remove_deleted() }}") }}

with latest as (
    {{ salesforce_latest_versions('campaign') }}
),

final as (
    select
        {{ sf_string('id') }} as id,
        {{ sf_string('name') }} as name,
        {{ sf_string('type') }} as type,
        {{ sf_string('status') }} as status,
        {{ sf_date('start_date') }} as start_date,
        {{ sf_date('end_date') }} as end_date,
        {{ sf_boolean('is_active') }} as is_active,
        {{ sf_string('owner_id') }} as owner_id,
        {{ sf_timestamp('created_date') }} as created_date,
        {{ sf_timestamp('last_modified_date') }} as last_modified_date,
        {{ sf_timestamp('system_modstamp') }} as system_modstamp,
        {{ sf_staging_tail() }}
    from latest
)

select * from final

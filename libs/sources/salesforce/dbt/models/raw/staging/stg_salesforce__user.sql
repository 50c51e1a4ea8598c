-- Staging: Users (the seller's staff; owners of records, not persons), one row per live record: the latest landed version by
-- _fivetran_synced, typed; a record whose latest version is deleted leaves the table.
{{ config(unique_key='id', post_hook="{{ salesforce_remove_deleted() }}") }}

with latest as (
    {{ salesforce_latest_versions('user') }}
),

final as (
    select
        {{ sf_string('id') }} as id,
        {{ sf_string('name') }} as name,
        {{ sf_string('first_name') }} as first_name,
        {{ sf_string('last_name') }} as last_name,
        {{ sf_string('email') }} as email,
        {{ sf_string('username') }} as username,
        {{ sf_string('title') }} as title,
        {{ sf_boolean('is_active') }} as is_active,
        {{ sf_timestamp('created_date') }} as created_date,
        {{ sf_timestamp('last_modified_date') }} as last_modified_date,
        {{ sf_timestamp('system_modstamp') }} as system_modstamp,
        {{ sf_staging_tail() }}
    from latest
)

select * from final

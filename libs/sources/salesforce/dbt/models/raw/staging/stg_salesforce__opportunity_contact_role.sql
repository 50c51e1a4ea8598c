-- Staging: Opportunity contact roles, one row per live record: the latest landed version by
-- _fivetran_synced, typed; a record whose latest version is deleted leaves the table.
{{ config(unique_key='id', post_hook="{{ salesforce_remove_deleted() }}") }}

with latest as (
    {{ salesforce_latest_versions('opportunity_contact_role') }}
),

final as (
    select
        {{ sf_string('id') }} as id,
        {{ sf_string('opportunity_id') }} as opportunity_id,
        {{ sf_string('contact_id') }} as contact_id,
        {{ sf_string('role') }} as role,
        {{ sf_boolean('is_primary') }} as is_primary,
        {{ sf_timestamp('created_date') }} as created_date,
        {{ sf_timestamp('last_modified_date') }} as last_modified_date,
        {{ sf_timestamp('system_modstamp') }} as system_modstamp,
        {{ sf_staging_tail() }}
    from latest
)

select * from final

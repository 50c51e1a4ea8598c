-- Staging: Events (meetings), one row per live record: the latest landed version by
-- _fivetran_synced, typed; a record whose latest version is deleted leaves the table.
{{ config(unique_key='id', post_hook="{{ salesforce_remove_deleted() }}") }}

with latest as (
    {{ salesforce_latest_versions('event') }}
),

final as (
    select
        {{ sf_string('id') }} as id,
        {{ sf_string('who_id') }} as who_id,
        {{ sf_string('what_id') }} as what_id,
        {{ sf_string('account_id') }} as account_id,
        {{ sf_string('subject') }} as subject,
        {{ sf_string('type') }} as type,
        {{ sf_string('event_subtype') }} as event_subtype,
        {{ sf_timestamp('activity_date_time') }} as activity_date_time,
        cast(duration_in_minutes as {{ dbt.type_int() }}) as duration_in_minutes,
        {{ sf_string('owner_id') }} as owner_id,
        {{ sf_timestamp('created_date') }} as created_date,
        {{ sf_timestamp('last_modified_date') }} as last_modified_date,
        {{ sf_timestamp('system_modstamp') }} as system_modstamp,
        {{ sf_staging_tail() }}
    from latest
)

select * from final

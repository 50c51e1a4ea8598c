-- Staging: Opportunity field history (every field change), one row per live record: the latest landed version by
-- _fivetran_synced, typed; a record whose latest version is deleted leaves the table.
{{ config(unique_key='id', post_hook="{{ salesforce_remove_deleted() }}") }}

with latest as (
    {{ salesforce_latest_versions('opportunity_field_history') }}
),

final as (
    select
        {{ sf_string('id') }} as id,
        {{ sf_string('opportunity_id') }} as opportunity_id,
        {{ sf_string('field') }} as field,
        {{ sf_string('old_value') }} as old_value,
        {{ sf_string('new_value') }} as new_value,
        {{ sf_string('created_by_id') }} as created_by_id,
        {{ sf_timestamp('created_date') }} as created_date,
        {{ sf_staging_tail() }}
    from latest
)

select * from final

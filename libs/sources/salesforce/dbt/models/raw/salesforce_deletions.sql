-- Raw layer: records deleted in Salesforce, one row per (object, id) whose latest landed
-- version in the window is a soft delete, with that version's _fivetran_synced as synced_at.
-- The source event log retracts the events of these records (salesforce_event_log); a record
-- restored from the recycle bin (a later live version) leaves this table again.
{{ config(unique_key=['object_name', 'id'], post_hook="delete from {{ this }} where not is_deleted") }}

{% set objects = ['account', 'contact', 'lead', 'opportunity', 'opportunity_contact_role', 'opportunity_field_history',
                  'campaign', 'campaign_member', 'task', 'event'] %}

with landed as (
    {%- for object in objects %}
    select '{{ object }}' as object_name, id, is_deleted, _fivetran_synced
    from {{ source('salesforce', 'salesforce_' ~ object ~ '_raw') }}
    {{ landed_window() }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

latest as (
    select
        *,
        row_number() over (partition by object_name, id order by _fivetran_synced desc) as version_rank
    from landed
),

final as (
    select
        object_name,
        {{ sf_string('id') }} as id,
        {{ sf_boolean('is_deleted') }} as is_deleted,
        cast(_fivetran_synced as {{ dbt.type_timestamp() }}) as synced_at,
        {{ ingested_at() }} as _ingested_at
    from latest
    where version_rank = 1
)

select * from final

-- Raw layer: the memberships of each record, from the record's winning import.
{{ config(unique_key='event_id', pre_hook="{{ delete_superseded(ref('manual_records')) }}") }}

with landed as (
    select * from {{ source('manual', 'manual_record_memberships_raw') }}
    {{ incremental_window('synced_at') }}
),

records as (
    select id, synced_at, line_number, _ingested_at from {{ ref('manual_records') }}
),

final as (
    select
        landed.event_id,
        landed.membership_index,
        landed.person_identifier_type,
        landed.person_identifier,
        landed.group_identifier_type,
        landed.group_identifier,
        landed.role,
        records.synced_at,
        records._ingested_at
    from landed
    inner join records
        on landed.event_id = records.id
        and cast(landed.synced_at as {{ dbt.type_timestamp() }}) = records.synced_at
        and landed.line_number = records.line_number
)

select * from final

-- Source event log: memberships stated by imported records.
{{ config(unique_key='event_id', pre_hook="{{ delete_superseded(ref('manual_events')) }}") }}

with memberships as (
    select * from {{ ref('manual_record_memberships') }}
    {{ incremental_window('synced_at') }}
),

records as (
    select id, occurred_at from {{ ref('manual_records') }}
),

final as (
    select
        {{ dbt.hash(dbt.concat(["memberships.event_id", "'|membership|'", dbt.safe_cast("memberships.membership_index", dbt.type_string())])) }} as id,
        {{ source_event_id('memberships.event_id') }} as event_id,
        memberships.person_identifier_type,
        memberships.person_identifier,
        memberships.group_identifier_type,
        memberships.group_identifier,
        memberships.role,
        'manual' as source,
        records.occurred_at,
        memberships.synced_at,
        memberships._ingested_at
    from memberships
    inner join records on memberships.event_id = records.id
)

select * from final

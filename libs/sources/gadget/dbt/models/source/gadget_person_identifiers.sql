-- Source event log: the shop owner's email; one row_id per event (the owner).
{{ config(unique_key='event_id', pre_hook="{{ delete_superseded(ref('gadget_events')) }}") }}

with events as (
    select * from {{ ref('gadget_events') }}
    {{ incremental_window('synced_at') }}
),

final as (
    select
        {{ dbt.hash(dbt.concat(["id", "'|owner|email'"])) }} as id,
        id as event_id,
        {{ dbt.concat(["id", "'|owner'"]) }} as row_id,
        'email' as identifier_type,
        owner_email as identifier_value,
        source,
        occurred_at,
        synced_at,
        _ingested_at
    from events
    where owner_email is not null
)

select * from final

-- Source event log: the shop owner's name.
{{ config(unique_key='event_id', pre_hook="{{ delete_superseded(ref('gadget_events')) }}") }}

with events as (
    select * from {{ ref('gadget_events') }}
    {{ incremental_window('synced_at') }}
),

final as (
    select
        {{ dbt.hash(dbt.concat(["id", "'|owner|name'"])) }} as id,
        id as event_id,
        {{ dbt.concat(["id", "'|owner'"]) }} as row_id,
        'name' as trait_name,
        owner_name as trait_value,
        source,
        occurred_at,
        synced_at,
        _ingested_at
    from events
    where owner_email is not null and owner_name is not null
)

select * from final

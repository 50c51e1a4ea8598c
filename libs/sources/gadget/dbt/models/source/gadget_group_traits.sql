-- Source event log: the shop's name and plan.
{{ config(unique_key='event_id', pre_hook="{{ delete_superseded(ref('gadget_events')) }}") }}

with events as (
    select * from {{ ref('gadget_events') }}
    {{ incremental_window('synced_at') }}
),

traits as (
    select id as event_id, 'name' as trait_name, shop_name as trait_value, source, occurred_at, synced_at, _ingested_at
    from events
    where shop_name is not null
    union all
    select id as event_id, 'plan' as trait_name, plan_name as trait_value, source, occurred_at, synced_at, _ingested_at
    from events
    where plan_name is not null
),

final as (
    select
        {{ dbt.hash(dbt.concat(["event_id", "'|shop|'", "trait_name"])) }} as id,
        event_id,
        {{ dbt.concat(["event_id", "'|shop'"]) }} as row_id,
        trait_name,
        trait_value,
        source,
        occurred_at,
        synced_at,
        _ingested_at
    from traits
)

select * from final

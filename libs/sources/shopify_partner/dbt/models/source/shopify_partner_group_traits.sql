-- Source event log: the shop's name as the Partner API reports it.
{{ config(unique_key='event_id', pre_hook="{{ delete_superseded(ref('shopify_partner_events')) }}") }}

with events as (
    select * from {{ ref('shopify_partner_events') }}
    {{ incremental_window('synced_at') }}
),

final as (
    select
        {{ dbt.hash(dbt.concat(["id", "'|shop|name'"])) }} as id,
        id as event_id,
        {{ dbt.concat(["id", "'|shop'"]) }} as row_id,
        'name' as trait_name,
        shop_name as trait_value,
        source,
        occurred_at,
        synced_at,
        _ingested_at
    from events
    where shop_name is not null
)

select * from final

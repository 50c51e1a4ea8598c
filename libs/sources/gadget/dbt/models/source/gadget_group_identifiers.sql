-- Source event log: the shop's Shopify id and myshopify domain, one row_id per event.
{{ config(unique_key='event_id', pre_hook="{{ delete_superseded(ref('gadget_events')) }}") }}

with events as (
    select * from {{ ref('gadget_events') }}
    {{ incremental_window('synced_at') }}
),

identifiers as (
    select id as event_id, 'shopify_shop_id' as identifier_type, shop_id as identifier_value, source, occurred_at, synced_at, _ingested_at
    from events
    union all
    select id as event_id, 'myshopify_domain' as identifier_type, shop_domain as identifier_value, source, occurred_at, synced_at, _ingested_at
    from events
    where shop_domain is not null
),

final as (
    select
        {{ dbt.hash(dbt.concat(["event_id", "'|shop|'", "identifier_type"])) }} as id,
        event_id,
        {{ dbt.concat(["event_id", "'|shop'"]) }} as row_id,
        identifier_type,
        identifier_value,
        source,
        occurred_at,
        synced_at,
        _ingested_at
    from identifiers
)

select * from final

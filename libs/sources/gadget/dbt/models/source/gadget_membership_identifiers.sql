-- Source event log: the owner (by email) is a member of the shop (by Shopify id), role owner.
{{ config(unique_key='event_id', pre_hook="{{ delete_superseded(ref('gadget_events')) }}") }}

with events as (
    select * from {{ ref('gadget_events') }}
    {{ incremental_window('synced_at') }}
),

final as (
    select
        {{ dbt.hash(dbt.concat(["id", "'|owner-of-shop'"])) }} as id,
        id as event_id,
        'email' as person_identifier_type,
        owner_email as person_identifier,
        'shopify_shop_id' as group_identifier_type,
        shop_id as group_identifier,
        'owner' as role,
        source,
        occurred_at,
        synced_at,
        _ingested_at
    from events
    where owner_email is not null
)

select * from final

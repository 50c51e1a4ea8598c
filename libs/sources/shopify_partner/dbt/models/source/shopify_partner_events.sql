-- Source event log: one event per app event, e.g. "Acme Outdoors app_installed Loyalty Lion
-- Cub"; charges and credits carry their amount and currency.
{{ config(unique_key='id') }}

with app_events as (
    select * from {{ ref('shopify_partner_app_events') }}
    {{ incremental_window('synced_at') }}
),

named as (
    select
        *,
        case api_event_type
            when 'RELATIONSHIP_INSTALLED' then 'app_installed'
            when 'RELATIONSHIP_UNINSTALLED' then 'app_uninstalled'
            when 'SUBSCRIPTION_CHARGE_ACCEPTED' then 'subscription_charge_accepted'
            when 'ONE_TIME_CHARGE_ACCEPTED' then 'one_time_charge_accepted'
            when 'CREDIT_APPLIED' then 'credit_applied'
            else lower(api_event_type)
        end as event_name
    from app_events
    -- an event whose time does not parse cannot be placed; the raw model's warning names it
    where occurred_at is not null
),

final as (
    select
        -- ids
        {{ source_event_id('event_id') }} as id,
        -- event
        occurred_at,
        event_name,
        {{ dbt.concat(["coalesce(shop_name, shop_id)", "' '", "event_name", "' '", "coalesce(app_name, app_gid)"]) }} as event_description,
        charge_amount as value,
        charge_currency as value_unit,
        'app_event' as event_type,
        'shopify_partner' as source,
        -- source-specific
        event_id as source_event_id,
        shop_id,
        shop_name,
        myshopify_domain,
        app_gid,
        app_name,
        charge_name,
        -- timestamps
        synced_at,
        _ingested_at
    from named
)

select * from final

-- Raw layer, not materialized: the window's landed rows, the copy synced last per event id,
-- the JSON payload parsed and typed, and why a row cannot be used (null when it can). The
-- typed events take the rows without a reason, the rejects those with one, so a malformed
-- payload is kept for inspection instead of failing every later build.
{{ config(materialized='ephemeral') }}

with landed as (
    select * from {{ source('shopify_partner', 'shopify_partner_app_events_raw') }}
    {{ landed_window() }}
),

deduplicated as (
    select
        *,
        row_number() over (partition by event_id order by synced_at desc) as copy_rank
    from landed
),

extracted as (
    select
        cast(event_id as {{ dbt.type_string() }}) as event_id,
        payload,
        {{ json_text('payload', 'shop.id') }} as shop_gid,
        {{ json_text('payload', 'app.id') }} as app_gid,
        {{ json_text('payload', 'type') }} as api_event_type,
        {{ json_text('payload', 'occurredAt') }} as occurred_at_text,
        {{ json_text('payload', 'shop.name') }} as shop_name,
        lower({{ json_text('payload', 'shop.myshopifyDomain') }}) as myshopify_domain,
        {{ json_text('payload', 'app.name') }} as app_name,
        {{ json_text('payload', 'charge.amount') }} as charge_amount_text,
        {{ json_text('payload', 'charge.currencyCode') }} as charge_currency,
        {{ json_text('payload', 'charge.name') }} as charge_name,
        cast(synced_at as {{ dbt.type_timestamp() }}) as synced_at
    from deduplicated
    where copy_rank = 1
),

typed as (
    select
        *,
        {{ hcrm.try_cast('occurred_at_text', dbt.type_timestamp()) }} as occurred_at,
        {{ hcrm.try_cast('charge_amount_text', dbt.type_numeric()) }} as charge_amount
    from extracted
)

select
    *,
    case
        when api_event_type is null then 'payload has no type'
        when shop_gid is null then 'payload has no shop.id'
        when occurred_at_text is not null and occurred_at is null then {{ dbt.concat(["'occurredAt is not a timestamp: '", 'occurred_at_text']) }}
        when charge_amount_text is not null and charge_amount is null then {{ dbt.concat(["'charge.amount is not a number: '", 'charge_amount_text']) }}
    end as reject_reason
from typed

-- Raw layer: the parsed and typed app events, one row per event id (the copy synced last).
-- A copy that cannot be used goes to shopify_partner_app_event_rejects instead.
{{ config(unique_key='event_id') }}

with parsed as (
    select * from {{ ref('shopify_partner_app_events_parsed') }} as candidate
    where reject_reason is null
    {%- if is_incremental() %}
        -- A backfill re-reads old copies: never let one replace a copy synced later.
        and not exists (select 1 from {{ this }} as kept where kept.event_id = candidate.event_id and kept.synced_at > candidate.synced_at)
    {%- endif %}
)

select
    event_id,
    shop_gid,
    app_gid,
    api_event_type,
    occurred_at,
    shop_name,
    myshopify_domain,
    app_name,
    charge_amount,
    charge_currency,
    charge_name,
    synced_at,
    {{ ingested_at() }} as _ingested_at,
    -- gid://shopify/Shop/1001 -> 1001, the id other sources (e.g. gadget) know the shop by
    {{ dbt.split_part('shop_gid', "'/'", 5) }} as shop_id
from parsed

-- Raw layer: the JSON payload parsed and typed, one row per event id (the copy synced last).
{{ config(unique_key='event_id') }}

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

parsed as (
    select
        -- ids
        cast(event_id as {{ dbt.type_string() }}) as event_id,
        {{ json_text('payload', 'shop.id') }} as shop_gid,
        {{ json_text('payload', 'app.id') }} as app_gid,
        -- event
        {{ json_text('payload', 'type') }} as api_event_type,
        -- safe casts: one malformed payload must not fail every later build (tests flag it)
        {{ dbt.safe_cast(json_text('payload', 'occurredAt'), dbt.type_timestamp()) }} as occurred_at,
        -- shop and app
        {{ json_text('payload', 'shop.name') }} as shop_name,
        lower({{ json_text('payload', 'shop.myshopifyDomain') }}) as myshopify_domain,
        {{ json_text('payload', 'app.name') }} as app_name,
        -- charge
        {{ dbt.safe_cast(json_text('payload', 'charge.amount'), dbt.type_numeric()) }} as charge_amount,
        {{ json_text('payload', 'charge.currencyCode') }} as charge_currency,
        {{ json_text('payload', 'charge.name') }} as charge_name,
        -- timestamps
        cast(synced_at as {{ dbt.type_timestamp() }}) as synced_at,
        {{ ingested_at() }} as _ingested_at
    from deduplicated
    where copy_rank = 1
    {%- if is_incremental() %}
        -- A backfill re-reads old copies: never let one replace a copy synced later.
        and not exists (select 1 from {{ this }} as kept where kept.event_id = deduplicated.event_id and kept.synced_at > deduplicated.synced_at)
    {%- endif %}
),

final as (
    select
        *,
        -- gid://shopify/Shop/1001 -> 1001, the id other sources (e.g. gadget) know the shop by
        {{ dbt.split_part('shop_gid', "'/'", 5) }} as shop_id
    from parsed
)

select * from final

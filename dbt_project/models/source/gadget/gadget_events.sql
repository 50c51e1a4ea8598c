-- Source event log: one `shop_updated` event per landed shop version. Source-specific
-- columns (shop_*, owner_*) stay here; the core layer keeps the standard columns only.
with shops as (
    select * from {{ ref('gadget_shops') }}
),

final as (
    select
        -- ids
        {{ dbt.hash(dbt.concat(["'gadget|'", "shop_id", "'|'", dbt.safe_cast("updated_at", dbt.type_string())])) }} as id,
        -- event
        updated_at as occurred_at,
        'shop_updated' as event_name,
        {{ dbt.concat(["shop_name", "' updated'"]) }} as event_description,
        cast(null as double) as value,
        cast(null as {{ dbt.type_string() }}) as value_unit,
        'track' as event_type,
        'gadget' as source,
        -- source-specific
        shop_id,
        domain as shop_domain,
        shop_name,
        owner_email,
        owner_name,
        -- timestamps
        synced_at,
        _ingested_at
    from shops
)

select * from final

-- Source event log: `shop_created` once per shop (at created_at) and `shop_updated` for each
-- later version. Source-specific columns (shop_*, owner_*) stay here; core keeps the standard ones.
{{ config(unique_key='id') }}

with shops as (
    select * from {{ ref('gadget_shops') }}
    {{ incremental_window('synced_at') }}
),

created as (
    select
        {{ source_event_id(["'shop_created'", 'shop_id']) }} as id,
        created_at as occurred_at,
        'shop_created' as event_name,
        shops.*,
        -- every version repeats the creation: describe it with the earliest version in the window
        row_number() over (partition by shop_id order by updated_at asc, synced_at asc) as version_rank
    from shops
),

updated as (
    select
        {{ source_event_id(["'shop_updated'", 'shop_id', dbt.safe_cast('updated_at', dbt.type_string())]) }} as id,
        updated_at as occurred_at,
        'shop_updated' as event_name,
        shops.*,
        1 as version_rank
    from shops
    where updated_at > created_at
),

events as (
    select * from created where version_rank = 1
    union all
    select * from updated
),

final as (
    select
        -- ids
        id,
        -- event
        occurred_at,
        event_name,
        {{ dbt.concat(["coalesce(shop_name, shop_id)", "' '", "event_name"]) }} as event_description,
        cast(null as {{ dbt.type_numeric() }}) as value,
        cast(null as {{ dbt.type_string() }}) as value_unit,
        'shop' as event_type,
        'gadget' as source,
        -- source-specific
        shop_id,
        domain as shop_domain,
        shop_name,
        plan_name,
        owner_email,
        owner_name,
        -- timestamps
        synced_at,
        _ingested_at
    from events
)

select * from final

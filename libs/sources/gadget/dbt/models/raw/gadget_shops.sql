-- Raw layer: landed shop versions with types fixed, one row per (shop, updated_at) version,
-- and the time the pipeline processed them.
{{ config(unique_key=['shop_id', 'updated_at']) }}

with landed as (
    select * from {{ source('gadget', 'gadget_shops_raw') }}
    {{ landed_window() }}
),

deduplicated as (
    select
        *,
        row_number() over (partition by id, updated_at order by synced_at desc) as version_rank
    from landed
),

final as (
    select
        -- ids
        cast(id as {{ dbt.type_string() }}) as shop_id,
        -- attributes
        nullif(trim(domain), '') as domain,
        nullif(trim(name), '') as shop_name,
        nullif(trim(plan_name), '') as plan_name,
        nullif(trim(owner_email), '') as owner_email,
        nullif(trim(owner_name), '') as owner_name,
        -- timestamps
        cast(created_at as {{ dbt.type_timestamp() }}) as created_at,
        cast(updated_at as {{ dbt.type_timestamp() }}) as updated_at,
        cast(synced_at as {{ dbt.type_timestamp() }}) as synced_at,
        {{ ingested_at() }} as _ingested_at
    from deduplicated
    where version_rank = 1
)

select * from final

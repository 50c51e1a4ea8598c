-- Raw layer: the landed rows with types fixed and the time the pipeline processed them.
with source as (
    select * from {{ source('gadget', 'gadget_shops_raw') }}
),

final as (
    select
        -- ids
        cast(id as {{ dbt.type_string() }}) as shop_id,
        -- attributes
        domain,
        name as shop_name,
        plan_name,
        owner_email,
        owner_name,
        -- timestamps
        cast(created_at as timestamp) as created_at,
        cast(updated_at as timestamp) as updated_at,
        cast(synced_at as timestamp) as synced_at,
        {{ dbt.current_timestamp() }} as _ingested_at
    from source
)

select * from final

-- Identity layer (walking skeleton): a group per Shopify shop id, or per normalised domain
-- for records without one. The identity issue replaces this with connected components.
with identifiers as (
    select
        row_id,
        identifier_type,
        lower(trim(identifier_value)) as identifier_value
    from {{ ref('group_identifiers') }}
),

key_of_row as (
    select
        row_id,
        coalesce(
            max(case when identifier_type = 'shopify_shop_id' then identifier_value end),
            max(case when identifier_type in ('domain', 'myshopify_domain') then identifier_value end)
        ) as group_key
    from identifiers
    group by row_id
),

final as (
    select distinct
        {{ dbt.hash("key_of_row.group_key") }} as group_id,
        identifiers.identifier_type,
        identifiers.identifier_value
    from identifiers
    inner join key_of_row on identifiers.row_id = key_of_row.row_id
    where key_of_row.group_key is not null
)

select * from final

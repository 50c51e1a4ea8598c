-- Identity layer (walking skeleton): one group per Gadget shop id, with the shop's domains.
with identifiers as (
    select * from {{ ref('group_identifiers') }}
),

shop_of_row as (
    select row_id, identifier_value as shop_id
    from identifiers
    where identifier_type = 'gadget_shop_id'
),

final as (
    select distinct
        {{ dbt.hash("shop_of_row.shop_id") }} as group_id,
        identifiers.identifier_type,
        lower(trim(identifiers.identifier_value)) as identifier_value
    from identifiers
    inner join shop_of_row on identifiers.row_id = shop_of_row.row_id
)

select * from final

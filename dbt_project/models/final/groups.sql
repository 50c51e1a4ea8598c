-- Final: one row per resolved group (company, shop, account).
with identifiers as (
    select * from {{ ref('resolved_group_identifiers') }}
),

final as (
    select
        group_id,
        min(case when identifier_type in ('domain', 'myshopify_domain') then identifier_value end) as primary_domain,
        count(*) as identifier_count
    from identifiers
    group by group_id
)

select * from final

-- Final: crm.identity_merges, the identity merge log as the identity activities wrote it:
-- which entity was absorbed into which, in which run and when.
{{ config(materialized='table') }}
with merges as (
    select * from {{ source('identity', 'identity_merges') }}
),

final as (
    select
        absorbed_id,
        surviving_id,
        entity_type,
        run_id,
        merged_at
    from merges
)

select * from final

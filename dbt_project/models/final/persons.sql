-- Final: one row per resolved person.
with identifiers as (
    select * from {{ ref('resolved_person_identifiers') }}
),

final as (
    select
        person_id,
        min(case when identifier_type = 'email' then identifier_value end) as primary_email,
        count(*) as identifier_count
    from identifiers
    group by person_id
)

select * from final

-- Identity layer (walking skeleton): one person per normalised email. The identity issue
-- replaces this with exact connected components over all identifier types.
with identifiers as (
    select * from {{ ref('person_identifiers') }}
),

final as (
    select distinct
        {{ dbt.hash("lower(trim(identifier_value))") }} as person_id,
        identifier_type,
        lower(trim(identifier_value)) as identifier_value
    from identifiers
    where identifier_type = 'email'
)

select * from final

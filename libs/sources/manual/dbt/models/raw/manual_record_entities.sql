-- Raw layer: the persons' and groups' identifiers and traits of each record, from the same
-- import and line as the record's winning version (an older import's rows never mix in).
{{ config(unique_key='event_id', pre_hook="{{ delete_superseded(ref('manual_records')) }}") }}

with landed as (
    select * from {{ source('manual', 'manual_record_entities_raw') }}
    {{ incremental_window('synced_at') }}
),

records as (
    select id, synced_at, line_number, _ingested_at from {{ ref('manual_records') }}
),

final as (
    select
        landed.event_id,
        landed.entity,
        landed.entity_index,
        landed.attribute,
        landed.name,
        landed.value_index,
        landed.value,
        records.synced_at,
        records._ingested_at
    from landed
    inner join records
        on landed.event_id = records.id
        and cast(landed.synced_at as {{ dbt.type_timestamp() }}) = records.synced_at
        and landed.line_number = records.line_number
)

select * from final

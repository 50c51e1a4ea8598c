-- Source event log: one event per imported record (its latest import).
{{ config(unique_key='id') }}

with records as (
    select * from {{ ref('manual_records') }}
    {{ incremental_window('synced_at') }}
),

final as (
    select
        -- ids
        {{ source_event_id('id') }} as id,
        -- event
        occurred_at,
        event_name,
        event_description,
        cast(value as {{ dbt.type_numeric() }}) as value,
        value_unit,
        coalesce(event_type, 'manual') as event_type,
        'manual' as source,
        -- source-specific
        id as source_event_id,
        source_file,
        line_number,
        -- timestamps
        synced_at,
        _ingested_at
    from records
)

select * from final

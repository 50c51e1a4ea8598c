-- Raw layer: one row per record id, from the latest import that carried it (the last line
-- of that file, when a file repeats an id).
{{ config(unique_key='id') }}

with landed as (
    select * from {{ source('manual', 'manual_records_raw') }}
    {{ landed_window() }}
),

latest as (
    select
        *,
        row_number() over (partition by id order by synced_at desc, line_number desc) as import_rank
    from landed
),

final as (
    select
        id,
        cast(occurred_at as {{ dbt.type_timestamp() }}) as occurred_at,
        event_name,
        event_type,
        event_description,
        value,
        value_unit,
        source_file,
        line_number,
        cast(synced_at as {{ dbt.type_timestamp() }}) as synced_at,
        {{ ingested_at() }} as _ingested_at
    from latest
    where import_rank = 1
    {%- if is_incremental() %}
        -- A backfill re-reads old imports: never let one replace a newer version already kept.
        and not exists (
            select 1 from {{ this }} as kept
            where kept.id = latest.id
                and (kept.synced_at > latest.synced_at
                    or (kept.synced_at = latest.synced_at and kept.line_number > latest.line_number))
        )
    {%- endif %}
)

select * from final

-- Core event log: every registered source's events, standard columns only.
with gadget as (
    select * from {{ ref('gadget_events') }}
),

final as (
    select id, occurred_at, event_name, event_description, value, value_unit, event_type, source, synced_at, _ingested_at
    from gadget
)

select * from final

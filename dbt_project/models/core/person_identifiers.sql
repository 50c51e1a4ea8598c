-- Core event log: every registered source's person identifiers.
with gadget as (
    select * from {{ ref('gadget_person_identifiers') }}
),

final as (
    select id, event_id, row_id, identifier_type, identifier_value, source, occurred_at, synced_at, _ingested_at
    from gadget
)

select * from final

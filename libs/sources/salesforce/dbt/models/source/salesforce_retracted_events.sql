-- Source layer: the events of records deleted in Salesforce, retracted from the event log in
-- the run that lands the deletion. The core layer deletes the rows of these events from every
-- core table (macro delete_retracted, which finds a `<source>_retracted_events` model of any
-- source). A record restored later re-emits its events and leaves this model again.
{{ config(unique_key='event_id', post_hook="delete from {{ this }} where not is_retracted") }}

with logged as (
    select * from {{ ref('salesforce_event_log') }}
    {{ incremental_window('synced_at') }}
),

final as (
    select
        id as event_id,
        source,
        object_name,
        record_id,
        occurred_at,
        is_retracted,
        synced_at,
        _ingested_at
    from logged
)

select * from final

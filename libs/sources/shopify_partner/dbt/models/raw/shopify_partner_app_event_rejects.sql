-- Raw layer: the landed copies of app events that cannot be used, with the reason and the
-- payload as landed (text), one row per event id and copy. The events model leaves them out;
-- a corrected copy synced later replaces nothing here and is used there.
{{ config(unique_key=['event_id', 'synced_at']) }}

select
    event_id,
    reject_reason,
    {{ hcrm.json_as_text('payload') }} as payload,
    synced_at,
    {{ ingested_at() }} as _ingested_at
from {{ ref('shopify_partner_app_events_parsed') }}
where reject_reason is not null

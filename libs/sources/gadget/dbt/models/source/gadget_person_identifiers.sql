-- Source event log: the shop owner's email; the owner is one row_id per event.
{{ config(unique_key='event_id', pre_hook="{{ delete_superseded(ref('gadget_events')) }}") }}

{{ event_attributes(ref('gadget_events'), 'owner', {'email': 'owner_email'}, 'identifier_type', 'identifier_value') }}

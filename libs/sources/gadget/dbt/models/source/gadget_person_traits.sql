-- Source event log: the shop owner's name (only for owners known by email).
{{ config(unique_key='event_id', pre_hook="{{ delete_superseded(ref('gadget_events')) }}") }}

{{ event_attributes(ref('gadget_events'), 'owner', {'name': 'owner_name'}, 'trait_name', 'trait_value', where='owner_email is not null') }}

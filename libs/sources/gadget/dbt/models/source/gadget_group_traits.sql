-- Source event log: the shop's name and plan.
{{ config(unique_key='event_id', pre_hook="{{ delete_superseded(ref('gadget_events')) }}") }}

{{ event_attributes(ref('gadget_events'), 'shop', {'name': 'shop_name', 'plan': 'plan_name'}, 'trait_name', 'trait_value') }}

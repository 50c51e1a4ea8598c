-- Source event log: the shop's name as the Partner API reports it.
{{ config(unique_key='event_id', pre_hook="{{ delete_superseded(ref('shopify_partner_events')) }}") }}

{{ event_attributes(ref('shopify_partner_events'), 'shop', {'name': 'shop_name'}, 'trait_name', 'trait_value') }}

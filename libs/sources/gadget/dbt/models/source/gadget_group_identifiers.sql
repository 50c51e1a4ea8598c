-- Source event log: the shop's Shopify id and myshopify domain, one row_id per event.
{{ config(unique_key='event_id', pre_hook="{{ delete_superseded(ref('gadget_events')) }}") }}

{{ event_attributes(ref('gadget_events'), 'shop', {'shopify_shop_id': 'shop_id', 'myshopify_domain': 'shop_domain'}, 'identifier_type', 'identifier_value') }}

-- Source event log: the shop of each event, by Shopify id and myshopify domain.
{{ config(unique_key='event_id', pre_hook="{{ delete_superseded(ref('shopify_partner_events')) }}") }}

{{ event_attributes(ref('shopify_partner_events'), 'shop', {'shopify_shop_id': 'shop_id', 'myshopify_domain': 'myshopify_domain'}, 'identifier_type', 'identifier_value') }}

-- Final: crm.groups, one row per live group (company, shop, account; identity.group_entities):
-- its domain seen last, its current name, the current value of every other known group trait
-- as a column, and when and in which sources the group's identifiers were seen (see
-- macros/final_entities.sql). The `name` trait is the fixed column `name`, not pivoted a
-- second time.
{{ config(post_hook="{{ final_delete_replaced('group', 'group_id') }}") }}

{{ final_entities('group', {'primary_domain': ['domain', 'myshopify_domain', 'website']}, fixed_traits=['name']) }}

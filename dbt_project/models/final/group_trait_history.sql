-- Final: crm.group_trait_history, every trait value a source ever sent for a group, one row
-- per core group trait row whose record maps to a group (see macros/final_trait_history.sql).
{{ config(post_hook="{{ final_delete_replaced('group', 'group_id') }}") }}
{{ final_trait_history('group') }}

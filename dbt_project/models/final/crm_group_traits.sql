-- Final: crm.group_traits, the current value of each trait of each group. Named
-- crm_group_traits because the core layer has a model called group_traits; the table is
-- group_traits (alias).
{{ config(alias='group_traits', post_hook="{{ final_delete_replaced('group', 'group_id') }}") }}

{{ final_latest_traits('group', ref('group_trait_history')) }}

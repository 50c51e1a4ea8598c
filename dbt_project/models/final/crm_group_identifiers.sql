-- Final: crm.group_identifiers, one row per group identifier (type, normalised value) with the
-- group it belongs to now and when and where it was seen. Named crm_group_identifiers because
-- the core layer has a model called group_identifiers; the table is group_identifiers (alias).
{{ config(alias='group_identifiers', post_hook="{{ final_delete_replaced('group', 'group_id') }}") }}

{{ final_entity_identifiers('group') }}

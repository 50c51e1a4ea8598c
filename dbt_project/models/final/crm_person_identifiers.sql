-- Final: crm.person_identifiers, one row per person identifier (type, normalised value) with the
-- person it belongs to now and when and where it was seen. Named crm_person_identifiers because
-- the core layer has a model called person_identifiers; the table is person_identifiers (alias).
{{ config(alias='person_identifiers', post_hook="{{ final_delete_replaced('person', 'person_id') }}") }}

{{ final_entity_identifiers('person') }}

-- Final: crm.person_traits, the current value of each trait of each person. Named
-- crm_person_traits because the core layer has a model called person_traits; the table is
-- person_traits (alias).
{{ config(alias='person_traits', post_hook="{{ final_delete_replaced('person', 'person_id') }}") }}

{{ final_latest_traits('person', ref('person_trait_history')) }}

-- Final: crm.person_trait_history, every trait value a source ever sent for a person, one row
-- per core person trait row whose record maps to a person (see macros/final_trait_history.sql).
{{ config(post_hook="{{ final_delete_replaced('person', 'person_id') }}") }}
{{ final_trait_history('person') }}

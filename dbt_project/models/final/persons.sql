-- Final: crm.persons, one row per live person (identity.person_entities): the email and
-- phone seen last, the current value of every known person trait as a column, and when and
-- in which sources the person's identifiers were seen (see macros/final_entities.sql).
{{ config(post_hook="{{ final_delete_replaced('person', 'person_id') }}") }}

{{ final_entities('person', {'primary_email': ['email'], 'primary_phone': ['phone']}) }}

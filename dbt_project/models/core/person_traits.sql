-- Core event log: every registered source's person traits, standard columns only.
-- Incremental per source; a re-read event replaces all of its rows (unique_key event_id).
{{ config(unique_key='event_id', pre_hook=["{{ delete_superseded(ref('events'), per_source=true) }}", "{{ delete_retracted() }}"]) }}

-- depends_on: {{ ref('events') }}
{{ union_source_interface('person_traits') }}

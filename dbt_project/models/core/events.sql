-- Core event log: every registered source's events, standard columns only.
-- Incremental per source; a re-read event replaces all of its rows (unique_key id).
{{ config(unique_key='id', pre_hook="{{ delete_retracted('id') }}") }}

{{ union_source_interface('events') }}

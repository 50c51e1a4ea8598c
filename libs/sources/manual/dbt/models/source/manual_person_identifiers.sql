-- Source event log: person identifiers of imported records; each person object is one row_id.
{{ config(unique_key='event_id', pre_hook="{{ delete_superseded(ref('manual_events')) }}") }}

{{ manual_entity_rows('person', 'identifier', 'identifier_type', 'identifier_value') }}

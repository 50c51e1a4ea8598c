-- Source event log: person identifiers of imported records; each person object is one row_id.
{{ config(unique_key='event_id') }}

{{ manual_entity_rows('person', 'identifier', 'identifier_type', 'identifier_value') }}

-- Source event log: group identifiers of imported records; each group object is one row_id.
{{ config(unique_key='event_id') }}

{{ manual_entity_rows('group', 'identifier', 'identifier_type', 'identifier_value') }}

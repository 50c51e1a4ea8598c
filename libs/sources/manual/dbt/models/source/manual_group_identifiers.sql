-- Source event log: group identifiers of imported records; each group object is one row_id.
{{ config(unique_key='event_id', pre_hook="{{ delete_superseded(ref('manual_events')) }}") }}

{{ manual_entity_rows('group', 'identifier', 'identifier_type', 'identifier_value') }}

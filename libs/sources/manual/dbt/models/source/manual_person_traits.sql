-- Source event log: person traits of imported records.
{{ config(unique_key='event_id', pre_hook="{{ delete_superseded(ref('manual_events')) }}") }}

{{ manual_entity_rows('person', 'trait', 'trait_name', 'trait_value') }}

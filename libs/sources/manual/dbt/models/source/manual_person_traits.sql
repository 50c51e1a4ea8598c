-- Source event log: person traits of imported records.
{{ config(unique_key='event_id') }}

{{ manual_entity_rows('person', 'trait', 'trait_name', 'trait_value') }}

-- Raw layer: the persons' and groups' identifiers and traits of each record's winning version.
{{ config(unique_key='event_id', pre_hook="{{ delete_superseded(ref('manual_records')) }}") }}

{{ manual_winning_rows('manual_record_entities_raw', ['entity', 'entity_index', 'attribute', 'name', 'value_index', 'value']) }}

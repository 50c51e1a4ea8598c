-- Raw layer: the memberships of each record's winning version.
{{ config(unique_key='event_id', pre_hook="{{ delete_superseded(ref('manual_records')) }}") }}

{{ manual_winning_rows('manual_record_memberships_raw', ['membership_index', 'person_identifier_type', 'person_identifier', 'group_identifier_type', 'group_identifier', 'role']) }}

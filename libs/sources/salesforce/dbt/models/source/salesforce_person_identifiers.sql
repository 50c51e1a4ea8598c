-- Source event log: person identifiers, one row_id per event. Contacts and leads by their
-- Salesforce id (salesforce_contact_id, salesforce_lead_id), email, and phone and mobile phone
-- (both `phone`); a converted lead also names its contact's id, so the two are one person.
-- Activities, campaign members and contact roles name the person by id alone.
{{ config(unique_key='event_id', pre_hook="{{ delete_superseded(ref('salesforce_event_log')) }}") }}

-- depends_on: {{ ref('salesforce_event_log') }}
{{ salesforce_attributes('person', [
    ('salesforce_contact_id', 'person_contact_id'),
    ('salesforce_lead_id', 'person_lead_id'),
    ('email', 'person_email'),
    ('phone', 'person_phone'),
    ('phone', 'person_mobile_phone'),
], 'identifier_type', 'identifier_value') }}

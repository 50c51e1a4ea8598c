-- Source event log: traits of contacts and leads (name, title, lead status, company, lead
-- source) and of the Salesforce user who owns them (owner_name, owner_email): users are the
-- seller's own staff, never persons.
{{ config(unique_key='event_id', pre_hook="{{ delete_superseded(ref('salesforce_event_log')) }}") }}

-- depends_on: {{ ref('salesforce_event_log') }}
{{ salesforce_attributes('person', [
    ('name', 'person_name'),
    ('first_name', 'person_first_name'),
    ('last_name', 'person_last_name'),
    ('title', 'person_title'),
    ('lead_status', 'person_lead_status'),
    ('company', 'person_company'),
    ('lead_source', 'person_lead_source'),
    ('owner_name', 'owner_name'),
    ('owner_email', 'owner_email'),
], 'trait_name', 'trait_value', where="object_name in ('contact', 'lead') and coalesce(person_contact_id, person_lead_id) is not null") }}

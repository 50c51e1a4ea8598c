-- Source event log: account traits (name, industry, type, employees, billing country, and the
-- owning user's name and email), and the company name an unconverted lead gives with its website.
{{ config(unique_key='event_id', pre_hook="{{ delete_superseded(ref('salesforce_event_log')) }}") }}

-- depends_on: {{ ref('salesforce_event_log') }}
{{ salesforce_attributes('group', [
    ('name', 'group_name'),
    ('industry', 'group_industry'),
    ('type', 'group_type'),
    ('employees', 'group_employees'),
    ('billing_country', 'group_billing_country'),
    ('owner_name', "case when object_name = 'account' then owner_name end"),
    ('owner_email', "case when object_name = 'account' then owner_email end"),
], 'trait_name', 'trait_value', where="coalesce(account_id, group_domain) is not null") }}

-- Source event log: group identifiers, one row_id per event: the account's Salesforce id and
-- its website as a `domain` (normalised like every domain: no scheme, www. or path), or an
-- unconverted lead's website.
{{ config(unique_key='event_id', pre_hook="{{ delete_superseded(ref('salesforce_event_log')) }}") }}

-- depends_on: {{ ref('salesforce_event_log') }}
{{ salesforce_attributes('group', [
    ('salesforce_account_id', 'account_id'),
    ('domain', 'group_domain'),
], 'identifier_type', 'identifier_value') }}

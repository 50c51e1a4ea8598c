-- Source event log: memberships. A contact is a member of its account (role: the contact's
-- title, else `contact`); a contact role on an opportunity makes the contact a member of the
-- opportunity's account with that role (Decision Maker, ...); an unconverted lead that gives a
-- website is a member of that domain's group with role `lead`. crm.memberships keeps the
-- latest role per person and group.
{{ config(unique_key='event_id', pre_hook="{{ delete_superseded(ref('salesforce_event_log')) }}") }}

-- depends_on: {{ ref('salesforce_event_log') }}
with events as (
    select * from {{ ref('salesforce_events') }}
    {{ incremental_window('synced_at') }}
),

final as (
    select
        {{ dbt.hash(dbt.concat(["id", "'|member-of-group'"])) }} as id,
        id as event_id,
        case when person_contact_id is not null then 'salesforce_contact_id' else 'salesforce_lead_id' end as person_identifier_type,
        coalesce(person_contact_id, person_lead_id) as person_identifier,
        case when account_id is not null then 'salesforce_account_id' else 'domain' end as group_identifier_type,
        coalesce(account_id, group_domain) as group_identifier,
        membership_role as role,
        source,
        occurred_at,
        synced_at,
        _ingested_at
    from events
    where membership_role is not null
        and coalesce(person_contact_id, person_lead_id) is not null
        and coalesce(account_id, group_domain) is not null
)

select * from final

-- Source layer (internal): every event the Salesforce records describe, live ones and, for
-- records deleted in Salesforce (salesforce_deletions), tombstones: the event's last row again
-- with is_retracted and the deletion's synced_at. salesforce_events holds the live events;
-- salesforce_retracted_events lists the retracted ones, which the identifier, trait and
-- membership models (delete_superseded on this log) and the core layer (delete_retracted)
-- remove. One row per event id; an event's row is replaced whenever its record changes.
{{ config(unique_key='id') }}

-- depends_on: {{ ref('salesforce_deletions') }}

with users as (
    select id, name, email from {{ ref('stg_salesforce__user') }}
),

accounts as (
    select * from {{ ref('stg_salesforce__account') }}
    {{ incremental_window('synced_at') }}
),

contacts as (
    select * from {{ ref('stg_salesforce__contact') }}
    {{ incremental_window('synced_at') }}
),

leads as (
    select * from {{ ref('stg_salesforce__lead') }}
    {{ incremental_window('synced_at') }}
),

opportunities as (
    select * from {{ ref('stg_salesforce__opportunity') }}
    {{ incremental_window('synced_at') }}
),

-- Every live opportunity, for the history and contact-role rows of this window.
all_opportunities as (
    select id, account_id, name, amount, currency_iso_code from {{ ref('stg_salesforce__opportunity') }}
),

stage_history as (
    select * from {{ ref('stg_salesforce__opportunity_field_history') }}
    {{ incremental_window('synced_at') }}
),

contact_roles as (
    select * from {{ ref('stg_salesforce__opportunity_contact_role') }}
    {{ incremental_window('synced_at') }}
),

campaigns as (
    select id, name from {{ ref('stg_salesforce__campaign') }}
),

campaign_members as (
    select * from {{ ref('stg_salesforce__campaign_member') }}
    {{ incremental_window('synced_at') }}
),

tasks as (
    select * from {{ ref('stg_salesforce__task') }}
    {{ incremental_window('synced_at') }}
),

calendar_events as (
    select * from {{ ref('stg_salesforce__event') }}
    {{ incremental_window('synced_at') }}
),

{%- set account_values = {
    'event_type': "'account'", 'object_name': "'account'", 'record_id': 'a.id',
    'owner_name': 'u.name', 'owner_email': 'u.email',
    'account_id': 'a.id', 'group_domain': 'a.website', 'group_name': 'a.name', 'group_industry': 'a.industry',
    'group_type': 'a.type', 'group_employees': dbt.safe_cast('a.number_of_employees', dbt.type_string()),
    'group_billing_country': 'a.billing_country',
    'synced_at': 'a.synced_at', '_ingested_at': 'a._ingested_at',
} %}
{%- set contact_values = {
    'event_type': "'contact'", 'object_name': "'contact'", 'record_id': 'c.id',
    'person_contact_id': 'c.id', 'person_email': 'c.email', 'person_phone': 'c.phone', 'person_mobile_phone': 'c.mobile_phone',
    'person_name': sf_full_name('c'), 'person_first_name': 'c.first_name', 'person_last_name': 'c.last_name',
    'person_title': 'c.title', 'person_lead_source': 'c.lead_source',
    'owner_name': 'u.name', 'owner_email': 'u.email',
    'account_id': 'c.account_id',
    'membership_role': "case when c.account_id is not null then coalesce(c.title, 'contact') end",
    'synced_at': 'c.synced_at', '_ingested_at': 'c._ingested_at',
} %}
{#- A converted lead names its contact and account: the same person and group as those. An
    unconverted lead's company is a group only when the lead gives a website (its domain);
    the lead is then a member with role `lead`. -#}
{%- set lead_values = {
    'event_type': "'lead'", 'object_name': "'lead'", 'record_id': 'l.id',
    'person_lead_id': 'l.id', 'person_contact_id': 'case when l.is_converted then l.converted_contact_id end',
    'person_email': 'l.email', 'person_phone': 'l.phone', 'person_mobile_phone': 'l.mobile_phone',
    'person_name': sf_full_name('l'), 'person_first_name': 'l.first_name', 'person_last_name': 'l.last_name',
    'person_title': 'l.title', 'person_lead_status': 'l.status', 'person_company': 'l.company', 'person_lead_source': 'l.lead_source',
    'owner_name': 'u.name', 'owner_email': 'u.email',
    'account_id': 'case when l.is_converted then l.converted_account_id end',
    'group_domain': 'case when not l.is_converted then l.website end',
    'group_name': 'case when not l.is_converted and l.website is not null then l.company end',
    'membership_role': "case when not l.is_converted and l.website is not null then 'lead' end",
    'synced_at': 'l.synced_at', '_ingested_at': 'l._ingested_at',
} %}
{%- set opportunity_values = {
    'value': 'o.amount', 'value_unit': 'o.currency_iso_code', 'event_type': "'opportunity'",
    'object_name': "'opportunity'", 'record_id': 'o.id', 'account_id': 'o.account_id',
    'synced_at': 'o.synced_at', '_ingested_at': 'o._ingested_at',
} %}

account_events as (
    select {{ sf_event_select(dict(account_values,
        id=source_event_id(["'account_created'", 'a.id']), occurred_at='a.created_date', event_name="'account_created'",
        event_description=dbt.concat(["coalesce(a.name, a.id)", "' account created'"]))) }}
    from accounts as a
    left join users as u on u.id = a.owner_id
    union all
    select {{ sf_event_select(dict(account_values,
        id=source_event_id(["'account_updated'", 'a.id']), occurred_at='a.last_modified_date', event_name="'account_updated'",
        event_description=dbt.concat(["coalesce(a.name, a.id)", "' account updated'"]))) }}
    from accounts as a
    left join users as u on u.id = a.owner_id
    where a.last_modified_date > a.created_date
),

contact_events as (
    select {{ sf_event_select(dict(contact_values,
        id=source_event_id(["'contact_created'", 'c.id']), occurred_at='c.created_date', event_name="'contact_created'",
        event_description=dbt.concat(["coalesce(" ~ sf_full_name('c') ~ ", c.id)", "' contact created'"]))) }}
    from contacts as c
    left join users as u on u.id = c.owner_id
    union all
    select {{ sf_event_select(dict(contact_values,
        id=source_event_id(["'contact_updated'", 'c.id']), occurred_at='c.last_modified_date', event_name="'contact_updated'",
        event_description=dbt.concat(["coalesce(" ~ sf_full_name('c') ~ ", c.id)", "' contact updated'"]))) }}
    from contacts as c
    left join users as u on u.id = c.owner_id
    where c.last_modified_date > c.created_date
),

lead_events as (
    select {{ sf_event_select(dict(lead_values,
        id=source_event_id(["'lead_created'", 'l.id']), occurred_at='l.created_date', event_name="'lead_created'",
        event_description=dbt.concat(["coalesce(" ~ sf_full_name('l') ~ ", l.id)", "' lead created'"]))) }}
    from leads as l
    left join users as u on u.id = l.owner_id
    union all
    select {{ sf_event_select(dict(lead_values,
        id=source_event_id(["'lead_updated'", 'l.id']), occurred_at='l.last_modified_date', event_name="'lead_updated'",
        event_description=dbt.concat(["coalesce(" ~ sf_full_name('l') ~ ", l.id)", "' lead updated ('", "coalesce(l.status, '')", "')'"]))) }}
    from leads as l
    left join users as u on u.id = l.owner_id
    where l.last_modified_date > l.created_date
    union all
    -- The conversion names the lead, its contact and its account together.
    select {{ sf_event_select({
        'id': source_event_id(["'lead_converted'", 'l.id']),
        'occurred_at': 'coalesce(cast(l.converted_date as ' ~ dbt.type_timestamp() ~ '), l.last_modified_date)',
        'event_name': "'lead_converted'", 'event_type': "'lead'",
        'event_description': dbt.concat(["coalesce(" ~ sf_full_name('l') ~ ", l.id)", "' lead converted'"]),
        'object_name': "'lead'", 'record_id': 'l.id',
        'person_lead_id': 'l.id', 'person_contact_id': 'l.converted_contact_id', 'account_id': 'l.converted_account_id',
        'synced_at': 'l.synced_at', '_ingested_at': 'l._ingested_at',
    }) }}
    from leads as l
    where l.is_converted
),

opportunity_events as (
    select {{ sf_event_select(dict(opportunity_values,
        id=source_event_id(["'opportunity_created'", 'o.id']), occurred_at='o.created_date', event_name="'opportunity_created'",
        event_description=dbt.concat(["coalesce(o.name, o.id)", "' created'"]))) }}
    from opportunities as o
    union all
    -- One closing event per opportunity: reopened and closed again, it is replaced.
    select {{ sf_event_select(dict(opportunity_values,
        id=source_event_id(["'opportunity_closed'", 'o.id']),
        occurred_at='coalesce(cast(o.close_date as ' ~ dbt.type_timestamp() ~ '), o.last_modified_date)',
        event_name="case when o.is_won then 'opportunity_closed_won' else 'opportunity_closed_lost' end",
        event_description=dbt.concat(["coalesce(o.name, o.id)", "' '", "coalesce(o.stage_name, '')"]))) }}
    from opportunities as o
    where o.is_closed
    union all
    -- Stage changes from the field history (field StageName) of live opportunities.
    select {{ sf_event_select({
        'id': source_event_id(["'opportunity_stage_changed'", 'h.id']), 'occurred_at': 'h.created_date',
        'event_name': "'opportunity_stage_changed'", 'event_type': "'opportunity'",
        'event_description': dbt.concat(["coalesce(o.name, o.id)", "': '", "coalesce(h.old_value, '(none)')", "' -> '", "coalesce(h.new_value, '(none)')"]),
        'value': 'o.amount', 'value_unit': 'o.currency_iso_code',
        'object_name': "'opportunity_field_history'", 'record_id': 'h.id', 'parent_record_id': 'o.id', 'account_id': 'o.account_id',
        'synced_at': 'h.synced_at', '_ingested_at': 'h._ingested_at',
    }) }}
    from stage_history as h
    inner join all_opportunities as o on o.id = h.opportunity_id
    where h.field = 'StageName'
    union all
    -- A contact's role on an opportunity: a membership in the opportunity's account.
    select {{ sf_event_select({
        'id': source_event_id(["'opportunity_contact_role_added'", 'r.id']), 'occurred_at': 'r.created_date',
        'event_name': "'opportunity_contact_role_added'", 'event_type': "'opportunity'",
        'event_description': dbt.concat(["coalesce(o.name, o.id)", "': '", "coalesce(r.role, 'contact')"]),
        'object_name': "'opportunity_contact_role'", 'record_id': 'r.id', 'parent_record_id': 'o.id',
        'person_contact_id': 'r.contact_id', 'account_id': 'o.account_id',
        'membership_role': "case when o.account_id is not null then coalesce(r.role, 'contact') end",
        'synced_at': 'r.synced_at', '_ingested_at': 'r._ingested_at',
    }) }}
    from contact_roles as r
    inner join all_opportunities as o on o.id = r.opportunity_id
    where r.contact_id is not null
),

{%- set member_values = {
    'event_type': "'campaign'", 'object_name': "'campaign_member'", 'record_id': 'm.id', 'parent_record_id': 'm.campaign_id',
    'person_contact_id': 'm.contact_id', 'person_lead_id': 'm.lead_id',
    'synced_at': 'm.synced_at', '_ingested_at': 'm._ingested_at',
} %}

campaign_events as (
    select {{ sf_event_select(dict(member_values,
        id=source_event_id(["'campaign_joined'", 'm.id']), occurred_at='m.created_date', event_name="'campaign_joined'",
        event_description=dbt.concat(["'Joined '", "coalesce(cp.name, m.campaign_id)"]))) }}
    from campaign_members as m
    left join campaigns as cp on cp.id = m.campaign_id
    where coalesce(m.contact_id, m.lead_id) is not null
    union all
    select {{ sf_event_select(dict(member_values,
        id=source_event_id(["'campaign_responded'", 'm.id']),
        occurred_at='coalesce(cast(m.first_responded_date as ' ~ dbt.type_timestamp() ~ '), m.last_modified_date)',
        event_name="'campaign_responded'",
        event_description=dbt.concat(["'Responded to '", "coalesce(cp.name, m.campaign_id)"]))) }}
    from campaign_members as m
    left join campaigns as cp on cp.id = m.campaign_id
    where m.has_responded and coalesce(m.contact_id, m.lead_id) is not null
),

activity_events as (
    -- Tasks: calls, emails and other tasks on a contact or lead.
    select {{ sf_event_select({
        'id': source_event_id(["'task'", 't.id']),
        'occurred_at': 'coalesce(cast(t.activity_date as ' ~ dbt.type_timestamp() ~ '), t.created_date)',
        'event_name': "case lower(coalesce(t.task_subtype, t.type, '')) when 'call' then 'call_logged' when 'email' then 'email_sent' else 'task_logged' end",
        'event_type': "case lower(coalesce(t.task_subtype, t.type, '')) when 'call' then 'call' when 'email' then 'email' else 'task' end",
        'event_description': 'coalesce(t.subject, t.id)',
        'value': 't.call_duration_in_seconds', 'value_unit': "case when t.call_duration_in_seconds is not null then 'seconds' end",
        'object_name': "'task'", 'record_id': 't.id',
        'person_contact_id': sf_who_contact('t.who_id'), 'person_lead_id': sf_who_lead('t.who_id'), 'account_id': 't.account_id',
        'synced_at': 't.synced_at', '_ingested_at': 't._ingested_at',
    }) }}
    from tasks as t
    where coalesce({{ sf_who_contact('t.who_id') }}, {{ sf_who_lead('t.who_id') }}, t.account_id) is not null
    union all
    -- Calendar events: meetings with a contact or lead.
    select {{ sf_event_select({
        'id': source_event_id(["'event'", 'e.id']),
        'occurred_at': 'coalesce(e.activity_date_time, e.created_date)',
        'event_name': "case lower(coalesce(e.type, '')) when 'call' then 'call_logged' else 'meeting_held' end",
        'event_type': "case lower(coalesce(e.type, '')) when 'call' then 'call' else 'meeting' end",
        'event_description': 'coalesce(e.subject, e.id)',
        'value': 'e.duration_in_minutes', 'value_unit': "case when e.duration_in_minutes is not null then 'minutes' end",
        'object_name': "'event'", 'record_id': 'e.id',
        'person_contact_id': sf_who_contact('e.who_id'), 'person_lead_id': sf_who_lead('e.who_id'), 'account_id': 'e.account_id',
        'synced_at': 'e.synced_at', '_ingested_at': 'e._ingested_at',
    }) }}
    from calendar_events as e
    where coalesce({{ sf_who_contact('e.who_id') }}, {{ sf_who_lead('e.who_id') }}, e.account_id) is not null
),

live as (
    select *, false as is_retracted from account_events
    union all
    select *, false as is_retracted from contact_events
    union all
    select *, false as is_retracted from lead_events
    union all
    select *, false as is_retracted from opportunity_events
    union all
    select *, false as is_retracted from campaign_events
    union all
    select *, false as is_retracted from activity_events
),

{% if is_incremental() %}
-- Records deleted in this window: their events, and the events of their children (stage
-- changes, contact roles and members of a deleted opportunity or campaign), are retracted.
deleted as (
    select id, max(synced_at) as synced_at
    from {{ ref('salesforce_deletions') }}
    {{ incremental_window('synced_at') }}
    group by id
),

tombstones as (
    select
        {%- for name in sf_event_columns() if name not in ['synced_at', '_ingested_at'] %}
        logged.{{ name }},
        {%- endfor %}
        deleted.synced_at,
        {{ ingested_at() }} as _ingested_at,
        true as is_retracted
    from {{ this }} as logged
    inner join deleted on deleted.id = logged.record_id or deleted.id = logged.parent_record_id
),

candidates as (
    select * from live
    union all
    select * from tombstones
),
{% else %}
candidates as (
    select * from live
),
{% endif %}

final as (
    select *
    from (
        select
            candidates.*,
            row_number() over (partition by id order by case when is_retracted then 0 else 1 end, synced_at desc) as event_rank
        from candidates
    ) as ranked
    where event_rank = 1
)

select
    {%- for name in sf_event_columns() %}
    {{ name }},
    {%- endfor %}
    is_retracted
from final

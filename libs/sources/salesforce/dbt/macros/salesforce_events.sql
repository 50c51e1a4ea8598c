{#- The columns of salesforce_event_log (and, without is_retracted, salesforce_events) with
    their types: the standard event columns, the record the event comes from, and the
    entities it names (person, group, membership), which the identifier, trait and membership
    models read. -#}
{% macro sf_event_columns() -%}
    {%- set s = dbt.type_string() -%}
    {%- set ts = dbt.type_timestamp() -%}
    {{ return({
        'id': s, 'occurred_at': ts, 'event_name': s, 'event_description': s, 'value': dbt.type_numeric(),
        'value_unit': s, 'event_type': s, 'source': s,
        'object_name': s, 'record_id': s, 'parent_record_id': s,
        'person_contact_id': s, 'person_lead_id': s, 'person_email': s, 'person_phone': s, 'person_mobile_phone': s,
        'person_name': s, 'person_first_name': s, 'person_last_name': s, 'person_title': s, 'person_lead_status': s,
        'person_company': s, 'person_lead_source': s,
        'owner_name': s, 'owner_email': s,
        'account_id': s, 'group_domain': s, 'group_name': s, 'group_industry': s, 'group_type': s,
        'group_employees': s, 'group_billing_country': s,
        'membership_role': s,
        'synced_at': ts, '_ingested_at': ts,
    }) }}
{%- endmacro %}

{#- The select list of one kind of event: `values` maps columns to SQL expressions, every
    other column of sf_event_columns() is a typed NULL; `source` is always 'salesforce'. -#}
{% macro sf_event_select(values) -%}
    {%- for name, type in sf_event_columns().items() %}
        {% if name == 'source' -%}
        cast('salesforce' as {{ type }}) as source
        {%- elif name in values -%}
        cast({{ values[name] }} as {{ type }}) as {{ name }}
        {%- else -%}
        cast(null as {{ type }}) as {{ name }}
        {%- endif %}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{#- A person's display name: Salesforce's compound Name, else first and last name. -#}
{% macro sf_full_name(alias) -%}
coalesce({{ alias }}.name, nullif(trim({{ dbt.concat(["coalesce(" ~ alias ~ ".first_name, '')", "' '", "coalesce(" ~ alias ~ ".last_name, '')"]) }}), ''))
{%- endmacro %}

{#- The person a Task or Event is about, by the key prefix of its WhoId: 003 a contact, 00Q a lead. -#}
{% macro sf_who_contact(column) -%}
case when {{ column }} like '003%' then {{ column }} end
{%- endmacro %}

{% macro sf_who_lead(column) -%}
case when {{ column }} like '00Q%' then {{ column }} end
{%- endmacro %}

{#- Pre-hook of salesforce_events: delete the events salesforce_event_log retracted in this
    window (their records were deleted in Salesforce). delete+insert replaces the live ones. -#}
{% macro salesforce_delete_retracted(column='id') -%}
{%- if is_incremental() -%}
delete from {{ this }}
where {{ column }} in (
    select log.id
    from {{ ref('salesforce_event_log') }} as log
    where log.is_retracted
    {%- if pipeline_windows_enabled() %}
        and {{ pipeline_window_predicate('log.synced_at', "'salesforce'") }}
    {%- else %}
        and log.synced_at > (select {{ own_watermark('target.synced_at') }} from {{ this }} as target)
    {%- endif %}
)
{%- endif -%}
{%- endmacro %}

{#- Long-format identifier or trait rows of one entity of each event, like the shared
    event_attributes macro, but from a list of (name, column) pairs so that two columns can
    give the same identifier type (phone and mobile phone are both `phone`). Row ids are
    "<event id>|<entity>", ids hash the event, entity, name and position in `pairs`; a pair's
    column may be an SQL expression. -#}
{% macro salesforce_attributes(entity, pairs, name_column, value_column, where=none) -%}
with events as (
    select * from {{ ref('salesforce_events') }}
    {{ incremental_window('synced_at') }}
),

attributes as (
    {%- for pair in pairs %}
    select
        id as event_id,
        '{{ pair[0] }}|{{ loop.index }}' as attribute_column,
        '{{ pair[0] }}' as {{ name_column }},
        {{ pair[1] }} as {{ value_column }},
        source,
        occurred_at,
        synced_at,
        _ingested_at
    from events
    where {{ pair[1] }} is not null{% if where %} and {{ where }}{% endif %}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

final as (
    select
        {{ dbt.hash(dbt.concat(["event_id", "'|" ~ entity ~ "|'", "attribute_column"])) }} as id,
        event_id,
        {{ dbt.concat(["event_id", "'|" ~ entity ~ "'"]) }} as row_id,
        {{ name_column }},
        {{ value_column }},
        source,
        occurred_at,
        synced_at,
        _ingested_at
    from attributes
)

select * from final
{%- endmacro %}

{#- The standard columns of each source event log interface, with their types. The core
    layer keeps exactly these; source models may carry more. -#}
{% macro interface_columns(interface) -%}
    {%- set s = dbt.type_string() -%}
    {%- set ts = dbt.type_timestamp() -%}
    {%- set entity = {'id': s, 'event_id': s, 'row_id': s} -%}
    {%- set tail = {'source': s, 'occurred_at': ts, 'synced_at': ts, '_ingested_at': ts} -%}
    {%- set columns = {
        'events': {'id': s, 'occurred_at': ts, 'event_name': s, 'event_description': s, 'value': dbt.type_numeric(),
                   'value_unit': s, 'event_type': s, 'source': s, 'synced_at': ts, '_ingested_at': ts},
        'person_identifiers': dict(entity, identifier_type=s, identifier_value=s, **tail),
        'group_identifiers': dict(entity, identifier_type=s, identifier_value=s, **tail),
        'person_traits': dict(entity, trait_name=s, trait_value=s, **tail),
        'group_traits': dict(entity, trait_name=s, trait_value=s, **tail),
        'membership_identifiers': {'id': s, 'event_id': s, 'person_identifier_type': s, 'person_identifier': s,
                                   'group_identifier_type': s, 'group_identifier': s, 'role': s, 'source': s,
                                   'occurred_at': ts, 'synced_at': ts, '_ingested_at': ts},
    } -%}
    {%- if interface not in columns -%}
        {{ exceptions.raise_compiler_error('unknown source interface "' ~ interface ~ '"; known: ' ~ (columns.keys() | join(', '))) }}
    {%- endif -%}
    {{ return(columns[interface]) }}
{%- endmacro %}

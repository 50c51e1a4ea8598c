{#- The id of a source event log row: a hash of the source's name (its package,
    hcrm_source_<name>) and `parts`, SQL expressions that together are the event's id in the
    source, joined with '|'. The source's own ids (a user's record ids, say) may repeat in
    another source; prefixed with the source name, the ids are unique across sources.

    source_event_id(["'shop_updated'", 'shop_id', dbt.safe_cast('updated_at', dbt.type_string())])
    -> the hash of 'gadget|shop_updated|<shop_id>|<updated_at>' -#}
{% macro source_event_id(parts) -%}
{%- if parts is string -%}
    {%- set parts = [parts] -%}
{%- endif -%}
{%- set fields = ["'" ~ package_source_name() ~ "|'"] -%}
{%- for part in parts -%}
    {%- if not loop.first -%}
        {%- do fields.append("'|'") -%}
    {%- endif -%}
    {%- do fields.append(part) -%}
{%- endfor -%}
{{ dbt.hash(dbt.concat(fields)) }}
{%- endmacro %}

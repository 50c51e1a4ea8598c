{#- The text at a JSON path (dot notation, e.g. 'shop.name') of a JSON column, or null. -#}
{% macro json_text(column, path) -%}
    {{ return(adapter.dispatch('json_text', 'hcrm')(column, path)) }}
{%- endmacro %}

{% macro default__json_text(column, path) -%}
    json_extract_string({{ column }}, '$.{{ path }}')
{%- endmacro %}

{#- Snowflake keeps raw JSON as VARIANT: a path into it, as text. -#}
{% macro snowflake__json_text(column, path) -%}
    {{ column }}:{{ path }}::varchar
{%- endmacro %}

{% macro bigquery__json_text(column, path) -%}
    json_value({{ column }}, '$.{{ path }}')
{%- endmacro %}

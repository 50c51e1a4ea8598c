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

{#- A whole JSON value as text (to keep a payload for inspection). -#}
{% macro json_as_text(column) -%}
    {{ return(adapter.dispatch('json_as_text', 'hcrm')(column)) }}
{%- endmacro %}

{% macro default__json_as_text(column) -%}
    cast({{ column }} as {{ dbt.type_string() }})
{%- endmacro %}

{% macro snowflake__json_as_text(column) -%}
    to_json({{ column }})
{%- endmacro %}

{% macro bigquery__json_as_text(column) -%}
    to_json_string({{ column }})
{%- endmacro %}

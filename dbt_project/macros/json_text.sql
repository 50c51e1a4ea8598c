{#- The text at a JSON path (dot notation, e.g. 'shop.name') of a JSON column, or null. -#}
{% macro json_text(column, path) -%}
    {{ return(adapter.dispatch('json_text', 'hcrm')(column, path)) }}
{%- endmacro %}

{% macro default__json_text(column, path) -%}
    json_extract_string({{ column }}, '$.{{ path }}')
{%- endmacro %}

{#- `union` without duplicates: BigQuery wants it spelled `union distinct`. -#}
{% macro union_distinct() -%}
    {{ return(adapter.dispatch('union_distinct', 'hcrm')()) }}
{%- endmacro %}

{% macro default__union_distinct() -%}
union
{%- endmacro %}

{% macro bigquery__union_distinct() -%}
union distinct
{%- endmacro %}

{#- A cast that gives null instead of failing when the value does not convert: a malformed
    value in one landed row must not stop every later build. dbt's own safe_cast renders a
    plain cast on DuckDB, which fails the whole statement. -#}
{% macro try_cast(expression, type) -%}
    {{ return(adapter.dispatch('try_cast', 'hcrm')(expression, type)) }}
{%- endmacro %}

{% macro default__try_cast(expression, type) -%}
    {{ dbt.safe_cast(expression, type) }}
{%- endmacro %}

{% macro duckdb__try_cast(expression, type) -%}
    try_cast({{ expression }} as {{ type }})
{%- endmacro %}

{% macro snowflake__try_cast(expression, type) -%}
    try_cast({{ expression }} as {{ type }})
{%- endmacro %}

{% macro bigquery__try_cast(expression, type) -%}
    safe_cast({{ expression }} as {{ type }})
{%- endmacro %}

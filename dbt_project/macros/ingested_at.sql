{#- When the pipeline processed a landed row: the raw models' `_ingested_at`, which every layer
    after carries on. Identity resolution reads the core rows by it (docs/identity.md) and the
    final layer compares it with its tables' updated_at, the dbt command's start in UTC
    (macros/final_incremental.sql), so every source must stamp it the same way. -#}
{% macro ingested_at() -%}
cast({{ dbt.current_timestamp() }} as {{ dbt.type_timestamp() }})
{%- endmacro %}

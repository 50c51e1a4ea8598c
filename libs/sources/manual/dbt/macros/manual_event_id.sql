{#- The source event log id of a manual record: the record id is the user's, so it is
    prefixed with the source before hashing to stay unique across sources. -#}
{% macro manual_event_id(record_id) -%}
    {{ dbt.hash(dbt.concat(["'manual|'", record_id])) }}
{%- endmacro %}

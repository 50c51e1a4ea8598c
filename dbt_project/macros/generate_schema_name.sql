{#- Models go to the schema their folder configures (raw, source, core, crm for the final layer),
    not to "<target schema>_<layer>" as dbt does by default. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ custom_schema_name | trim if custom_schema_name is not none else target.schema }}
{%- endmacro %}

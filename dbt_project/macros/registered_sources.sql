{#- The registered sources, from the HCRM_SOURCES variable the worker sets from the source
    registry (libs/pipeline/src/sources.ts): a list of {name, interfaces}. -#}
{% macro registered_sources() -%}
    {{ return(fromjson(env_var('HCRM_SOURCES'))) }}
{%- endmacro %}

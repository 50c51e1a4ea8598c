{#- The registered sources, from the HCRM_SOURCES variable the worker sets from the source
    registry (libs/pipeline/src/sources.ts): a list of {name, interfaces, watermark}. -#}
{% macro registered_sources() -%}
    {{ return(fromjson(env_var('HCRM_SOURCES'))) }}
{%- endmacro %}

{#- The watermark column a source declares for its landed raw tables (`watermarkColumn` in
    its src/source.ts): `synced_at`, or the loader's own such as `_fivetran_synced`. Defaults
    to the source of the calling model's package. -#}
{% macro source_watermark_column(source_name=none) -%}
    {%- set name = source_name if source_name is not none else package_source_name() -%}
    {%- for source in registered_sources() if source.name == name -%}
        {{ return(source.get('watermark', 'synced_at')) }}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error('source "' ~ name ~ '" is not in HCRM_SOURCES; the worker sets it from the source registry') }}
{%- endmacro %}

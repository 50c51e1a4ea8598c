{#- The core layer's union of one interface over every registered source that provides it,
    standard columns only, each source filtered by its own watermark. A new source joins
    the union by being registered; no core SQL changes. -#}
{% macro union_source_interface(interface) -%}
{%- set columns = interface_columns(interface) -%}
{%- set providers = [] -%}
{%- for source in registered_sources() if interface in source.interfaces -%}
    {%- do providers.append(source.name) -%}
{%- endfor -%}
{%- if providers | length == 0 %}
select
    {%- for name, type in columns.items() %}
    cast(null as {{ type }}) as {{ name }}{{ ',' if not loop.last }}
    {%- endfor %}
where 1 = 0
{%- else -%}
{%- for source_name in providers %}
select
    {%- for name, type in columns.items() %}
    cast({{ name }} as {{ type }}) as {{ name }}{{ ',' if not loop.last }}
    {%- endfor %}
from {{ ref(source_name ~ '_' ~ interface) }}
{{ incremental_window('synced_at', source_name=source_name) }}
{% if not loop.last %}union all{% endif %}
{%- endfor -%}
{%- endif -%}
{%- endmacro %}

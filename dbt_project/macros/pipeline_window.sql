{#- Pipeline windows. A run (or backfill chunk) of the pipeline fixes for each source a
    window of synced_at, (lower_bound, upper_bound], in ops.pipeline_windows before dbt runs,
    and sets HCRM_PIPELINE_WINDOWS=1 (a constant, so dbt's partial parsing keeps its cache).
    The raw, source and core models then read exactly their source's window; a source
    without a row reads nothing. Run by hand without that variable, the models fall back to
    their own watermark (the max synced_at they already hold, less the lookback).
    See docs/orchestration.md. -#}
{% macro pipeline_windows_enabled() -%}
    {{ return(env_var('HCRM_PIPELINE_WINDOWS', '') == '1') }}
{%- endmacro %}

{#- true for the rows of `column` inside the window of the source `source_expr` (SQL). -#}
{% macro pipeline_window_predicate(column, source_expr) -%}
{{ column }} > coalesce(
        (select windows.lower_bound from ops.pipeline_windows as windows where windows.source = {{ source_expr }}),
        cast('1900-01-01' as {{ dbt.type_timestamp() }}))
    and {{ column }} <= (select windows.upper_bound from ops.pipeline_windows as windows where windows.source = {{ source_expr }})
{%- endmacro %}

{#- Full builds: every row up to the upper bound of the source's window (nothing if it has none). -#}
{% macro pipeline_window_upper_predicate(column, source_expr) -%}
{{ column }} <= (select windows.upper_bound from ops.pipeline_windows as windows where windows.source = {{ source_expr }})
{%- endmacro %}

{#- The source a model of a source package belongs to: its package is hcrm_source_<name>. -#}
{% macro package_source_name() -%}
    {%- set package = model.package_name -%}
    {%- if not package.startswith('hcrm_source_') -%}
        {{ exceptions.raise_compiler_error('model ' ~ model.name ~ ' is not in a source package (hcrm_source_<name>); pass source_name') }}
    {%- endif -%}
    {{ return(package[('hcrm_source_' | length):]) }}
{%- endmacro %}

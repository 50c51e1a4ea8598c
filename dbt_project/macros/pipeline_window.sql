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

{#- The window predicate, the only one: `column` in (lower, upper], where `lower` and `upper`
    are SQL expressions; a NULL lower bound means from the beginning, and with `lower=none`
    (a full build) only the upper bound applies. -#}
{% macro window_predicate(column, lower, upper) -%}
{%- if lower is not none -%}
{{ column }} > coalesce({{ lower }}, cast('1900-01-01' as {{ dbt.type_timestamp() }}))
    and {{ column }} <= {{ upper }}
{%- else -%}
{{ column }} <= {{ upper }}
{%- endif -%}
{%- endmacro %}

{#- true for the rows of `column` inside the window of the source `source_expr` (SQL); with
    `full_build`, every row up to the window's upper bound (nothing if the source has none). -#}
{% macro pipeline_window_predicate(column, source_expr, full_build=false) -%}
{%- set lower = '(select windows.lower_bound from ops.pipeline_windows as windows where windows.source = ' ~ source_expr ~ ')' -%}
{%- set upper = '(select windows.upper_bound from ops.pipeline_windows as windows where windows.source = ' ~ source_expr ~ ')' -%}
{{ window_predicate(column, none if full_build else lower, upper) }}
{%- endmacro %}

{#- Minutes each run re-reads before a watermark: hcrm.yml `pipeline.lookback_minutes`, which
    the pipeline passes to every dbt command as HCRM_LOOKBACK_MINUTES. -#}
{% macro lookback_minutes() -%}
    {%- set minutes = env_var('HCRM_LOOKBACK_MINUTES', '') -%}
    {%- if minutes == '' -%}
        {{ exceptions.raise_compiler_error('HCRM_LOOKBACK_MINUTES is not set: the pipeline sets it from hcrm.yml pipeline.lookback_minutes; set it the same way to run dbt by hand') }}
    {%- endif -%}
    {{ return(minutes | int) }}
{%- endmacro %}

{#- The lower bound of a model's own watermark when dbt runs without pipeline windows (by
    hand): the max of `column` in `relation` less the lookback, or 1900 when it is empty.
    dbt.dateadd gives a DATETIME on BigQuery: cast back to a timestamp. -#}
{% macro own_watermark(column) -%}
cast({{ dbt.dateadd('minute', -1 * lookback_minutes(), 'coalesce(max(' ~ column ~ "), cast('1900-01-01' as " ~ dbt.type_timestamp() ~ '))') }} as {{ dbt.type_timestamp() }})
{%- endmacro %}

{#- The source a model of a source package belongs to: its package is hcrm_source_<name>. -#}
{% macro package_source_name() -%}
    {%- set package = model.package_name -%}
    {%- if not package.startswith('hcrm_source_') -%}
        {{ exceptions.raise_compiler_error('model ' ~ model.name ~ ' is not in a source package (hcrm_source_<name>); pass source_name') }}
    {%- endif -%}
    {{ return(package[('hcrm_source_' | length):]) }}
{%- endmacro %}

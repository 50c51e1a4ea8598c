{#- In a pipeline run, the WHERE clause that keeps only the rows of this run's window for the
    source (macros/pipeline_window.sql); on a full build, everything up to the window's upper
    bound. Otherwise, on an incremental run, the WHERE clause that keeps only rows past this model's
    watermark (the max of `column` already in it), less the lookback. With `source_name`,
    the watermark is that source's own max, so a source that lags never loses rows because
    another one moved ahead. `own_column` is the model's own column that holds `column`
    (default: the same name). On a full build it renders nothing. -#}
{% macro incremental_window(column='synced_at', source_name=none, own_column=none) -%}
{%- if pipeline_windows_enabled() -%}
{#- A full build (a new model, a dropped table, --full-refresh) reads all history up to the run's upper bound. #}
where {{ pipeline_window_predicate(column, "'" ~ (source_name if source_name is not none else package_source_name()) ~ "'", full_build=not is_incremental()) }}
{%- elif is_incremental() -%}
where {{ column }} > (
    select {{ own_watermark(own_column if own_column is not none else column) }}
    from {{ this }}
    {%- if source_name is not none %}
    where source = '{{ source_name }}'
    {%- endif %}
)
{%- endif -%}
{%- endmacro %}

{#- For a raw model reading a landed table of its source: the window on the source's declared
    watermark column (source_watermark_column), which the raw model exposes as `synced_at`. -#}
{% macro landed_window() -%}
{{ incremental_window(source_watermark_column(), own_column='synced_at') }}
{%- endmacro %}

{#- Data tests of an incremental run check the rows the run wrote, not the whole table: a
    1,000-event run on a million-person warehouse should not re-check millions of unchanged
    rows. Every data test has `where: __hcrm_rows_of_this_run__` (dbt_project.yml), which
    get_where_subquery below turns into:
      - raw, source and core models (incremental, read by pipeline window): rows whose
        synced_at is inside their source's window of this run (ops.pipeline_windows), which
        are exactly the rows the model (re)wrote;
      - incremental crm models: rows whose updated_at is not older than this dbt command;
      - unique and unique_combination tests: every row sharing the (first) key column with
        such a row, so a new row that collides with an old one still fails;
      - nothing (the whole table) on --full-refresh, outside `dbt build` (a `dbt test` run by
        hand checks everything), without pipeline windows (dbt run by hand), and for models
        rebuilt whole (identity_merges, ops.crm_changed_entities).
    A model added later is built whole on its first incremental run, but only that run's
    window is tested; `hcrm run --full-refresh` tests everything. -#}

{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if where == '__hcrm_rows_of_this_run__' -%}
        {%- do return(hcrm_rows_of_this_run(relation)) -%}
    {%- elif where -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') dbt_subquery') -%}
    {%- endif -%}
    {%- do return(relation) -%}
{%- endmacro %}

{#- The tested relation narrowed to this run's rows (see above), or the relation itself. -#}
{% macro hcrm_rows_of_this_run(relation) -%}
    {%- set tested = hcrm_tested_model() -%}
    {%- set written = hcrm_written_this_run(tested, relation) if tested is not none else none -%}
    {%- if written is none -%}
        {%- do return(relation) -%}
    {%- endif -%}
    {%- set metadata = model.get('test_metadata') or {} -%}
    {%- set kwargs = metadata.get('kwargs') or {} -%}
    {%- set keys = [kwargs.get('column_name')] if metadata.get('name') == 'unique' else (kwargs.get('columns') or []) if metadata.get('name') == 'unique_combination' else [] -%}
    {%- if keys | select | list | length == 0 -%}
        {%- do return('(' ~ written ~ ') dbt_subquery') -%}
    {%- endif -%}
    {#- Rows sharing the first key column with a written row: a superset of those sharing the
        whole key, found with one IN (an EXISTS over every key column is slower than the full test). -#}
    {%- do return('(select * from ' ~ relation ~ ' as hcrm_tested where hcrm_tested.' ~ keys[0] ~ ' in (select hcrm_written.' ~ keys[0]
        ~ ' from (' ~ written ~ ') as hcrm_written)) dbt_subquery') -%}
{%- endmacro %}

{#- The model node the running test is attached to, when this is an incremental `dbt build`. -#}
{% macro hcrm_tested_model() -%}
    {%- if not execute or flags.FULL_REFRESH or flags.WHICH != 'build' -%}
        {%- do return(none) -%}
    {%- endif -%}
    {%- set tested = graph.nodes.get(model.get('attached_node') or '') -%}
    {%- if tested is none or tested.get('resource_type') != 'model' or tested.config.materialized != 'incremental' -%}
        {%- do return(none) -%}
    {%- endif -%}
    {%- do return(tested) -%}
{%- endmacro %}

{#- A select of the rows of `relation` this run wrote to the model `node`; none if unknown. A
    join with the windows, not a correlated lookup per row: this runs over whole tables. -#}
{% macro hcrm_written_this_run(node, relation) -%}
    {%- set tags = node.get('tags') or [] -%}
    {%- if 'final' in tags -%}
        {%- do return('select * from ' ~ relation ~ ' where updated_at >= ' ~ final_updated_at()) -%}
    {%- endif -%}
    {%- if not pipeline_windows_enabled() or not (('raw' in tags) or ('source' in tags) or ('core' in tags)) -%}
        {%- do return(none) -%}
    {%- endif -%}
    {%- set package = node.get('package_name') -%}
    {%- set source_expr = ("'" ~ package[('hcrm_source_' | length):] ~ "'") if package.startswith('hcrm_source_') else 'hcrm_rows.source' -%}
    {%- do return('select hcrm_rows.* from ' ~ relation ~ ' as hcrm_rows inner join ops.pipeline_windows as hcrm_window on hcrm_window.source = ' ~ source_expr
        ~ ' where ' ~ window_predicate('hcrm_rows.synced_at', 'hcrm_window.lower_bound', 'hcrm_window.upper_bound')) -%}
{%- endmacro %}

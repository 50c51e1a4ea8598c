{#- Pre-hook of the core models: delete the rows of events a source retracted in its window.
    A source whose records can be deleted upstream (Salesforce's is_deleted, say) provides a
    model `<source>_retracted_events` (event_id, source, synced_at), found here by that name
    in the source's package; a retracted event is no longer in the source's `<source>_events`,
    so nothing re-inserts it and delete+insert alone would keep its old rows for ever.
    `id_column` is the column holding the event id (`id` for core.events, `event_id` for the
    identifier, trait and membership models). Sources without such a model are untouched.
    The window is the source's own: in a pipeline run its (lower, upper]; run by hand, past
    the source's own watermark in this model less the lookback (as delete_superseded). -#}
{% macro delete_retracted(id_column='event_id') -%}
{%- if execute and is_incremental() -%}
{%- set conditions = [] -%}
{%- for source in registered_sources() -%}
    {%- set relation = retracted_events_relation(source.name) -%}
    {%- if relation is not none -%}
        {%- if pipeline_windows_enabled() -%}
            {%- set window = pipeline_window_predicate('retracted.synced_at', "'" ~ source.name ~ "'") -%}
        {%- else -%}
            {%- set window = 'retracted.synced_at > (select ' ~ own_watermark('target.synced_at') ~ ' from ' ~ this ~ " as target where target.source = '" ~ source.name ~ "')" -%}
        {%- endif -%}
        {%- do conditions.append("(source = '" ~ source.name ~ "' and " ~ id_column ~ ' in (select retracted.event_id from ' ~ relation ~ ' as retracted where ' ~ window ~ '))') -%}
    {%- endif -%}
{%- endfor -%}
{%- if conditions | length > 0 %}
delete from {{ this }}
where {{ conditions | join('\n    or ') }}
{%- endif -%}
{%- endif -%}
{%- endmacro %}

{#- The relation of the `<source>_retracted_events` model of a source's package, if it has one
    and it is built; none otherwise. -#}
{% macro retracted_events_relation(source_name) -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.name == source_name ~ '_retracted_events'
            and node.package_name == 'hcrm_source_' ~ source_name -%}
        {{ return(adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias)) }}
    {%- endfor -%}
    {{ return(none) }}
{%- endmacro %}

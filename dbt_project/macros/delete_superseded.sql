{#- Pre-hook for incremental models that hold the parts of events (identifiers, traits,
    memberships): before this run's window is inserted, delete every row of the events that
    the window re-processes. An event whose new version no longer has, say, a group loses its
    old group rows too; delete+insert by event_id alone only replaces keys present in the new
    rows. `events` is the relation holding those events with `id`, `synced_at` (and `source`
    when `per_source`, for the core layer's per-source watermarks). -#}
{% macro delete_superseded(events, per_source=false) -%}
{%- if is_incremental() and pipeline_windows_enabled() -%}
delete from {{ this }}
where event_id in (
    select events.id
    from {{ events }} as events
    where {{ pipeline_window_predicate('events.synced_at', 'events.source' if per_source else "'" ~ package_source_name() ~ "'") }}
)
{%- elif is_incremental() -%}
delete from {{ this }}
where event_id in (
    select events.id
    from {{ events }} as events
    where events.synced_at > (
        select {{ own_watermark('target.synced_at') }}
        from {{ this }} as target
        {%- if per_source %}
        where target.source = events.source
        {%- endif %}
    )
)
{%- endif -%}
{%- endmacro %}

-- Source event log: the live Salesforce events (salesforce_event_log without tombstones).
-- Source-specific columns (object, record and entity columns) stay here; core keeps the
-- standard ones. An event whose record was deleted in Salesforce leaves this model in the run
-- that lands the deletion (pre-hook), and the core layer's (delete_retracted).
{{ config(unique_key='id', pre_hook="{{ salesforce_delete_retracted('id') }}") }}

-- depends_on: {{ ref('salesforce_retracted_events') }}
with logged as (
    select * from {{ ref('salesforce_event_log') }}
    {{ incremental_window('synced_at') }}
),

final as (
    select
        {%- for name in sf_event_columns() %}
        {{ name }}{{ ',' if not loop.last }}
        {%- endfor %}
    from logged
    where not is_retracted
)

select * from final

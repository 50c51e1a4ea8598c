-- Bookkeeping of the final layer, not a crm table: the entities the incremental crm models
-- recompute in this build, computed once for all of them and their post-hooks
-- (macros/final_incremental.sql). Rebuilt on every build; empty on a full refresh.
{{ config(materialized='table', schema='ops', alias='crm_changed_entities') }}
{{ final_changed_entities_sql() }}

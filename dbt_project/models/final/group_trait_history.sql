-- Final: crm.group_trait_history, every trait value a source ever sent for a group, one row
-- per core group trait row whose record maps to a group (see macros/final_trait_history.sql).
{{ final_trait_history('group') }}

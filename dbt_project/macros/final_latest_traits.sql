{#- Final layer: the current value of each trait of each entity of a type ('person' or
    'group'), from its trait history model (`history`, e.g. ref('person_trait_history')).
    Latest by occurred_at; ties go to the smallest source, then event_id, then trait row id,
    so every warehouse picks the same row. A NULL trait_value is a value: when the latest
    row has none, the trait is cleared and its row is kept with trait_value NULL. -#}
{% macro final_latest_traits(entity, history) -%}
{%- set since = final_since() -%}
with {{ final_affected_cte(entity, since) }}

history as (
    select * from {{ history }}
    where {{ final_is_affected(entity ~ '_id', since) }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by {{ entity }}_id, trait_name
            order by occurred_at desc nulls last, source nulls last, event_id nulls last, trait_id
        ) as recency_rank
    from history
),

final as (
    select
        {{ entity }}_id,
        trait_name,
        trait_value,
        occurred_at as set_at,
        source,
        event_id,
        {{ final_updated_at() }} as updated_at
    from ranked
    where recency_rank = 1
)

select * from final
{%- endmacro %}

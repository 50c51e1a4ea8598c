{#- The trait names found in `traits` (a core traits relation) at execute time, each with the
    column the final layer pivots it into: [{'trait_name': 'First Name', 'column': 'first_name'}].
    Column names are the trait name lower-cased, with every run of characters outside
    [a-z0-9_] turned into one `_` (leading and trailing ones dropped). A name that collides
    with one of `fixed_columns`, starts with a digit or is a reserved word on DuckDB,
    Snowflake or BigQuery gets the prefix `trait_` (one with no usable character at all is
    `trait`). A column two traits would share goes to the trait whose name is that column
    exactly, else to the first in trait-name order; the others get `_2`, `_3`, ... Trait
    names in `skip` are not pivoted (the model shows them as a fixed column). At parse time
    there is no warehouse to ask: no columns. -#}
{% macro known_trait_columns(traits, fixed_columns, skip=[]) -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set reserved = [
        'all', 'alter', 'analyse', 'analyze', 'and', 'any', 'array', 'as', 'asc', 'asymmetric', 'at', 'between',
        'both', 'by', 'case', 'cast', 'check', 'collate', 'column', 'connect', 'connection', 'constraint',
        'contains', 'create', 'cross', 'cube', 'current', 'current_date', 'current_time', 'current_timestamp',
        'current_user', 'database', 'default', 'deferrable', 'define', 'delete', 'desc', 'describe', 'distinct',
        'do', 'drop', 'else', 'end', 'enum', 'escape', 'except', 'exclude', 'exists', 'extract', 'false', 'fetch',
        'following', 'for', 'foreign', 'from', 'full', 'grant', 'group', 'grouping', 'groups', 'hash', 'having',
        'if', 'ignore', 'ilike', 'in', 'increment', 'initially', 'inner', 'insert', 'intersect', 'interval',
        'into', 'is', 'issue', 'join', 'lambda', 'lateral', 'leading', 'left', 'like', 'limit', 'localtime',
        'localtimestamp', 'lookup', 'merge', 'minus', 'natural', 'new', 'no', 'not', 'null', 'nulls', 'of',
        'offset', 'on', 'only', 'or', 'order', 'outer', 'over', 'partition', 'pivot', 'pivot_longer',
        'pivot_wider', 'placing', 'preceding', 'primary', 'proto', 'qualify', 'range', 'recursive',
        'references', 'regexp', 'respect', 'returning', 'revoke', 'right', 'rlike', 'rollup', 'row', 'rows',
        'sample', 'schema', 'select', 'set', 'show', 'some', 'start', 'struct', 'summarize', 'symmetric',
        'table', 'tablesample', 'then', 'to', 'trailing', 'treat', 'trigger', 'true', 'try_cast', 'unbounded',
        'union', 'unique', 'unnest', 'unpivot', 'update', 'using', 'values', 'variadic', 'view', 'when',
        'whenever', 'where', 'window', 'with', 'within'
    ] -%}
    {%- set query -%}
        select distinct trait_name from {{ traits }} where trait_name is not null order by trait_name
    {%- endset -%}
    {%- set names = run_query(query).columns[0].values() | sort(case_sensitive=true) -%}
    {%- set fixed = fixed_columns | map('lower') | list -%}
    {%- set used = fixed | list -%}
    {%- set columns = [] -%}
    {#- Names that sanitise to themselves go first, so a `first_name` trait keeps its column
        when a `First Name` trait would sanitise to it too. -#}
    {%- set clean = [] -%}
    {%- set other = [] -%}
    {%- for name in names if name not in skip -%}
        {%- if modules.re.sub('[^a-z0-9_]+', '_', name | lower).strip('_') == name -%}
            {%- do clean.append(name) -%}
        {%- else -%}
            {%- do other.append(name) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for name in clean + other -%}
        {%- set ns = namespace(column=modules.re.sub('[^a-z0-9_]+', '_', name | lower).strip('_')) -%}
        {%- if ns.column == '' -%}
            {%- set ns.column = 'trait' -%}
        {%- elif ns.column in fixed or ns.column in reserved or ns.column[0] in '0123456789' -%}
            {%- set ns.column = 'trait_' ~ ns.column -%}
        {%- endif -%}
        {%- set base = ns.column -%}
        {%- for n in range(2, used | length + 3) if ns.column in used -%}
            {%- set ns.column = base ~ '_' ~ n -%}
        {%- endfor -%}
        {%- do used.append(ns.column) -%}
        {%- do columns.append({'trait_name': name, 'column': ns.column}) -%}
    {%- endfor -%}
    {{ return(columns | sort(attribute='column')) }}
{%- endmacro %}

{# Facts are rebuilt one (cohort, cycle) at a time. On an incremental run these are the cycles
   whose inputs changed since the fact was last built: a new or corrected interview file changes
   its cycle; a roster changes its cycle and later ones (student versions start from it); a
   schools.csv changes the whole cohort. Destinations belong to no cycle and change no
   interview fact. #}
{% macro changed_cycles() -%}
    select distinct loads.cohort, cycles.cycle
    from {{ ref('stg_raw__file_loads') }} as loads
    inner join {{ ref('cycles') }} as cycles
        on (loads.cycle is null and loads.extract_kind = 'schools')
        or cycles.cycle = loads.cycle
        or (loads.extract_kind = 'roster' and cycles.cycle > loads.cycle)
    where greatest(loads.loaded_at, loads.superseded_at) > (
        select coalesce(max(built_from_loads_until), '-infinity'::timestamptz) from {{ this }}
    )
{%- endmacro %}

{# The newest load or supersession the build saw: the next run's starting point. #}
{% macro loads_watermark() -%}
    (select max(greatest(loaded_at, superseded_at)) from {{ ref('stg_raw__file_loads') }})
{%- endmacro %}

{% macro only_changed_cycles(relation) -%}
    {% if is_incremental() -%}
    where ({{ relation }}.cohort, {{ relation }}.cycle) in ({{ changed_cycles() }})
    {%- endif %}
{%- endmacro %}

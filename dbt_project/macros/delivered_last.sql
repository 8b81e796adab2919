{#
    Where two delivered files give the same row (a correction, the .xlsx beside the .csv, a
    student on two rosters), the file delivered last wins: `delivery_order` of
    stg_raw__file_loads (first sight of the bytes, then file time, then path), then the file id.
    Selects every column of relation with `delivery_rank` (1: the row that stands) numbered
    within partition_by; `where` narrows the rows first (an incremental model's changed cycles).
#}
{% macro ranked_by_delivery(relation, alias, partition_by, file_id='file_id', where='') %}
    select
        {{ alias }}.*,
        row_number() over (
            partition by {{ alias }}.{{ partition_by | join(', ' ~ alias ~ '.') }}
            order by file_loads.delivery_order desc, {{ alias }}.{{ file_id }} desc
        ) as delivery_rank
    from {{ relation }} as {{ alias }}
    inner join {{ ref('stg_raw__file_loads') }} as file_loads
        on {{ alias }}.{{ file_id }} = file_loads.file_id
    {{ where }}
{% endmacro %}

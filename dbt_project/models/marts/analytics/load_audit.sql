{# What each cycle's delivery looked like on arrival: files loaded and quarantined, rows loaded,
   rejected and warned about (current deliveries only), for the data-quality dashboard. #}
select
    cohort,
    cycle,
    count(*) filter (where status = 'loaded') as files_loaded,
    count(*) filter (where status = 'quarantined') as files_quarantined,
    coalesce(sum(rows_read), 0) as rows_read,
    coalesce(sum(rows_loaded), 0) as rows_loaded,
    coalesce(sum(rows_rejected), 0) as rows_rejected,
    coalesce(sum(warnings), 0) as rows_with_warnings,
    max(loaded_at) as last_loaded_at
from {{ ref('stg_raw__file_loads') }}
where is_current
group by cohort, cycle

-- No figure built for partners shows a count from 1 to threshold-1 (contract section 7). The
-- candidates are tested: the partner views show them only once the quality gate has passed.
{% set threshold = var('suppression_threshold') %}
select
    'cycle_summary' as view_name,
    students_interviewed as shown
from {{ ref('publication_cycle_summary') }}
where students_interviewed between 1 and {{ threshold }} - 1
union all
select
    'knowledge_by_area' as view_name,
    students_assessed as shown
from {{ ref('publication_knowledge_by_area') }}
where students_assessed between 1 and {{ threshold }} - 1
union all
select
    'sector_interest' as view_name,
    students as shown
from {{ ref('publication_sector_interest') }}
where students between 1 and {{ threshold }} - 1
union all
select
    'post16_plans' as view_name,
    students as shown
from {{ ref('publication_post16_plans') }}
where students between 1 and {{ threshold }} - 1
union all
select
    'knowledge_improvement' as view_name,
    matched_students as shown
from {{ ref('publication_knowledge_improvement') }}
where matched_students between 1 and {{ threshold }} - 1

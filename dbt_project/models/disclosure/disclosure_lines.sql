{# The lines along which a withheld cell could be worked out by subtraction: each is a set of
   member cells adding up to a total cell. Three kinds: an area's cell is the total of its child
   areas' cells; a group's total (students interviewed, or a gender's students) of its
   categories; a sector's `all` cell of its F, M and U cells (region and LEP-area rows). One total
   can head several lines (plans, sectors and predicted destinations each add up to the students
   interviewed), so a line is named by its kind, its members' family and its total. #}
with counts as (
    select * from {{ ref('disclosure_counts') }}
),

memberships as (
    select
        'area' as kind,
        family,
        parent_cell_id as total_cell_id,
        cell_id
    from counts
    where parent_cell_id is not null
    union all
    select
        'group' as kind,
        family,
        group_cell_id as total_cell_id,
        cell_id
    from counts
    where group_cell_id is not null
    union all
    select
        'gender' as kind,
        family,
        gender_cell_id as total_cell_id,
        cell_id
    from counts
    where gender_cell_id is not null
)

select
    concat_ws('|', kind, family, total_cell_id) as line_id,
    cell_id,
    false as is_total
from memberships
union all
select distinct
    concat_ws('|', kind, family, total_cell_id) as line_id,
    total_cell_id as cell_id,
    true as is_total
from memberships

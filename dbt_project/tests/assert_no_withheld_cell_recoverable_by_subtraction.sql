-- Secondary suppression held: in no line (cells adding up to a total, across every partner view
-- and area level) is exactly one cell withheld.
select
    line_members.line_id,
    count(*) filter (where cells.suppressed) as withheld
from {{ ref('disclosure_lines') }} as line_members
inner join {{ ref('disclosure_suppression') }} as cells on line_members.cell_id = cells.cell_id
group by line_members.line_id
having count(*) filter (where cells.suppressed) = 1

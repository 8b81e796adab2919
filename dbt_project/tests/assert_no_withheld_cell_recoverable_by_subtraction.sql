-- Secondary suppression held: in no line (cells adding up to a total, across every partner view
-- and area level) is exactly one cell withheld.
select lines.line_id, count(*) filter (where cells.suppressed) as withheld
from {{ ref('disclosure_lines') }} as lines
inner join {{ ref('disclosure_suppression') }} as cells on cells.cell_id = lines.cell_id
group by lines.line_id
having count(*) filter (where cells.suppressed) = 1

"""What the programme's students did after Year 11, as partners see it (partner.destinations)."""

from __future__ import annotations

from pathways import warehouse
from pathways.deliver import estimate

HEADLINE = """
select * from partner.destinations where area_level = 'region' order by cohort
"""


def _shown(value, unit: str = "") -> str:
    if value is None:
        return "not published"
    return f"{value}{unit}"


def headline(url: str) -> list[str]:
    """One line per cohort with published destinations: the region's figures."""
    with warehouse.connect(url) as conn:
        rows = warehouse.records(conn, HEADLINE)
    return [
        f"destinations, cohort {row['cohort']} (all programme schools, "
        f"{_shown(row['students_tracked'])} tracked): EET {_shown(row['pct_eet'], ' %')}, "
        f"sustained EET {_shown(row['pct_sustained_eet'], ' %')}, "
        f"NEET {_shown(row['pct_neet'], ' %')}, not known {_shown(row['pct_not_known'], ' %')}; "
        f"{estimate.sentence(row)}"
        for row in rows
    ]

"""What the programme's students did after Year 11, as partners see it (partner.destinations)."""

from __future__ import annotations

from pathways.build import warehouse

HEADLINE = """
select cohort, students_tracked, pct_eet, pct_sustained_eet, pct_neet, pct_not_known,
    neet_or_not_known_avoided, public_cost_avoided_gbp, wider_cost_avoided_gbp
from partner.destinations where area_level = 'region' order by cohort
"""


def _shown(value, unit: str = "") -> str:
    if value is None:
        return "not published"
    if unit == "£":
        return f"{'-' if value < 0 else ''}£{abs(value):,.0f}"
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
        f"NEET or not known avoided {_shown(row['neet_or_not_known_avoided'])}, "
        f"cost avoided {_shown(row['public_cost_avoided_gbp'], '£')} public, "
        f"{_shown(row['wider_cost_avoided_gbp'], '£')} to the wider economy"
        for row in rows
    ]

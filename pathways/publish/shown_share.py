"""How much of each partner view the disclosure rules leave readable (contract 1.2 section 7).

The views are for use: a figure is withheld only for the disclosure rule, and every run reports
how much of each view it withholds. A *figure* is one value of a view's figure columns that
the unsuppressed mart has (a mean with no scores, or a share of nobody, is not a figure); it
is shown exactly, shown as a 10-point band, or withheld. Measured per view and area level on
the candidates, against the marts they were made from.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import psycopg
from psycopg import sql

LEVELS = ("region", "lep_area", "local_authority", "school")
AREA_KEY = ("cohort", "area_level", "area_code")
# view: (mart, the columns a row is keyed by beyond its area, the figure columns)
VIEWS = {
    "cycle_summary": ("cohort_progress", ("cycle",), (
        "students_interviewed", "pct_no_vision", "pct_with_post16_plan", "pct_predicted_eet",
        "mean_knowledge")),
    "knowledge_by_area": ("knowledge_by_area", ("cycle", "knowledge_area"),
                          ("students_assessed", "mean_score")),
    "sector_interest": ("sector_interest", ("cycle", "gender", "sector"), ("students", "pct")),
    "post16_plans": ("post16_plan_mix", ("cycle", "post16_plan"), ("students", "pct")),
    "knowledge_improvement": ("knowledge_improvement", ("knowledge_area",), (
        "matched_students", "mean_first", "mean_latest", "pct_improvement")),
    "destinations": ("destination_summary", (), (
        "students_tracked", "students_with_activity", "pct_eet", "pct_neet", "pct_not_known",
        "pct_sustained_eet", "pct_predicted_eet_last_interview", "pct_prediction_held")),
}  # fmt: skip
HEADLINES = ("pct_no_vision", "pct_with_post16_plan", "pct_predicted_eet")


@dataclass
class Share:
    figures: int = 0
    exact: int = 0
    banded: int = 0

    @property
    def shown(self) -> int:
        return self.exact + self.banded

    def __str__(self) -> str:
        if not self.figures:
            return "no figures"
        text = f"{100 * self.shown / self.figures:.0f} % of {self.figures}"
        return text + (f" ({self.banded} as a band)" if self.banded else "")


@dataclass
class Shown:
    """Per view and area level (and for the headline percentages alone, per level)."""

    by_view: dict[str, dict[str, Share]] = field(default_factory=dict)
    headlines: dict[str, Share] = field(default_factory=dict)

    @staticmethod
    def _levels(levels: dict[str, Share]) -> str:
        parts = [f"{level} {share}" for level, share in levels.items() if share.figures]
        return ", ".join(parts)

    def of(self, view: str) -> str:
        """A view's figures shown (exactly or as a band), by area level."""
        return self._levels(self.by_view.get(view, {}))

    def report(self) -> list[str]:
        return [
            "  headline percentages (no vision, post-16 plan, predicted EET) shown, exactly or "
            f"as a band: {self._levels(self.headlines)}"
        ]


def _band_columns(conn: psycopg.Connection, table: str) -> set[str]:
    return {
        name
        for (name,) in conn.execute(
            "select column_name from information_schema.columns"
            " where table_schema = 'publication' and table_name = %s and column_name like %s",
            (table, "%\\_band"),
        )
    }


def _figure_counts(conn, view: str, column: str, bands: set[str]):
    mart, keys, _ = VIEWS[view]
    band = f"{column}_band"
    banded = (
        sql.SQL("count(*) filter (where published.{} is null and published.{} is not null)").format(
            sql.Identifier(column), sql.Identifier(band)
        )
        if band in bands
        else sql.SQL("0")
    )
    query = sql.SQL(
        "select published.area_level, count(mart.{column}), count(published.{column}), {banded}"
        " from {published} as published inner join {mart} as mart using ({keys})"
        " group by published.area_level"
    ).format(
        column=sql.Identifier(column),
        banded=banded,
        published=sql.Identifier("publication", f"publication_{view}"),
        mart=sql.Identifier("marts", mart),
        keys=sql.SQL(", ").join(map(sql.Identifier, (*AREA_KEY, *keys))),
    )
    return conn.execute(query).fetchall()


def measure(conn: psycopg.Connection, candidates: list[str]) -> Shown:
    """The shares of the candidate tables named (publication_<view>) that exist."""
    shown = Shown()
    headlines: dict[str, Share] = defaultdict(Share)
    for view, (_, _, columns) in VIEWS.items():
        if f"publication_{view}" not in candidates:
            continue
        levels: dict[str, Share] = {level: Share() for level in LEVELS}
        bands = _band_columns(conn, f"publication_{view}")
        for column in columns:
            for level, figures, exact, banded in _figure_counts(conn, view, column, bands):
                for share in (levels[level], *([headlines[level]] if column in HEADLINES else [])):
                    share.figures += figures
                    share.exact += exact
                    share.banded += banded
        shown.by_view[view] = levels
    shown.headlines = {level: headlines[level] for level in LEVELS}
    return shown

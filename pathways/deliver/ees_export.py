"""Partner open-data export in the Explore Education Statistics (EES) layout.

One CSV per partner view, read from the partner views themselves (what partners may see, and
nothing else), with EES's geography and time columns, its symbols for missing figures, a
`.meta.csv` describing every column, and the data guidance (pathways/deliver/data_guidance.py);
each file passes the screener's rules before it is written (pathways/deliver/ees_screen.py).
Symbols: `c` withheld to protect confidentiality (small numbers), `z` not applicable (the
figure has no students to be computed from), `x` not available for another reason.

Readings of the EES rules (README, "Deliveries"): the levels are Regional, Local enterprise
partnership and Local authority. School rows stay in the partner views: the extract contract
carries no establishment number, and EES requires `school_laestab` on every school row.
Geography columns are filled only on the levels that own them (LEP columns on LEP rows, LA
columns on LA rows), with the official codes and names (seeds `lep_areas`, `la_ons_codes`).
A filter with one level is not a filter: `cohort` (and `cycle`) is one only when the export
holds more than one cohort (cycle). Every filter has a default: `Total` where the views have
one, the latest cycle every cohort reached for the cycle filter, the first area for knowledge
areas (the views have no all-areas row). One time period is one cohort (`period_month`).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import psycopg

from pathways import settings, warehouse
from pathways.deliver import data_guidance, estimate, outbox

COUNTRY = ("E92000001", "England")
# Every programme school is in the North East region (both LEP areas lie within it).
REGION = ("E12000001", "North East")
LEVELS = {
    "region": "Regional",
    "lep_area": "Local enterprise partnership",
    "local_authority": "Local authority",
}
GEOGRAPHY_COLUMNS = [
    "time_period", "time_identifier", "geographic_level", "country_code", "country_name",
    "region_code", "region_name", "local_enterprise_partnership_code",
    "local_enterprise_partnership_name", "new_la_code", "old_la_code", "la_name",
]  # fmt: skip
# The EES data dictionary's name and items for the partner views' gender.
SEX = {"all": "Total", "F": "Female", "M": "Male", "U": "Unknown"}
# What a spreadsheet would run as a formula if a text cell began with it.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Filter:
    column: str
    label: str
    codes: str | None = None  # reference table whose labels the codes are shown as
    name: str | None = None  # its column in the file, when the EES data dictionary names it

    @property
    def file_column(self) -> str:
        return self.name or self.column


@dataclass(frozen=True)
class Indicator:
    column: str
    label: str
    unit: str  # "" for counts, "%" for percentages
    decimals: int
    base: str  # the count the figure is computed from (itself for a count)
    region_and_lep_only: bool = False  # published on those rows only: `z` elsewhere


@dataclass(frozen=True)
class Dataset:
    view: str
    title: str
    period_cycle: str | None  # the column whose cycle dates the row (None: after Year 11)
    filters: tuple[Filter, ...]
    indicators: tuple[Indicator, ...]
    totals: str | None = None  # a filter's Total rows, from another published view


# The Total of plans, and of sectors over all genders, is the students interviewed: a figure
# partner.cycle_summary publishes under the same disclosure control, repeated, never a new one.
TOTALS_FROM_CYCLE_SUMMARY = """
select cohort, area_level, area_code, area_name, lep_area, local_authority, cycle, {filters},
    students_interviewed as students,
    case when students_interviewed > 0 then 100.0 end as pct, suppressed
from partner.cycle_summary
"""


COHORT = Filter("cohort", "Cohort (year starting Year 10)")
CYCLE = Filter("cycle", "Programme cycle", "cycles")
# What the destinations estimate is compared with, and whether that is like for like: named on
# every row (contract 1.2 section 8; the wording is pathways/deliver/estimate.py's).
BASIS = Filter("comparison_basis", "Compared with (estimate's basis)", "comparison_basis")
DATASETS = (
    Dataset("cycle_summary", "Headline figures by cycle", "cycle", (COHORT, CYCLE), (
        Indicator("students_interviewed", "Students interviewed", "", 0, "students_interviewed"),
        Indicator("pct_no_vision", "% with no career vision", "%", 1, "students_interviewed"),
        Indicator("pct_with_post16_plan", "% with a post-16 plan", "%", 1, "students_interviewed"),
        Indicator("pct_predicted_eet", "% predicted in education, employment or training", "%",
                  1, "students_interviewed"),
        Indicator("mean_knowledge", "Mean knowledge score (1-5)", "", 2, "students_interviewed"),
    )),
    Dataset("knowledge_by_area", "Knowledge by area", "cycle",
            (COHORT, CYCLE, Filter("knowledge_area", "Area of knowledge", "knowledge_areas")), (
        Indicator("students_assessed", "Students assessed", "", 0, "students_assessed"),
        Indicator("mean_score", "Mean score (1-5)", "", 2, "students_assessed"),
    )),
    Dataset("sector_interest", "Preferred sector by gender", "cycle",
            (COHORT, CYCLE, Filter("gender", "Sex", name="sex"),
             Filter("sector", "Sector", "sectors")), (
        Indicator("students", "Students", "", 0, "students"),
        Indicator("pct", "% of students of that gender", "%", 1, "students"),
    ), TOTALS_FROM_CYCLE_SUMMARY.format(filters="'all' as gender, 'all' as sector")),
    Dataset("post16_plans", "Post-16 plans", "cycle",
            (COHORT, CYCLE, Filter("post16_plan", "Post-16 plan", "post16_plans")), (
        Indicator("students", "Students", "", 0, "students"),
        Indicator("pct", "% of students", "%", 1, "students"),
    ), TOTALS_FROM_CYCLE_SUMMARY.format(filters="'all' as post16_plan")),
    Dataset("knowledge_improvement", "Knowledge improvement, first to latest cycle",
            "latest_cycle", (COHORT, Filter("knowledge_area", "Area of knowledge",
                                             "knowledge_areas")), (
        Indicator("matched_students", "Students assessed in both cycles", "", 0,
                  "matched_students"),
        Indicator("mean_first", "Mean score, first cycle", "", 2, "matched_students"),
        Indicator("mean_latest", "Mean score, latest cycle", "", 2, "matched_students"),
        Indicator("pct_improvement", "% improvement", "%", 1, "matched_students"),
    )),
    Dataset("destinations", "Destinations after Year 11", None, (COHORT, BASIS), (
        Indicator("students_tracked", "Students tracked (cycle 7 roster)", "", 0,
                  "students_tracked"),
        Indicator("students_with_activity", "Students with a known November activity", "", 0,
                  "students_tracked"),
        Indicator("pct_eet", "% in education, employment or training (November)", "%", 1,
                  "students_tracked"),
        Indicator("pct_neet", "% NEET (November)", "%", 1, "students_tracked"),
        Indicator("pct_not_known", "% activity not known (November)", "%", 1,
                  "students_tracked"),
        Indicator("pct_sustained_eet", "% sustained EET (5 of 6 months October-March)", "%", 1,
                  "students_tracked"),
        Indicator("pct_predicted_eet_last_interview", "% predicted EET at the last interview",
                  "%", 1, "students_tracked"),
        Indicator("pct_prediction_held", "% whose EET or NEET prediction held", "%", 1,
                  "students_tracked"),
        Indicator("students_surveyed", "Students who answered the follow-up survey", "", 0,
                  "students_tracked"),
        Indicator("pct_happy_with_destination", "% of them happy with their destination", "%",
                  1, "students_tracked"),
        Indicator("expected_pct_neet", "Expected % NEET on the comparison basis (estimate)",
                  "%", 1, "students_tracked", True),
        Indicator("expected_pct_not_known",
                  "Expected % not known on the comparison basis (estimate)", "%", 1,
                  "students_tracked", True),
        Indicator("comparison_pct_neet_or_not_known",
                  "Expected % NEET or not known on the comparison basis", "%", 1,
                  "students_tracked", True),
        Indicator("neet_or_not_known_avoided",
                  "Young people NEET or not known avoided (estimate)", "", 1, "students_tracked",
                  True),
        Indicator("neet_avoided", "Young people kept out of NEET (estimate)", "", 1,
                  "students_tracked", True),
        Indicator("neet_avoided_low", "Young people kept out of NEET: 95 % interval, low end",
                  "", 1, "students_tracked", True),
        Indicator("neet_avoided_high", "Young people kept out of NEET: 95 % interval, high end",
                  "", 1, "students_tracked", True),
        Indicator("public_cost_avoided_gbp", "Lifetime public cost avoided (estimate; NEET only)",
                  "£", 0, "students_tracked", True),
        Indicator("public_cost_avoided_low_gbp",
                  "Lifetime public cost avoided: 95 % interval, low end", "£", 0,
                  "students_tracked", True),
        Indicator("public_cost_avoided_high_gbp",
                  "Lifetime public cost avoided: 95 % interval, high end", "£", 0,
                  "students_tracked", True),
        Indicator("wider_cost_avoided_gbp",
                  "Lifetime cost to the wider economy avoided (estimate; NEET only)", "£", 0,
                  "students_tracked", True),
        Indicator("public_value_per_point_gbp",
                  "Public value of one point less NEET across the schools' Year 11", "£", 0,
                  "students_tracked", True),
        Indicator("wider_value_per_point_gbp",
                  "Wider value of one point less NEET across the schools' Year 11", "£", 0,
                  "students_tracked", True),
)),
)  # fmt: skip


def period_month(record: dict, dataset: Dataset):
    """The month that dates a row. A cohort's interviews span two academic years (cycles 1-4 in
    Year 10, 5-7 in Year 11): every row of a cohort is dated by the September it started Year 10,
    so one time period is one cohort and the cycle filter says when in it. Destinations are
    dated by the November after Year 11 (the activity survey)."""
    if dataset.period_cycle is None:
        return date(record["cohort"] + 2, 11, 1)
    return date(record["cohort"], 9, 1)


def safe_text(value):
    """Text a spreadsheet would run as a formula gets a leading apostrophe; numbers (a negative
    improvement included) are never text here, so never altered."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def symbol_or_value(value, base, suppressed: bool):
    """EES symbols for a missing figure: c withheld, z nothing to compute from, x otherwise."""
    if value is not None:
        return value
    if base == 0:
        return "z"
    return "c" if suppressed else "x"


def academic_year(month) -> str:
    start = month.year if month.month >= 9 else month.year - 1
    return f"{start}{(start + 1) % 100:02d}"


def _lookups(conn) -> dict:
    authorities = {
        code: (name, ons)
        for code, name, ons in conn.execute(
            "select la.la_code, la.name, ons.new_la_code "
            "from reference.local_authorities as la "
            "left join reference.la_ons_codes as ons using (la_code)"
        )
    }
    leps = {
        code: (ons, name)
        for code, ons, name in conn.execute("select code, ons_code, name from reference.lep_areas")
    }
    labels = {
        code_list: warehouse.code_labels(conn, code_list)
        for code_list in ("knowledge_areas", "sectors", "post16_plans")
    }
    labels["cycles"] = warehouse.code_labels(conn, "cycles", code="cycle")
    for code_list in ("knowledge_areas", "sectors", "post16_plans"):
        labels[code_list]["all"] = "Total"
    labels["comparison_basis"] = {**estimate.BASIS_LABELS, "None": estimate.NO_BASIS_LABEL}
    return {"authorities": authorities, "leps": leps, "labels": labels}


def _geography(level: str, code: str, lookups: dict) -> dict:
    """The row's geography: country and region everywhere, then only its own level's columns."""
    row = {
        "geographic_level": LEVELS[level],
        "country_code": COUNTRY[0],
        "country_name": COUNTRY[1],
        "region_code": REGION[0],
        "region_name": REGION[1],
    }
    if level == "local_authority":
        la_name, ons = lookups["authorities"][code]
        row.update(old_la_code=code, new_la_code=ons, la_name=la_name)
    if level == "lep_area":
        ons, name = lookups["leps"][code]
        row.update(local_enterprise_partnership_code=ons,
                   local_enterprise_partnership_name=name)  # fmt: skip
    return row


def _filter_value(flt: Filter, value, lookups: dict) -> str:
    if flt.column == "gender":
        return SEX[value]
    if flt.codes:
        return lookups["labels"][flt.codes].get(str(value), str(value))
    return str(value)


def _filters(dataset: Dataset, levels: dict[str, int]) -> list[Filter]:
    """The dataset's filters, less any the export holds one level of (a filter needs two: the
    time period still says when; with no comparison anywhere, no basis to name)."""
    return [flt for flt in dataset.filters if levels.get(flt.column, 2) > 1]


def _write_meta(filters: list[Filter], defaults: dict, dataset: Dataset, path: Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["col_name", "col_type", "label", "indicator_grouping", "indicator_unit",
                         "indicator_dp", "filter_hint", "filter_grouping_column",
                         "filter_default"])  # fmt: skip
        for flt in filters:
            writer.writerow([flt.file_column, "Filter", flt.label, "", "", "", "", "",
                             defaults.get(flt.file_column, "")])  # fmt: skip
        for ind in dataset.indicators:
            writer.writerow(
                [ind.column, "Indicator", ind.label, "", ind.unit, ind.decimals, "", "", ""]
            )


def _rows(conn, dataset: Dataset, filters: list[Filter], lookups: dict):
    with conn.cursor(name=f"export_{dataset.view}") as cursor:
        rows = f"select * from partner.{dataset.view}"
        if dataset.totals:
            rows += f" union all {dataset.totals}"
        cursor.execute(
            f"select * from ({rows}) as published where area_level <> 'school'"
            " order by 1, 2, 3, 4, 5"
        )
        names = [d.name for d in cursor.description]
        for values in cursor:
            record = dict(zip(names, values, strict=True))
            month = period_month(record, dataset)
            row = {"time_period": academic_year(month), "time_identifier": "Academic year"}
            row.update(_geography(record["area_level"], record["area_code"], lookups))
            for flt in filters:
                row[flt.file_column] = _filter_value(flt, record[flt.column], lookups)
            elsewhere = record["area_level"] not in ("region", "lep_area")
            for ind in dataset.indicators:
                if ind.region_and_lep_only and elsewhere:
                    row[ind.column] = "z"  # not published at this level: not applicable
                    continue
                row[ind.column] = symbol_or_value(
                    record[ind.column], record[ind.base], record["suppressed"]
                )
            yield {column: safe_text(value) for column, value in row.items()}


def _levels(conn, dataset: Dataset) -> tuple[dict[str, int], int | None]:
    """How many distinct values each filter column has, and the default cycle: the latest one
    every time period (cohort) has reached."""
    period = dataset.period_cycle or "1"
    others = [f.column for f in dataset.filters if f.column not in ("cohort", "cycle")]
    cohorts, cycles, *other_levels = conn.execute(
        f"select count(distinct cohort), count(distinct {period})"
        + "".join(f", count(distinct coalesce({c}::text, ''))" for c in others)
        + f" from partner.{dataset.view}"
    ).fetchone()
    (latest,) = conn.execute(
        f"select min(latest) from (select max({period}) as latest"
        f" from partner.{dataset.view} group by cohort) as cohorts"
    ).fetchone()
    levels = {"cohort": cohorts, "cycle": cycles}
    levels.update(zip(others, other_levels, strict=True))
    return levels, latest


def _write_data(path: Path, rows, columns: list[str], filters) -> dict[str, list]:
    """The data file; returns each filter's values in the order they first appear."""
    seen: dict[str, list] = {flt.file_column: [] for flt in filters}
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, restval="")
        writer.writeheader()
        for row in rows:
            for column, values in seen.items():
                if row[column] not in values:
                    values.append(row[column])
            writer.writerow(row)
    return seen


def _export_dataset(conn, dataset: Dataset, folder: Path, lookups, reference) -> Path | None:
    """One partner view as a screened EES data file and its metadata; None when it has no
    rows yet (improvement needs two cycles)."""
    from pathways.deliver import ees_screen

    levels, latest = _levels(conn, dataset)
    if not levels["cohort"]:
        return None
    filters = _filters(dataset, levels)
    defaults = {"cycle": lookups["labels"]["cycles"].get(str(latest), "")}
    path = folder / f"pathways_{dataset.view}.csv"
    meta = path.with_name(f"pathways_{dataset.view}.meta.csv")
    columns = (
        GEOGRAPHY_COLUMNS
        + [f.file_column for f in filters]
        + [i.column for i in dataset.indicators]
    )
    seen = _write_data(path, _rows(conn, dataset, filters, lookups), columns, filters)
    # A filter with no Total (knowledge areas) defaults to its first item.
    for column, values in seen.items():
        if "Total" not in values and column not in defaults and values:
            defaults[column] = values[0]
    _write_meta(filters, defaults, dataset, meta)
    ees_screen.screen(path, meta, reference).raise_if_failed()
    return path


def export(url: str, into: Path | None = None) -> list[Path]:
    """Write every partner view that has rows as an EES data file and its metadata into the
    ees/ folder of the outbox into (default settings.outbox()), each screened (ees_screen.
    ScreenFailed if one would fail: nothing is switched in); returns the data files."""
    from pathways.deliver import ees_screen

    # Into the outbox's own ees/ folder, switched in whole: never a folder someone named, whose
    # other files the switch would take away.
    root = Path(into or settings.outbox())
    final = root / "ees"
    written = []
    with outbox.delivering(root) as staging, psycopg.connect(url) as conn:
        folder = staging.folder(final.name)
        lookups = _lookups(conn)
        reference = ees_screen.reference(conn)
        for dataset in DATASETS:
            path = _export_dataset(conn, dataset, folder, lookups, reference)
            if path:
                written.append(final / path.name)
        described = [d for d in DATASETS if final / f"pathways_{d.view}.csv" in written]
        cycles = {int(code): label for code, label in lookups["labels"]["cycles"].items()}
        data_guidance.write(folder, described, cycles, settings.suppression_threshold())
    return written

"""Partner open-data export in the Explore Education Statistics (EES) layout.

One CSV per partner view, read from the partner views themselves (what partners may see, and
nothing else), with EES's geography and time columns, its symbols for missing figures, and a
`.meta.csv` describing every column. Symbols: `c` withheld to protect confidentiality (small
numbers), `z` not applicable (the figure has no students to be computed from), `x` not
available for another reason.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import psycopg

from pathways import settings, warehouse

COUNTRY = ("E92000001", "England")
# Every programme school is in the North East region (both LEP areas lie within it).
REGION = ("E12000001", "North East")
LEP_NAMES = {"north_east": "North East", "tees_valley": "Tees Valley"}
LEVELS = {
    "region": "Regional",
    "lep_area": "Local enterprise partnership",
    "local_authority": "Local authority",
    "school": "School",
}
GEOGRAPHY_COLUMNS = [
    "time_period", "time_identifier", "geographic_level", "country_code", "country_name",
    "region_code", "region_name", "local_enterprise_partnership_code",
    "local_enterprise_partnership_name", "new_la_code", "old_la_code", "la_name",
    "school_urn", "school_name",
]  # fmt: skip
GENDERS = {"all": "Total", "F": "Female", "M": "Male", "U": "Not known"}


@dataclass(frozen=True)
class Filter:
    column: str
    label: str
    codes: str | None = None  # reference table whose labels the codes are shown as


@dataclass(frozen=True)
class Indicator:
    column: str
    label: str
    unit: str  # "" for counts, "%" for percentages
    decimals: int
    base: str  # the count the figure is computed from (itself for a count)


@dataclass(frozen=True)
class Dataset:
    view: str
    title: str
    period_cycle: str  # the column whose cycle dates the row
    filters: tuple[Filter, ...]
    indicators: tuple[Indicator, ...]


COHORT = Filter("cohort", "Cohort (year starting Year 10)")
CYCLE = Filter("cycle", "Programme cycle", "cycles")
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
            (COHORT, CYCLE, Filter("gender", "Gender"), Filter("sector", "Sector", "sectors")), (
        Indicator("students", "Students", "", 0, "students"),
        Indicator("pct", "% of students of that gender", "%", 1, "students"),
    )),
    Dataset("post16_plans", "Post-16 plans", "cycle",
            (COHORT, CYCLE, Filter("post16_plan", "Post-16 plan", "post16_plans")), (
        Indicator("students", "Students", "", 0, "students"),
        Indicator("pct", "% of students", "%", 1, "students"),
    )),
    Dataset("knowledge_improvement", "Knowledge improvement, first to latest cycle",
            "latest_cycle", (COHORT, Filter("knowledge_area", "Area of knowledge",
                                             "knowledge_areas")), (
        Indicator("matched_students", "Students assessed in both cycles", "", 0,
                  "matched_students"),
        Indicator("mean_first", "Mean score, first cycle", "", 2, "matched_students"),
        Indicator("mean_latest", "Mean score, latest cycle", "", 2, "matched_students"),
        Indicator("pct_improvement", "% improvement", "%", 1, "matched_students"),
    )),
)  # fmt: skip


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
    schools = {
        urn: (name, la)
        for urn, name, la in conn.execute(
            "select school_urn, school_name, la_code from marts.dim_school"
        )
    }
    authorities = {
        code: (name, lep, ons)
        for code, name, lep, ons in conn.execute(
            "select la.la_code, la.name, la.lep_area, ons.new_la_code "
            "from reference.local_authorities as la "
            "left join reference.la_ons_codes as ons using (la_code)"
        )
    }
    months = {
        (cohort, cycle): month
        for cohort, cycle, month in conn.execute(
            "select cohort, cycle, target_month from marts.dim_cycle"
        )
    }
    labels = {
        code_list: warehouse.code_labels(conn, code_list)
        for code_list in ("knowledge_areas", "sectors", "post16_plans")
    }
    labels["cycles"] = warehouse.code_labels(conn, "cycles", code="cycle")
    labels["knowledge_areas"]["all"] = "All areas"
    labels["sectors"]["all"] = "Total"
    labels["post16_plans"]["all"] = "Total"
    return {"schools": schools, "authorities": authorities, "months": months, "labels": labels}


def _geography(level: str, code: str, lookups: dict) -> dict:
    row = {
        "geographic_level": LEVELS[level],
        "country_code": COUNTRY[0],
        "country_name": COUNTRY[1],
        "region_code": REGION[0],
        "region_name": REGION[1],
    }
    la = lep = None
    if level == "school":
        row["school_urn"] = code
        row["school_name"], la = lookups["schools"][code]
    if level == "local_authority":
        la = code
    if la:
        la_name, lep, ons = lookups["authorities"][la]
        row.update(old_la_code=la, new_la_code=ons, la_name=la_name)
    if level == "lep_area":
        lep = code
    if lep:
        row.update(local_enterprise_partnership_code=lep,
                   local_enterprise_partnership_name=LEP_NAMES[lep])  # fmt: skip
    return row


def _filter_value(flt: Filter, value, lookups: dict) -> str:
    if flt.column == "gender":
        return GENDERS[value]
    if flt.codes:
        return lookups["labels"][flt.codes].get(str(value), str(value))
    return str(value)


def _write_meta(dataset: Dataset, path: Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["col_name", "col_type", "label", "indicator_grouping", "indicator_unit",
                         "indicator_dp", "filter_hint", "filter_grouping_column"])  # fmt: skip
        for flt in dataset.filters:
            writer.writerow([flt.column, "Filter", flt.label, "", "", "", "", ""])
        for ind in dataset.indicators:
            writer.writerow(
                [ind.column, "Indicator", ind.label, "", ind.unit, ind.decimals, "", ""]
            )


def export(url: str, into: Path | None = None) -> list[Path]:
    """Write every partner view as an EES data file and its metadata; returns the data files."""
    folder = into or settings.outbox() / "ees"
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    with psycopg.connect(url) as conn:
        lookups = _lookups(conn)
        for dataset in DATASETS:
            path = folder / f"pathways_{dataset.view}.csv"
            columns = (
                GEOGRAPHY_COLUMNS
                + [f.column for f in dataset.filters]
                + [i.column for i in dataset.indicators]
            )
            partial = path.with_suffix(".csv.partial")
            with open(partial, "w", newline="", encoding="utf-8") as handle:
                writer = csv.DictWriter(handle, fieldnames=columns, restval="")
                writer.writeheader()
                with conn.cursor(name=f"export_{dataset.view}") as cursor:
                    cursor.execute(f"select * from partner.{dataset.view} order by 1, 2, 3, 4, 5")
                    names = [d.name for d in cursor.description]
                    for values in cursor:
                        record = dict(zip(names, values, strict=True))
                        month = lookups["months"][(record["cohort"], record[dataset.period_cycle])]
                        row = {"time_period": academic_year(month),
                               "time_identifier": "Academic year"}  # fmt: skip
                        row.update(_geography(record["area_level"], record["area_code"], lookups))
                        for flt in dataset.filters:
                            row[flt.column] = _filter_value(flt, record[flt.column], lookups)
                        for ind in dataset.indicators:
                            row[ind.column] = symbol_or_value(
                                record[ind.column], record[ind.base], record["suppressed"]
                            )
                        writer.writerow(row)
            partial.replace(path)
            _write_meta(dataset, folder / f"pathways_{dataset.view}.meta.csv")
            written.append(path)
    return written

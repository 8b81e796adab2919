"""The Explore Education Statistics screener's rules that apply to Pathways' open-data files,
re-implemented here (the DfE's own screener, dfe-analytical-services/eesyscreener, is R).

Every export is screened before it takes its name (ees_export.export); a file that fails a
rule is never published. Each rule returns findings at the screener's levels: FAIL blocks a
publication on EES, WARNING asks for a look. The reference lists (LA and LEP codes and names)
are the project's own seeds, not the screener's downloads.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

REQUIRED_COLUMNS = ["time_period", "time_identifier", "geographic_level", "country_code",
                    "country_name"]  # fmt: skip
META_COLUMNS = ["col_name", "col_type", "label", "indicator_grouping", "indicator_unit",
                "indicator_dp", "filter_hint", "filter_grouping_column"]  # fmt: skip
OPTIONAL_META_COLUMNS = ["filter_default"]
TIME_IDENTIFIERS = {"Academic year", "Calendar year", "Financial year", "Tax year",
                    "Reporting year"}  # fmt: skip
SYMBOLS = {"c", "z", "x", "low", "u", "k"}
OBSOLETE_SYMBOLS = {":", "~", ".", "-", "*", "!"}
UNITS = {"", "%", "£", "£m", "pp"}
# Each level's (code, name, secondary code) columns, as the screener's geography table has them.
LEVEL_COLUMNS = {
    "National": ("country_code", "country_name", None),
    "Regional": ("region_code", "region_name", None),
    "Local enterprise partnership": ("local_enterprise_partnership_code",
                                     "local_enterprise_partnership_name", None),
    "Local authority": ("new_la_code", "la_name", "old_la_code"),
    "School": ("school_urn", "school_name", "school_laestab"),
}  # fmt: skip
# The levels whose rows may carry a level's columns: the level and those nested in it.
COMPATIBLE = {
    "Regional": {"Regional", "Local enterprise partnership", "Local authority", "School"},
    "Local enterprise partnership": {"Local enterprise partnership", "School"},
    "Local authority": {"Local authority", "School"},
    "School": {"School"},
}
GEOGRAPHY_COLUMNS = {column for columns in LEVEL_COLUMNS.values() for column in columns if column}
NOT_IN_META = set(REQUIRED_COLUMNS) | GEOGRAPHY_COLUMNS | {"time_period", "time_identifier"}
FORMULA_START = ("=", "+", "@", "\t", "\r")


@dataclass
class Reference:
    """The code and name combinations a file may use."""

    countries: dict[str, str]
    regions: dict[str, str]
    leps: dict[str, str]
    las: set[tuple[str, str, str]]  # (old_la_code, new_la_code, la_name)


def reference(conn) -> Reference:
    """From the project's seeds (reference schema)."""
    leps = dict(conn.execute("select ons_code, name from reference.lep_areas").fetchall())
    las = set(
        conn.execute(
            "select la.la_code, ons.new_la_code, la.name from reference.local_authorities as la"
            " inner join reference.la_ons_codes as ons using (la_code)"
        ).fetchall()
    )
    return Reference({"E92000001": "England"}, {"E12000001": "North East"}, leps, las)


@dataclass
class Finding:
    rule: str
    level: str  # FAIL or WARNING
    message: str


class ScreenFailed(RuntimeError):
    """An open-data file broke a screener rule; the message lists every failure."""


@dataclass
class Screening:
    name: str
    findings: list[Finding] = field(default_factory=list)

    def failed(self, rule: str | None = None) -> list[Finding]:
        return [f for f in self.findings if f.level == "FAIL" and rule in (None, f.rule)]

    def raise_if_failed(self) -> None:
        if self.failed():
            lines = [f"{f.rule}: {f.message}" for f in self.failed()]
            raise ScreenFailed(f"{self.name} fails the EES screener: " + "; ".join(lines))


def _read(path: Path) -> tuple[list[str], list[dict]]:
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def _number(value: str) -> bool:
    try:
        Decimal(value)
    except InvalidOperation:
        return False
    return value.strip() == value and value.lower() not in {"nan", "inf", "-inf", "infinity"}


def _runs_as_formula(value: str) -> bool:
    return bool(value) and (
        value.startswith(FORMULA_START) or (value.startswith("-") and not _number(value))
    )


def _file_names(name: str, meta_name: str) -> list[Finding]:
    found = []
    if not re.fullmatch(r"[A-Za-z0-9_-]+\.csv", name):
        found.append(Finding("file_names", "FAIL", f"{name!r}: letters, digits, _ and - only"))
    if meta_name != name.removesuffix(".csv") + ".meta.csv":
        found.append(Finding("file_names", "FAIL", f"{meta_name!r} does not match {name!r}"))
    return found


def _columns(columns: list[str]) -> list[Finding]:
    found = []
    missing = [column for column in REQUIRED_COLUMNS if column not in columns]
    if missing:
        found.append(Finding("required_columns", "FAIL", f"missing: {', '.join(missing)}"))
    duplicated = [column for column, n in Counter(columns).items() if n > 1]
    if duplicated:
        found.append(Finding("column_names", "FAIL", f"duplicated: {', '.join(duplicated)}"))
    bad = [column for column in columns if not re.fullmatch(r"[a-z][a-z0-9_]*", column)]
    if bad:
        found.append(Finding("column_names", "FAIL", f"not snake_case: {bad}"))
    return found


def _time(rows: list[dict]) -> list[Finding]:
    found = []
    for identifier in {row.get("time_identifier") for row in rows} - TIME_IDENTIFIERS:
        found.append(Finding("time_identifier", "FAIL", f"{identifier!r} is not an EES one"))
    for period in {row["time_period"] for row in rows if row.get("time_identifier") ==
                   "Academic year"}:  # fmt: skip
        if not (re.fullmatch(r"\d{6}", period) and int(period[4:]) == (int(period[:4]) + 1) % 100):
            found.append(Finding("time_period", "FAIL", f"{period!r} is not YYYYYY (e.g. 202425)"))
    return found


def _geographic_levels(rows: list[dict], columns: list[str]) -> list[Finding]:
    """Every level is one Pathways uses, and its geography columns are filled on its rows."""
    found = []
    levels = {row["geographic_level"] for row in rows}
    for level in levels - set(LEVEL_COLUMNS):
        found.append(Finding("geographic_level", "FAIL", f"{level!r} is not a level Pathways uses"))
    for level in levels & set(LEVEL_COLUMNS):
        level_rows = [row for row in rows if row["geographic_level"] == level]
        for column in filter(None, LEVEL_COLUMNS[level]):
            if column not in columns or any(not row[column] for row in level_rows):
                found.append(Finding("geography_completed", "FAIL",
                                     f"{column} is blank or missing on {level} rows"))  # fmt: skip
    return found


def _geography_overcompleted(rows: list[dict], columns: list[str]) -> list[Finding]:
    """A level's own columns stay blank on the rows of levels they do not belong to."""
    found = []
    for owner, compatible in COMPATIBLE.items():
        for column in filter(None, LEVEL_COLUMNS[owner]):
            if column in columns and any(
                row[column] for row in rows if row["geographic_level"] not in compatible
            ):
                found.append(Finding("geography_overcompleted", "FAIL",
                                     f"{column} is filled on rows of other levels"))  # fmt: skip
    return found


def _geography_combinations(rows: list[dict], columns: list[str], ref: Reference) -> list[Finding]:
    """Codes and names go together as in the EES geography lookups."""
    found = []
    combos = {
        ("country_code", "country_name"): ref.countries,
        ("region_code", "region_name"): ref.regions,
        ("local_enterprise_partnership_code", "local_enterprise_partnership_name"): ref.leps,
    }
    for (code, name), valid in combos.items():
        pairs = {(row.get(code), row.get(name)) for row in rows if row.get(code)}
        for pair in pairs - set(valid.items()):
            found.append(Finding("geography_combinations", "FAIL", f"{code}/{name} {pair}"))
    if "new_la_code" in columns:
        triples = {(row["old_la_code"], row["new_la_code"], row["la_name"]) for row in rows
                   if row["geographic_level"] == "Local authority"}  # fmt: skip
        for triple in triples - ref.las:
            found.append(Finding("geography_combinations", "FAIL", f"LA {triple}"))
    return found


def _geography(rows: list[dict], columns: list[str], ref: Reference) -> list[Finding]:
    return [
        *_geographic_levels(rows, columns),
        *_geography_overcompleted(rows, columns),
        *_geography_combinations(rows, columns, ref),
    ]


def _meta_row(row: dict) -> list[Finding]:
    """One metadata row: its type, label, and the indicator fields only an indicator has."""
    found, name = [], row["col_name"]
    if row["col_type"] not in {"Filter", "Indicator"}:
        found.append(Finding("meta_types", "FAIL", f"{name}: col_type {row['col_type']!r}"))
    if not row["label"].strip():
        found.append(Finding("meta_label", "FAIL", f"{name} has no label"))
    if row["col_type"] == "Indicator":
        if row["indicator_unit"] not in UNITS:
            found.append(Finding("meta_types", "FAIL", f"{name}: unit {row['indicator_unit']!r}"))
        if row["indicator_dp"] and not row["indicator_dp"].isdigit():
            found.append(Finding("meta_types", "FAIL", f"{name}: dp {row['indicator_dp']!r}"))
    elif row["indicator_unit"] or row["indicator_dp"]:
        found.append(Finding("meta_types", "FAIL", f"filter {name} has indicator fields"))
    if name in NOT_IN_META:
        found.append(Finding("meta_columns", "FAIL", f"{name} must not be in the metadata"))
    return found


def _meta_describes_the_data(meta: list[dict], columns: list[str]) -> list[Finding]:
    """Labels differ, and the metadata describes exactly the data file's columns."""
    found = []
    labels = [row["label"] for row in meta]
    if len(set(labels)) != len(labels):
        found.append(Finding("meta_label", "FAIL", "labels repeat"))
    described = {row["col_name"] for row in meta}
    undescribed = [c for c in columns if c not in described and c not in NOT_IN_META]
    absent = sorted(described - set(columns))
    if undescribed or absent:
        message = f"not described: {undescribed}; described but not in the data: {absent}"
        found.append(Finding("meta_columns", "FAIL", message))
    return found


def _meta(meta_columns: list[str], meta: list[dict], columns: list[str]) -> list[Finding]:
    if [c for c in meta_columns if c not in OPTIONAL_META_COLUMNS] != META_COLUMNS:
        return [Finding("meta_columns", "FAIL", f"columns {meta_columns} != {META_COLUMNS}")]
    return [*(f for row in meta for f in _meta_row(row)), *_meta_describes_the_data(meta, columns)]


def _filter(name: str, values: list[str], default: str) -> list[Finding]:
    found = []
    if any(not value for value in values):
        found.append(Finding("filter_blanks", "FAIL", f"{name} has blank values"))
    if any(value != value.strip() for value in values):
        found.append(Finding("filter_spaces", "FAIL", f"{name} has leading/trailing spaces"))
    if len(set(values)) < 2:
        found.append(Finding("singular_filter", "FAIL", f"{name} has one level: not a filter"))
    if default not in values:
        found.append(Finding("filter_default", "WARNING", f"{name} has no {default!r} rows"))
    return found


def _filters(rows: list[dict], meta: list[dict]) -> list[Finding]:
    found = []
    for row in (r for r in meta if r["col_type"] == "Filter"):
        name = row["col_name"]
        values = [data[name] for data in rows if name in data]
        found += _filter(name, values, row.get("filter_default") or "Total")
    return found


def _indicator(name: str, values: set[str]) -> list[Finding]:
    found = []
    if "" in values:
        found.append(Finding("indicator_blanks", "FAIL", f"{name} has blank cells"))
    if values & OBSOLETE_SYMBOLS:
        found.append(Finding("obsolete_symbols", "FAIL", f"{name}: {values & OBSOLETE_SYMBOLS}"))
    known = SYMBOLS | OBSOLETE_SYMBOLS
    invalid = {v for v in values if v and v not in known and not _number(v)}
    if invalid:
        found.append(Finding("indicator_values", "FAIL", f"{name}: {sorted(invalid)[:5]}"))
    return found


def _indicators(rows: list[dict], meta: list[dict]) -> list[Finding]:
    found = []
    for name in (r["col_name"] for r in meta if r["col_type"] == "Indicator"):
        found += _indicator(name, {row.get(name, "") for row in rows})
    return found


def _duplicate_rows(rows: list[dict], meta: list[dict], columns: list[str]) -> list[Finding]:
    """No two rows share their time, geography and filter values."""
    keys = [c for c in columns if c in NOT_IN_META] + [
        r["col_name"] for r in meta if r["col_type"] == "Filter"
    ]
    counts = Counter(tuple(r.get(k) for k in keys) for r in rows)
    repeated = [key for key, n in counts.items() if n > 1]
    if not repeated:
        return []
    return [Finding("duplicate_rows", "FAIL", f"{len(repeated)} repeated, e.g. {repeated[0]}")]


def _empty(rows: list[dict], columns: list[str]) -> list[Finding]:
    found = []
    empty = [c for c in columns if not any(row.get(c) for row in rows)]
    if empty:
        found.append(Finding("empty_columns", "FAIL", f"columns with no value: {empty}"))
    if any(not any(row.values()) for row in rows):
        found.append(Finding("empty_rows", "FAIL", "blank rows"))
    return found


def _formula_text(rows: list[dict]) -> list[Finding]:
    unsafe = {value for row in rows for value in row.values() if _runs_as_formula(value)}
    if not unsafe:
        return []
    message = f"cells a spreadsheet would run: {sorted(unsafe)[:3]}"
    return [Finding("formula_text", "FAIL", message)]


def _rows(rows: list[dict], meta: list[dict], columns: list[str]) -> list[Finding]:
    return [*_duplicate_rows(rows, meta, columns), *_empty(rows, columns), *_formula_text(rows)]


def screen(
    data: Path,
    meta: Path,
    lookups: Reference,
    name: str | None = None,
    meta_name: str | None = None,
) -> Screening:
    """Every rule on one data file and its metadata file (named name and meta_name when they are
    still being written under other names)."""
    name, meta_name = name or data.name, meta_name or meta.name
    columns, rows = _read(data)
    meta_columns, meta_rows = _read(meta)
    screening = Screening(name)
    screening.findings += _file_names(name, meta_name)
    screening.findings += _columns(columns)
    if not rows:
        screening.findings.append(Finding("empty_file", "FAIL", "no rows"))
        return screening
    if screening.failed("required_columns"):
        return screening
    screening.findings += _time(rows)
    screening.findings += _geography(rows, columns, lookups)
    screening.findings += _meta(meta_columns, meta_rows, columns)
    if not screening.failed("meta_columns"):
        screening.findings += _filters(rows, meta_rows)
        screening.findings += _indicators(rows, meta_rows)
        screening.findings += _rows(rows, meta_rows, columns)
    return screening

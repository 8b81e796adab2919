"""A two-page PDF beside each career-lead pack, for the careers lead's meeting: the school's
headline figures this cycle against its LEP area and the region and how each moved over the
cycles so far; then the students to see first, ranked, each with the reason in words.

The school's own figures come from its interviews (the career lead may see them all); the LEP
area's and the region's are read from the published partner view, exactly as partners see them,
so a withheld figure stays withheld here too.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import psycopg

from pathways import warehouse
from pathways.deliver.attention import RULES
from pathways.deliver.estimate import sentence as estimate_sentence

MEASURES = [
    ("pct_no_vision", "No career vision (%)"),
    ("pct_with_post16_plan", "With a post-16 plan (%)"),
    ("pct_predicted_eet", "Predicted EET (%)"),
    ("mean_knowledge", "Mean knowledge score (1-5)"),
]

AREA_SQL = """
select summary.cycle, summary.pct_no_vision, summary.pct_with_post16_plan,
    summary.pct_predicted_eet, summary.mean_knowledge
from partner.cycle_summary as summary
where summary.cohort = %s and summary.cycle <= %s
    and (summary.area_level, summary.area_code) = (%s, %s)
order by summary.cycle
"""


def _series(conn: psycopg.Connection, query: str, params) -> dict[int, dict]:
    return {row["cycle"]: row for row in warehouse.records(conn, query, params)}


def _school_series(figures: dict[int, dict]) -> dict[int, dict]:
    """The pack's own figures (shares) on the partner views' scale (percent, one decimal)."""
    return {
        cycle: {
            "pct_no_vision": round(100 * row["share_no_vision"], 1),
            "pct_with_post16_plan": round(100 * row["share_with_plan"], 1),
            "pct_predicted_eet": round(100 * row["share_predicted_eet"], 1),
            "mean_knowledge": None
            if row["mean_knowledge"] is None
            else round(row["mean_knowledge"], 2),
        }
        for cycle, row in figures.items()
    }


def _shown(value) -> str:
    return "withheld" if value is None else f"{value}"


def write(conn: psycopg.Connection, pack, cohort: int, cycle: int, term: dict, path: Path) -> Path:
    """Draw the page and write it to path; returns path."""
    import matplotlib

    matplotlib.use("Agg")  # no screen: render straight to the file
    # Every text is plain: a school named "St Mary $\\sqrt{$" is not mathtext (issue 27).
    matplotlib.rcParams["text.parse_math"] = False
    from matplotlib import pyplot

    lep_area, lep_name = conn.execute(
        "select school.lep_area, lep.name from marts.dim_school as school"
        " left join reference.lep_areas as lep on lep.code = school.lep_area"
        " where school.school_urn = %s",
        (pack.school_urn,),
    ).fetchone()
    lines = {
        pack.school_name: _school_series(pack.figures),
        f"{lep_name or lep_area} (LEP area)": _series(
            conn, AREA_SQL, (cohort, cycle, "lep_area", lep_area)
        ),
        "All programme schools": _series(conn, AREA_SQL, (cohort, cycle, "region", "all")),
    }
    figure = pyplot.figure(figsize=(11.69, 8.27))  # A4 landscape, in inches
    figure.suptitle(f"Careers guidance: {pack.school_name} (URN {pack.school_urn})",
                    x=0.04, ha="left", fontsize=16, fontweight="bold")  # fmt: skip
    figure.text(0.04, 0.905, f"Cohort starting Year 10 in {cohort}: cycle {cycle} of 7, "
                f"{term[cycle]}. On the roster: {pack.students}; interviewed: "
                f"{pack.interviewed}. Needs attention: {len(pack.attention)}, named on page 2.",
                fontsize=11)  # fmt: skip

    if pack.destinations:
        _destinations_lines(figure, pack.destinations)
    _figures_table(figure, pack, cycle, lines)
    axes = _trend_charts(figure, cycle, lines)
    figure.legend(*axes.get_legend_handles_labels(), loc="lower center", ncol=3, frameon=False,
                  bbox_to_anchor=(0.5, 0.035))  # fmt: skip
    figure.text(0.04, 0.012, "The LEP area's and all schools' figures are the published partner "
                "figures; 'withheld' marks a figure withheld to protect small numbers.",
                fontsize=8, color="0.35")  # fmt: skip
    from matplotlib.backends.backend_pdf import PdfPages

    with PdfPages(path) as pdf:
        pdf.savefig(figure)
        pyplot.close(figure)
        pdf.savefig(_attention_page(pyplot, pack, cycle))
        pyplot.close("all")
    return path


def _destinations_lines(figure, after: dict) -> None:
    """What the school's students did after Year 11, and the estimate of the programme's part."""
    figure.text(0.04, 0.875, f"After Year 11 (November, of {after['students_tracked']} "
                f"tracked): in education, employment or training {after['pct_eet']} %, "
                f"sustained EET {after['pct_sustained_eet']} %, NEET {after['pct_neet']} %, "
                f"not known {after['pct_not_known']} %.", fontsize=11)  # fmt: skip
    estimate = textwrap.fill(f"This school's {estimate_sentence(after)}.", 165)
    figure.text(0.04, 0.862, estimate, fontsize=9, va="top", color="0.2")


def _figures_table(figure, pack, cycle: int, lines: dict) -> None:
    """This cycle's measures: the school beside its LEP area and all programme schools."""
    top = 0.80 if pack.destinations else 0.86
    table_axes = figure.add_axes((0.04, top - 0.26, 0.92, 0.26))
    table_axes.axis("off")
    rows = [[label] + [_shown(series.get(cycle, {}).get(column)) for series in lines.values()]
            for column, label in MEASURES]  # fmt: skip
    headers = [f"Cycle {cycle}"] + [textwrap.fill(name, 24) for name in lines]
    table = table_axes.table(cellText=rows, colLabels=headers, loc="upper left",
                             colWidths=[0.31, 0.23, 0.23, 0.23], cellLoc="center")  # fmt: skip
    table.auto_set_font_size(False)
    table.set_fontsize(11)
    table.scale(1, 2.1)
    for (row, column), cell in table.get_celld().items():
        if row == 0:
            cell.set_height(cell.get_height() * 1.5)
        if row == 0 or column == 0:
            cell.set_text_props(fontweight="bold")
        if column == 0:
            cell.set_text_props(ha="left")
            cell.PAD = 0.03


def _trend_charts(figure, cycle: int, lines: dict):
    """One small chart per measure across the cycles so far; returns the last (its legend
    labels every chart)."""
    cycles = list(range(1, cycle + 1))
    for position, (column, label) in enumerate(MEASURES):
        axes = figure.add_axes((0.05 + position * 0.24, 0.15, 0.19, 0.36))
        for name, series in lines.items():
            values = [series.get(c, {}).get(column) for c in cycles]
            values = [float(v) if v is not None else float("nan") for v in values]
            axes.plot(cycles, values, marker="o", label=name)
        axes.set_title(label, fontsize=10)
        axes.set_xticks(cycles)
        axes.set_xlabel("cycle")
        axes.set_ylim(*((0, 100) if column.startswith("pct") else (1, 5)))
        axes.grid(alpha=0.3)
    return axes


def _attention_page(pyplot, pack, cycle: int):
    """The ranked list: rank, name, priority points and why, up to a school's 30 students."""
    figure = pyplot.figure(figsize=(11.69, 8.27))
    figure.suptitle(f"Needs attention after cycle {cycle}: {pack.school_name}", x=0.04,
                    ha="left", fontsize=16, fontweight="bold")  # fmt: skip
    if not pack.attention:
        figure.text(0.04, 0.88, "No student needs attention this cycle.", fontsize=11)
        return figure
    figure.text(0.04, 0.905, f"{len(pack.attention)} of the {pack.students} students on the "
                f"roster, the most pressing first. {RULES}", fontsize=9, wrap=True)  # fmt: skip
    axes = figure.add_axes((0.04, 0.06, 0.92, 0.80))
    axes.axis("off")
    rows = [
        [str(rank), f"{student['surname']}, {student['forename']}", str(found.priority), found.why]
        for rank, (student, found) in enumerate(pack.attention, start=1)
    ]
    table = axes.table(cellText=rows, colLabels=["Rank", "Student", "Points", "Why"],
                       colWidths=[0.06, 0.24, 0.07, 0.63], loc="upper left",
                       cellLoc="left")  # fmt: skip
    table.auto_set_font_size(False)
    table.set_fontsize(9 if len(rows) <= 24 else 8)
    height = min(0.8 / (len(rows) + 1), 0.045)
    for (row, _), cell in table.get_celld().items():
        cell.set_height(height)
        if row == 0:
            cell.set_text_props(fontweight="bold", ha="left")
    figure.text(0.04, 0.012, "Personal data: keep within the school's careers team. The "
                "spreadsheet's Needs attention sheet has the same list with each action plan.",
                fontsize=8, color="0.35")  # fmt: skip
    return figure

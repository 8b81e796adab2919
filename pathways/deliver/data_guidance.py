"""The open data's data guidance: what an EES reader needs before the first figure (issue 29).

EES asks every release for data guidance: who the figures are about, how they were collected,
what each file holds and what its symbols mean. Written beside the data files as
`data-guidance.md`, from the export's own file list, so a file added to the export is described
here too.
"""

from __future__ import annotations

from pathlib import Path

INTRODUCTION = """\
# Pathways careers guidance programme: open data guidance

## What the figures are about

The programme gives careers guidance to students in North East schools who are at risk of
not being in education, employment or training (NEET) after Year 11. Careers advisers interview
up to 30 students per school, seven times across Years 10 and 11; the figures count those
interviews and what the students did after Year 11.

**Who is counted (the cohort).** A cohort is the students who started Year 10 in September of
the cohort's year, on their school's programme roster. Each school chooses its students as at
risk of NEET; they are not a sample of all young people, and the figures describe them only.
A student counts with their school at each cycle (for improvement, at the latest cycle).

**Cycles.** The seven interviews, in the programme's order:

{cycles}

**Time periods.** Every row of a cohort has the academic year in which it started Year 10,
Year 11's cycles included, so one time period is one cohort: the cycle filter says when in
the two years a figure belongs. Destinations are dated by the academic year of the November
after Year 11, when local authorities record what each young person is doing.

**Geography.** Regional (all programme schools, every one in the North East region), local
enterprise partnership (North East, Tees Valley) and local authority. School figures are not
in these files.

## How figures are worked out

- *No career vision*: the student's preferred sector was "undecided". *With a post-16 plan*:
  any plan but "unsure". *Predicted EET*: the adviser predicted education, employment or
  training. Each is a percentage of the students interviewed in that cycle.
- *Knowledge scores* are the adviser's 1-5 rating of the student in twelve areas of knowledge.
  *Improvement* in an area is 100 x (mean at the latest cycle - mean at the first) / mean at
  the first, over the students assessed in that area at both cycles. The *Total* (all areas)
  improvement is the average of the twelve areas' improvements, not the improvement of the
  average score; its means are the averages of the areas' means.
- *Destinations*: what each student on the cycle 7 roster was doing in November after Year 11
  (local authorities' records), and whether they were in education, employment or training in
  5 of the 6 months October-March (*sustained*).
- *Young people kept out of NEET* is an estimate: the NEET count expected had each student
  been NEET at the rate of the young people they are compared with, less the count observed,
  with a 95 % interval. The *compared with* filter says with whom, and whether that is like
  for like. It is an estimate, not a measured effect of the programme; costs avoided follow
  from it and carry its uncertainty.
- Percentages are rounded once, to one decimal place, half away from zero.

## Symbols

- `c`: withheld to protect confidentiality. A count from 1 to {limit} is never published, nor
  any figure worked out from one, nor a figure that would let a withheld one be worked out by
  subtraction, in this release or with any earlier one.
- `z`: not applicable (no students to compute it from, or not published at this level).
- `x`: not available for another reason.

## Files
"""


def render(datasets, cycles: dict[int, str], suppression_threshold: int) -> str:
    """The guidance for the files of datasets (ees_export.Dataset), cycles numbered and named."""
    text = INTRODUCTION.format(
        cycles="\n".join(f"{number}. {label}" for number, label in sorted(cycles.items())),
        limit=suppression_threshold - 1,
    )
    for dataset in datasets:
        filters = ", ".join(f.label for f in dataset.filters)
        text += (f"\n### pathways_{dataset.view}.csv: {dataset.title}\n\nFilters: {filters} (a "
                 "filter with one value in the file is left out of it).\n")  # fmt: skip
        text += "".join(f"- {indicator.label}\n" for indicator in dataset.indicators)
    return text


def write(folder: Path, datasets, cycles: dict[int, str], suppression_threshold: int) -> Path:
    path = folder / "data-guidance.md"
    path.write_text(render(datasets, cycles, suppression_threshold), encoding="utf-8")
    return path

"""The attacker who keeps every release (contract 1.2, section 7: disclosure across releases).

Each release on its own is the system of `disclosure_audit`: its counts, the lines they add up
along, its percentages, bands and costs. A partner who kept several releases of a cohort
solves them together, linked by what usually links releases:

- *counts only grew* (a late roster or a new file only adds): every count of a later release
  is at least the same count of the release before;
- *at most k students changed* (a correction changes few): every count moves by at most k,
  and the counts of one line (the categories of an area, the areas of a total) move by at most
  2k together, since one student leaves one cell and joins another.

A reader who assumes more than is true learns nothing true, so the gate models each assumption
where the true counts satisfy it, with the smallest k they satisfy: the strongest attacker that
is right. Releases are linked in order, so any two of them are linked through those between.
"""

from __future__ import annotations

import math
import random
import time
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal

from pathways.publish.disclosure_audit import (
    Attack,
    System,
    attack_system,
    cell_id,
    group_by_component,
    ranges,
)
from pathways.publish.disclosure_reads import VIEWS
from pathways.publish.releases import NOT_FIGURES, Release


def _part(view: str, row: dict):
    """The system a row belongs to (as group_by_component groups them), within its cohort."""
    return {"knowledge_improvement": "improvement", "destinations": "destinations"}.get(
        view, row.get("cycle")
    )


def _fingerprints(release: Release) -> dict[tuple, frozenset]:
    rows: dict[tuple, set] = defaultdict(set)
    for view in VIEWS:
        for row in release.published.get(view, []):
            figures = sorted(
                (column, float(value) if isinstance(value, Decimal) else value)
                for column, value in row.items()
                if column not in NOT_FIGURES
            )  # the candidates' numerics are Decimal, a kept release's (jsonb) float
            rows[(row["cohort"], _part(view, row))].add((view, *figures))
    return {part: frozenset(found) for part, found in rows.items()}


def _tagged(releases: list[Release], skip: frozenset = frozenset()) -> dict[str, list[dict]]:
    """Every release's rows in one set, each row's cohort tagged with its release's place, so
    that the same figure of two releases is two counts. A part (a cycle, ...) that the next
    release shows exactly as it was adds nothing a reader did not have: only its latest copy
    is kept (most releases change one cycle of seven). The parts in `skip` are left out
    altogether (each part is a system of its own: group_by_component)."""
    fingerprints = [_fingerprints(release) for release in releases]
    rows: dict[str, list[dict]] = {view: [] for view in VIEWS}
    for tag, release in enumerate(releases):
        later = fingerprints[tag + 1] if tag + 1 < len(releases) else {}
        kept = _changed_before(fingerprints[tag], later, skip)
        for view in VIEWS:
            rows[view] += [
                {**row, "cohort": (row["cohort"], tag)}
                for row in release.published.get(view, [])
                if (row["cohort"], _part(view, row)) in kept
            ]
    return rows


def _changed_before(parts: dict, later: dict, skip: frozenset) -> set:
    """The parts not in skip that the later release does not show as they were. Compared once
    a part, not once a row: a part's fingerprint holds all its rows, and a comparison per row
    was quadratic (minutes for cohorts of 60,000 students)."""
    return {part for part, rows in parts.items() if part not in skip and later.get(part) != rows}


def _untagged(key: tuple) -> tuple:
    (cohort, _), *rest = key
    return (cohort, *rest)


def _merged(releases: list[Release], rates, skip: frozenset = frozenset()) -> dict[tuple, System]:
    """One system per cohort and part (a cycle, the improvement, the destinations), holding
    that part of every release; none for the parts in `skip`."""
    tagged_rates = {
        ((cohort, tag), *rest): rate
        for tag, release in enumerate(releases)
        for (cohort, *rest), rate in (release.rates or rates or {}).items()
    }  # each release judged with the rates it was computed from
    merged: dict[tuple, System] = defaultdict(System)
    tagged = _tagged(releases, skip)
    for ((cohort, _), part), system in group_by_component(tagged, tagged_rates).items():
        whole = merged[(cohort, part)]
        for key in system.index:
            whole.variable(key)
        whole.known.update(system.known)
        whole.equalities += system.equalities
        whole.at_most += system.at_most
        whole.derived.update(system.derived)
    return merged


def _truth(system: System, releases: list[Release]) -> dict[tuple, int]:
    truth = {}
    for key in system.index:
        if key in system.derived:
            continue  # worked out from its parts by attack_system
        (_, tag), *_ = key
        n = releases[tag].truth.get(cell_id(_untagged(key)))
        if n is not None:
            truth[key] = n
    return truth


def _pairs(system: System) -> dict[tuple[int, int], list[tuple[tuple, tuple]]]:
    """The same count in consecutive releases, by the pair of releases."""
    tags = sorted({key[0][1] for key in system.index})
    pairs: dict[tuple[int, int], list[tuple[tuple, tuple]]] = defaultdict(list)
    for before, after in zip(tags, tags[1:], strict=False):
        for key in system.index:
            (cohort, tag), *rest = key
            later = ((cohort, after), *rest)
            if tag == before and later in system.index:
                pairs[(before, after)].append((key, later))
    return pairs


def _lines(system: System, tag: int) -> Iterator[tuple[list[tuple], tuple]]:
    """The lines of one release: sum(members) = total, as System.total wrote them."""
    for terms, bound in system.equalities:
        totals = [key for key, weight in terms.items() if weight == -1]
        members = [key for key, weight in terms.items() if weight == 1]
        line = bound == 0 and len(totals) == 1 and len(members) == len(terms) - 1
        if line and totals[0][0][1] == tag:
            yield members, totals[0]


def _counts_only_grew(system: System, pairs, truth) -> System | None:
    linked = _copy(system)
    for pair in pairs.values():
        for before, after in pair:
            if before in truth and after in truth and truth[after] < truth[before]:
                return None  # the assumption is wrong here: it teaches nothing true
            linked.at_most.append(({before: 1.0, after: -1.0}, 0.0))
    return linked


def _few_changed(system: System, pairs, truth) -> System:
    linked = _copy(system)
    for (_, after_tag), pair in pairs.items():
        lines = list(_lines(system, after_tag))
        k = _largest_move(pair, lines, truth)
        moved = _move_sizes(linked, system, pair, k)
        for members, _ in lines:  # one student leaves one member and joins another
            terms, constant = {}, 0.0
            for member in members:
                if isinstance(moved.get(member), tuple):
                    terms[moved[member]] = 1.0
                else:
                    constant += moved.get(member, 0.0)
            if terms:
                linked.at_most.append((terms, 2.0 * k - constant))
    return linked


def _largest_move(pair, lines, truth) -> int:
    """The most any cell, or half any line, moved between the two releases."""
    change = {
        after: truth[after] - truth[before]
        for before, after in pair
        if before in truth and after in truth
    }
    line_moves = [sum(abs(change.get(m, 0)) for m in members) for members, _ in lines]
    return max([abs(d) for d in change.values()] + [math.ceil(m / 2) for m in line_moves] + [0])


def _move_sizes(linked: System, system: System, pair, k: int) -> dict:
    """Each cell's move between releases: a number where both are known, else a variable
    bounded by k."""
    moved = {}
    for before, after in pair:
        if before in system.known and after in system.known:
            moved[after] = abs(system.known[after] - system.known[before])
            continue
        size = linked.variable(("moved", before, after))
        linked.continuous.add(size)
        moved[after] = size
        linked.at_most += [({after: 1.0, before: -1.0, size: -1.0}, 0.0),
                           ({before: 1.0, after: -1.0, size: -1.0}, 0.0),
                           ({size: 1.0}, float(k))]  # fmt: skip
    return moved


def _copy(system: System) -> System:
    return System(
        dict(system.index), dict(system.known), list(system.equalities), list(system.at_most),
        set(system.continuous), dict(system.derived),
    )  # fmt: skip


def attack_releases(
    releases: list[Release],
    threshold: int,
    deadline: float,
    seed: int = 0,
    rates=None,
    skip: frozenset = frozenset(),
) -> Attack:
    """Bound every withheld count from 1 to threshold-1 of every release (oldest first),
    knowing all of them together; list those recovered, keyed as `disclosure_audit` keys them
    (the cohort a plain cohort again, the release's place in `release`). `skip`: parts
    (cohort, part) not to attack (`unchanged_parts`)."""
    started = time.monotonic()
    rng = random.Random(seed)
    recovered, checked, programs = {}, 0, 0
    for system in _merged(releases, rates, skip).values():  # none built for `skip`
        truth = _truth(system, releases)
        pairs = _pairs(system)
        attacks = [system] if not pairs else [
            linked for linked in (_counts_only_grew(system, pairs, truth),
                                  _few_changed(system, pairs, truth)) if linked is not None
        ]  # fmt: skip
        for number, linked in enumerate(attacks):
            found, targets, solved = attack_system(linked, truth, threshold, deadline, rng)
            for item in found:
                recovered.setdefault(item.key, item)
            checked += targets if number == 0 else 0
            programs += solved
    for item in recovered.values():
        item.release = item.key[0][1]
        item.key = _untagged(item.key)
    return Attack(list(recovered.values()), checked, programs, time.monotonic() - started)


def _part_of_cell(cell: str) -> tuple | None:
    """The (cohort, part) a disclosure cell belongs to, as _part names parts."""
    family, cohort, cycle = cell.split("|")[:3]
    if family == "band":
        return None
    if cycle != "-":
        return int(cohort), int(cycle)
    return int(cohort), "improvement" if family == "matched" else "destinations"


def _truth_by_part(truth: dict[str, int]) -> dict[tuple, frozenset]:
    parts: dict[tuple, set] = defaultdict(set)
    for cell, n in truth.items():
        part = _part_of_cell(cell)
        if part is not None:
            parts[part].add((cell, n))
    return {part: frozenset(cells) for part, cells in parts.items()}


def unchanged_parts(last: Release, candidate: Release) -> frozenset:
    """The parts the candidates show exactly as the last release did, made of the same counts.
    The last release's audit attacked each of them with every release before it; with the
    candidate in its place the attack is the same, so the gate need not run it again (a new
    cycle, or a correction, is then the only part attacked)."""
    rows_last, rows_now = _fingerprints(last), _fingerprints(candidate)
    truth_last = _truth_by_part(last.truth)
    # the candidates' answer sheet also has counts no view publishes (sectors by gender below
    # LEP areas): compare the kept release's cells only
    cells = {cell for part in truth_last.values() for cell, _ in part}
    truth_now = _truth_by_part({c: n for c, n in candidate.truth.items() if c in cells})
    return frozenset(
        part
        for part, rows in rows_now.items()
        if rows_last.get(part) == rows and truth_last.get(part) == truth_now.get(part)
    )


def latest_ranges(releases: list[Release], threshold: int, share: float, seed: int = 0, rates=None):
    """For a random `share` of the latest release's withheld counts from 1 to threshold-1: the
        whole range of values that every release together allows each, to a reader who assumes at
    most k students changed between releases (cohort untagged)."""
    latest, rng = len(releases) - 1, random.Random(seed)
    found = []
    for system in _merged(releases, rates).values():
        truth, pairs = _truth(system, releases), _pairs(system)
        linked = _few_changed(system, pairs, truth) if pairs else system
        found += ranges(linked, truth, threshold,
                        lambda key: key[0][1] == latest and rng.random() < share)  # fmt: skip
    for item in found:
        item.key = _untagged(item.key)
    return found


def shown(releases: list[Release], rates=None) -> set[tuple[str, int]]:
    """Every count these releases show, as (cell, count): out already, whatever comes next."""
    return {
        (cell_id(_untagged(key)), round(value))
        for system in _merged(releases, rates).values()
        for key, value in system.known.items()
        if key not in system.derived
    }

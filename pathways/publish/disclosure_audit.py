"""A partner who combines every published figure to recover a withheld count (contract section 7).

The quality gate runs this attacker on the candidate figures before anything is published
(pathways/publish/disclosure.py withholds more until it recovers nothing), and the tests run it
on what partners can actually read.

The attacker reads the six partner views and knows what the contract says about them: areas add
up to the area that contains them (and which school is in which authority, from the area
columns), every view's categories add up to the students interviewed, F + M + U = all, predicted
EET + not EET = all, no one is assessed who was not interviewed, and a percentage rounded to one
decimal place pins its numerator to within 0.05 % of its (possibly withheld) total. For
destinations (section 8): November's groups, sustained or not and predicted EET or not each add
up to the tracked students, held + not held to the students whose prediction could be compared,
surveyed or not to the tracked, happy or not to the surveyed; and the comparison (expected
rates, NEET or not known avoided, NEET avoided and its costs) ties NEET and not known to the
tracked students of each authority (and SEN status, on the SEN-adjusted basis) through the
local authorities' comparison rates, which are public (the attacker knows them). Every count
is a variable; published ones are fixed. Integer linear programming (HiGHS branch and bound)
then bounds each withheld count in whole numbers: one is *recovered* when its bounds meet. (Contract
1.2 also gives the attacker percentage bands, the comparison rate and the costs avoided, each
as rounded; counts are whole, so a rounding can pin a count that the linear relaxation misses:
on a demo-sized cohort, three `undecided` counts beside their bands.)

Means are not used: they tie sums of scores, not counts, to the counts.
"""

from __future__ import annotations

import functools
import math
import random
import time
from collections import ChainMap, defaultdict
from dataclasses import dataclass, field

import numpy as np
import yaml
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_matrix

from pathways import resources

# Destination counts (section 8), whole-cohort: November's groups, sustained or not, predicted
# EET or not at the last interview, each adding up to the tracked students.
DESTINATION_LINES = {
    "november": ("eet", "neet", "not_known", "other"),
    "sustained": ("sustained", "not_sustained"),
    "predicted_last": ("eet", "not_eet"),
}
COST_VARIABLES = {
    "public_cost_avoided_gbp": "neet_lifetime_public_cost_gbp",
    "wider_cost_avoided_gbp": "neet_lifetime_wider_cost_gbp",
}


@functools.cache
def lifetime_costs() -> dict[str, float]:
    """What one student NEET costs over a lifetime, by published cost column: the dbt project's
    vars (contract section 8). Public knowledge, so the attacker has them too."""
    project = yaml.safe_load((resources.dbt_project() / "dbt_project.yml").read_text())
    return {column: float(project["vars"][name]) for column, name in COST_VARIABLES.items()}


TOLERANCE = 1e-6
# No count exceeds this (a national cohort is about 620,000 students): where everything around
# a withheld count is withheld too, nothing else bounds it above, and an unbounded program
# is no answer. Bounded, such a count is simply not pinned.
MOST_STUDENTS = 10_000_000


SEN_CHARACTERISTICS = {"N": "sen_none", "K": "sen_support", "E": "ehcp"}
BASIS_CHARACTERISTIC = {"at_risk": "at_risk", "all_young_people": "all"}


def parent_area(row: dict) -> tuple[str, str] | None:
    """The area a row's area adds up into, read from its published area columns."""
    return {
        "school": ("local_authority", row["local_authority"]),
        "local_authority": ("lep_area", row["lep_area"]),
        "lep_area": ("region", "all"),
    }.get(row["area_level"])


@dataclass
class System:
    """One connected set of counts (a cohort's cycle, or its improvement figures)."""

    index: dict[tuple, int] = field(default_factory=dict)
    known: dict[tuple, float] = field(default_factory=dict)
    equalities: list[tuple[dict[tuple, float], float]] = field(default_factory=list)
    at_most: list[tuple[dict[tuple, float], float]] = field(default_factory=list)
    # Solved in whole numbers (a band, or a figure rounded to £1,000 or 0.1, can pin a count
    # only an integer solver sees); `continuous` are helper variables that are not counts.
    continuous: set[tuple] = field(default_factory=set)
    # Counts a share publishes beside its own: the students of a total not in a part.
    derived: dict[tuple, dict[tuple, float]] = field(default_factory=dict)

    def variable(self, key: tuple, value=None) -> tuple:
        self.index.setdefault(key, len(self.index))
        if value is not None:
            self.known[key] = float(value)
        return key

    def total(self, total: tuple, members: list[tuple]) -> None:
        """sum(members) = total."""
        terms: dict[tuple, float] = defaultdict(float)
        for member in members:
            terms[member] += 1
        terms[total] -= 1
        self.equalities.append((dict(terms), 0.0))

    def percentage(self, numerator: dict[tuple, float], denominator: tuple, pct) -> None:
        """A share rounded to 1 d.p.: (pct - 0.05) * d <= 100 * numerator <= (pct + 0.05) * d."""
        if pct is None:
            return
        low, high = float(pct) - 0.05, float(pct) + 0.05
        upper = {key: 100 * weight for key, weight in numerator.items()}
        upper[denominator] = upper.get(denominator, 0) - high
        lower = {key: -100 * weight for key, weight in numerator.items()}
        lower[denominator] = lower.get(denominator, 0) + low
        self.at_most += [(upper, 0.0), (lower, 0.0)]

    def complement(self, part: tuple, total: tuple) -> tuple:
        """The students of `total` not in `part`: a share of a yes-or-no outcome publishes
        them as well as `part` (contract section 7), so they are a count to protect too."""
        cohort, cycle, family, level, code, *detail = part
        key = self.variable((cohort, cycle, "complement", level, code, family, *detail))
        self.equalities.append(({key: 1.0, part: 1.0, total: -1.0}, 0.0))
        self.derived[key] = {total: 1.0, part: -1.0}
        return key

    def derived_truth(self, truth) -> dict[tuple, int]:
        return {
            key: round(sum(weight * truth[term] for term, weight in terms.items()))
            for key, terms in self.derived.items()
            if all(term in truth for term in terms)
        }

    def between(self, terms: dict[tuple, float], low: float, high: float) -> None:
        """low <= sum(weight x variable) <= high."""
        self.at_most.append((dict(terms), high))
        self.at_most.append(({key: -weight for key, weight in terms.items()}, -low))

    def band(self, numerator: dict[tuple, float], denominator: tuple, band) -> None:
        """A 10-point band of the exact share (contract 1.2 section 7): low <= 100 x share <
        high, the upper bound strict except for 90-100. Counts are whole, so 100 x numerator -
        high x denominator is a whole number and `< 0` is `<= -1`."""
        if band is None:
            return
        low, high = (int(part) for part in band.split("-"))
        above = {key: -100 * weight for key, weight in numerator.items()}
        above[denominator] = above.get(denominator, 0) + low
        below = {key: 100 * weight for key, weight in numerator.items()}
        below[denominator] = below.get(denominator, 0) - high
        self.at_most += [(above, 0.0), (below, 0.0 if high == 100 else -1.0)]


class _Placer:
    """Puts published rows' counts into their (cohort, cycle) systems, keyed by area, and
    remembers the lines that add up: an area's cells to its parent's, members to a total."""

    def __init__(self):
        self.systems: dict[tuple, System] = defaultdict(System)
        # Per kind of line, (system id, total) -> its parts: an area's total adds up its
        # children's, and (a separate equation) its plans' or its sectors'.
        self.lines: dict[str, dict[tuple, list[tuple]]] = {
            kind: defaultdict(list) for kind in ("area", "plans", "sectors", "genders")
        }

    @staticmethod
    def key(row, family, *detail, cycle=True, area=None):
        """The variable's key: the row's own area, or another (its parent) given as area."""
        level, code = area or (row["area_level"], row["area_code"])
        return (row["cohort"], row["cycle"] if cycle else None, family, level, code, *detail)

    def place(self, system, row, family, value, *detail, cycle=True):
        variable = system.variable(self.key(row, family, *detail, cycle=cycle), value)
        parent = parent_area(row)
        if parent is not None:
            parent_key = self.key(row, family, *detail, cycle=cycle, area=parent)
            self.line(system, parent_key, variable, "area")
            system.variable(parent_key)
        return variable

    def line(self, system, total, member, kind: str) -> None:
        self.lines[kind][(id(system), total)].append(member)

    def add_up(self) -> dict[tuple, System]:
        by_id = {id(system): system for system in self.systems.values()}
        for kind, lines in self.lines.items():
            for (system_id, total), members in lines.items():
                # a gender's total is met once per sector: it counts once in its line
                parts = list(dict.fromkeys(members)) if kind == "genders" else members
                by_id[system_id].total(total, parts)
        return self.systems


def group_by_component(published: dict[str, list[dict]], rates=None) -> dict[tuple, System]:
    placer = _Placer()
    for row in published["cycle_summary"]:
        _place_cycle_summary(placer, placer.systems[(row["cohort"], row["cycle"])], row)
    for row in published["post16_plans"]:
        system = placer.systems[(row["cohort"], row["cycle"])]
        plan = placer.place(system, row, "plan", row["students"], row["post16_plan"])
        n = system.variable(placer.key(row, "N"))
        placer.line(system, n, plan, "plans")
        system.percentage({plan: 1}, n, row["pct"])
    for row in published["sector_interest"]:
        _place_sector(placer, placer.systems[(row["cohort"], row["cycle"])], row)
    for row in published["knowledge_by_area"]:
        system = placer.systems[(row["cohort"], row["cycle"])]
        assessed = placer.place(system, row, "assessed", row["students_assessed"],
                                row["knowledge_area"])  # fmt: skip
        system.at_most.append(({assessed: 1, system.variable(placer.key(row, "N")): -1}, 0.0))
    for row in published["knowledge_improvement"]:
        system = placer.systems[(row["cohort"], "improvement")]
        placer.place(system, row, "matched", row["matched_students"], row["knowledge_area"],
                     cycle=False)  # fmt: skip
    authorities = _authorities(published.get("destinations", []))
    for row in published.get("destinations", []):
        system = placer.systems[(row["cohort"], "destinations")]
        _place_destinations(system, row, placer.place, placer.key, authorities, rates or {})
    return placer.add_up()


def _place_cycle_summary(placer: _Placer, system: System, row) -> None:
    n = placer.place(system, row, "N", row["students_interviewed"])
    eet = placer.place(system, row, "eet", None)
    not_eet = placer.place(system, row, "not_eet", None)
    system.total(n, [eet, not_eet])
    undecided = system.variable(placer.key(row, "sector", "all", "undecided"))
    system.complement(undecided, n)
    unsure = system.variable(placer.key(row, "plan", "unsure"))
    for column, numerator in (
        ("pct_predicted_eet", {eet: 1}),
        ("pct_no_vision", {undecided: 1}),
        ("pct_with_post16_plan", {n: 1, unsure: -1}),
    ):
        system.percentage(numerator, n, row[column])
        system.band(numerator, n, row.get(f"{column}_band"))


def _place_sector(placer: _Placer, system: System, row) -> None:
    """A sector count: a part of its gender's total, and (by gender) of the all-genders count."""
    gender = row["gender"]
    sector = placer.place(system, row, "sector", row["students"], gender, row["sector"])
    if gender == "all":
        group = system.variable(placer.key(row, "N"))
    else:
        group = system.variable(placer.key(row, "gender_total", gender))
        all_genders = system.variable(placer.key(row, "sector", "all", row["sector"]))
        placer.line(system, all_genders, sector, "genders")
        placer.line(system, system.variable(placer.key(row, "N")), group, "genders")
    placer.line(system, group, sector, "sectors")
    system.percentage({sector: 1}, group, row["pct"])


def _authorities(destinations: list[dict]) -> dict[tuple, list[str]]:
    """(cohort, area) -> the local authorities within it."""
    authorities: dict[tuple, list[str]] = defaultdict(list)
    for row in destinations:
        if row["area_level"] == "local_authority":
            authorities[(row["cohort"], "region", "all")].append(row["area_code"])
            authorities[(row["cohort"], "lep_area", row["lep_area"])].append(row["area_code"])
    return authorities


def _place_destinations(system, row, place, key, authorities, rates) -> None:
    """A destinations row: its counts, the lines they add up along, the percentages that pin
    them and, where published, the NEET-or-not-known avoided, which ties NEET + not known to
    the tracked students through the public comparison rates."""
    tracked = place(system, row, "tracked", row["students_tracked"], cycle=False)
    cells = {}
    for family, categories in DESTINATION_LINES.items():
        members = [place(system, row, family, None, c, cycle=False) for c in categories]
        cells.update({(family, c): m for c, m in zip(categories, members, strict=True)})
        system.total(tracked, members)
    base = place(system, row, "held_base", None, cycle=False)
    system.at_most.append(({base: 1, tracked: -1}, 0.0))  # compared students are tracked ones
    held = place(system, row, "held", None, "held", cycle=False)
    system.total(base, [held, place(system, row, "held", None, "not_held", cycle=False)])
    for category in ("eet", "neet", "not_known"):  # yes-or-no outcomes: EET or not, ...
        system.complement(cells[("november", category)], tracked)
    not_known = cells[("november", "not_known")]
    with_activity = row["students_with_activity"]
    if with_activity is not None:
        system.equalities.append(({tracked: 1, not_known: -1}, float(with_activity)))
    for (family, category), column in {
        ("november", "eet"): "pct_eet", ("november", "neet"): "pct_neet",
        ("november", "not_known"): "pct_not_known", ("sustained", "sustained"): "pct_sustained_eet",
        ("predicted_last", "eet"): "pct_predicted_eet_last_interview",
    }.items():  # fmt: skip
        system.percentage({cells[(family, category)]: 1}, tracked, row[column])
    system.percentage({held: 1}, base, row["pct_prediction_held"])
    _place_survey(system, row, place, tracked)
    _place_comparison(system, row, cells, tracked, authorities, rates)


def _place_survey(system, row, place, tracked) -> None:
    """The follow-up survey: surveyed or not adds up to the tracked students, happy or not to
    the surveyed; the share happy pins happy within the surveyed. Placed on every row, its
    figures withheld or not, so each area's cells add up to its parent's (with no survey the
    cells are unknowns that bound nothing)."""
    surveyed = place(system, row, "survey", row.get("students_surveyed"), "surveyed", cycle=False)
    not_surveyed = place(system, row, "survey", None, "not_surveyed", cycle=False)
    system.total(tracked, [surveyed, not_surveyed])
    happy = place(system, row, "happy", None, "happy", cycle=False)
    system.total(surveyed, [happy, place(system, row, "happy", None, "not_happy", cycle=False)])
    system.percentage({happy: 1}, surveyed, row.get("pct_happy_with_destination"))


def _mix(system, row, authorities) -> list[tuple[tuple, tuple]]:
    """The parts of the row's comparison mix, each (the attacker's variable, its rates' key):
    each authority's tracked students, or on the sen_adjusted basis each authority's students
    by SEN status (unknowns adding up to the authority's tracked)."""
    cohort, basis = row["cohort"], row.get("comparison_basis") or "all_young_people"
    mix = []
    for la in authorities.get((cohort, row["area_level"], row["area_code"]), []):
        tracked_la = system.variable((cohort, None, "tracked", "local_authority", la))
        if basis != "sen_adjusted":
            mix.append((tracked_la, (cohort, la, BASIS_CHARACTERISTIC[basis])))
            continue
        by_sen = [system.variable((cohort, None, "sen_mix", "local_authority", la, sen))
                  for sen in SEN_CHARACTERISTICS]  # fmt: skip
        system.total(tracked_la, by_sen)
        mix += [(variable, (cohort, la, characteristic)) for variable, characteristic
                in zip(by_sen, SEN_CHARACTERISTICS.values(), strict=True)]  # fmt: skip
    return mix


def _expected_counts(mix, rates, part: int) -> dict[tuple, float] | None:
    """The expected count of NEET (part 0), not known (1) or both (2): each part of the mix x
    its public rate / 100. None where the mix is empty or a rate it needs is not public."""
    expected: dict[tuple, float] = {}
    for variable, key in mix:
        rate = rates.get(key, (None,) * 3)[part]
        if rate is None:
            return None
        expected[variable] = rate / 100
    return expected or None


def _minus(observed: dict[tuple, float], expected: dict[tuple, float]) -> dict[tuple, float]:
    terms = dict(observed)
    for variable, weight in expected.items():
        terms[variable] = terms.get(variable, 0) - weight
    return terms


def _place_comparison(system, row, cells, tracked, authorities, rates) -> None:
    """The comparison (contract 1.2 section 8), each figure exactly as rounded. With the local
    authorities' public rates the expected counts are linear in the tracked students of each
    authority (and SEN status): the expected rates pin them against the tracked students, the
    NEET-or-not-known avoided ties NEET + not known to them, the NEET avoided and its costs
    (rounded to £1,000: far tighter than its 0.1) tie NEET alone. The interval's ends are a
    square root of NEET: the linear attacker leaves them out; the central estimate already
    pins the same count more tightly than they could."""
    avoided = row["neet_or_not_known_avoided"]
    if avoided is None and row.get("neet_avoided") is None:
        return
    neet, not_known = cells[("november", "neet")], cells[("november", "not_known")]
    mix = _mix(system, row, authorities)
    combined = _expected_counts(mix, rates, 2)
    if combined is None:
        # Rates the attacker is not given (a release kept before its rates were): the rounded
        # rate is no exact expected count, and taking it for one contradicts the true counts.
        return
    system.percentage(combined, tracked, row["comparison_pct_neet_or_not_known"])
    if avoided is not None:
        minus_avoided = _minus({neet: 1.0, not_known: 1.0}, combined)
        system.between(minus_avoided, -float(avoided) - 0.05, -float(avoided) + 0.05)
    expected_neet = _expected_counts(mix, rates, 0)
    if expected_neet is not None and row.get("neet_avoided") is not None:
        _place_neet_avoided(system, row, neet, tracked, expected_neet,
                            _expected_counts(mix, rates, 1))  # fmt: skip


def _place_neet_avoided(system, row, neet, tracked, expected_neet, expected_not_known) -> None:
    """The expected rates against the tracked students; the NEET avoided and its lifetime
    costs (rounded to £1,000) each tie NEET alone to its expected count."""
    for part, column in ((expected_neet, "expected_pct_neet"),
                         (expected_not_known, "expected_pct_not_known")):  # fmt: skip
        if part is not None:
            system.percentage(part, tracked, row.get(column))
    minus_neet_avoided = _minus({neet: 1.0}, expected_neet)
    centre = float(row["neet_avoided"])
    system.between(minus_neet_avoided, -centre - 0.05, -centre + 0.05)
    for column, cost in lifetime_costs().items():
        if row.get(column) is not None:
            centre, half = float(row[column]) / cost, 500 / cost
            system.between(minus_neet_avoided, -centre - half, -centre + half)


class AuditIncomplete(RuntimeError):
    """The attacker could not finish: nothing can be said about the figures' safety."""


@dataclass
class Recovered:
    key: tuple
    truth: int
    low: float
    high: float
    release: int | None = None  # its release's place, when releases were attacked together


@dataclass
class Attack:
    recovered: list[Recovered]
    checked: int  # withheld counts whose true value is 1..threshold-1
    linear_programs: int
    seconds: float


def _matrices(system: System, rows: list[tuple[dict[tuple, float], float]]):
    data, row_index, column_index, right = [], [], [], []
    for number, (terms, bound) in enumerate(rows):
        for variable, weight in terms.items():
            data.append(weight)
            row_index.append(number)
            column_index.append(system.index[variable])
        right.append(bound)
    if not rows:
        return None, None
    shape = (len(rows), len(system.index))
    return csr_matrix((data, (row_index, column_index)), shape=shape), np.array(right)


def _solve(system, matrices, objective):
    """The program in whole numbers (HiGHS branch and bound): counts are integers."""
    a_eq, b_eq, a_ub, b_ub, bounds = matrices
    constraints = []
    if a_eq is not None:
        constraints.append(LinearConstraint(a_eq, b_eq, b_eq))
    if a_ub is not None:
        constraints.append(LinearConstraint(a_ub, -np.inf, b_ub))
    low, high = np.array(bounds, dtype=float).T
    integrality = np.array([0 if key in system.continuous else 1 for key in system.index])
    result = milp(objective, constraints=constraints, integrality=integrality,
                  bounds=Bounds(low, high), options={"time_limit": 60})  # fmt: skip
    if result.status != 0:
        raise AuditIncomplete(
            f"the figures are inconsistent with their own totals: {result.message}"
        )
    return result.x


def _extremes(system: System, matrices, key: tuple):
    """Two feasible points: one with `key` as low as it can be, one as high."""
    objective = np.zeros(len(system.index))
    objective[system.index[key]] = 1
    low_point = _solve(system, matrices, objective)
    objective[system.index[key]] = -1
    return low_point, _solve(system, matrices, objective)


# Random objectives tried before bounding each remaining count on its own.
RANDOM_DIRECTIONS = 4


def _moved(system: System, solution, truth, variables) -> set[tuple]:
    """The variables a feasible solution puts a whole student or more away from the truth."""
    return {
        variable
        for variable in variables
        if abs(solution[system.index[variable]] - truth[variable]) >= 1 - TOLERANCE
    }


def _withheld_components(system: System) -> list[System]:
    """The system split into independent parts over its unknown counts only: published counts
    become constants, so each part links the withheld cells that share a line, and the linear
    programs stay small however many areas there are."""
    constraints = [(terms, bound, "eq") for terms, bound in system.equalities] + [
        (terms, bound, "ub") for terms, bound in system.at_most
    ]
    root = _linked_unknowns(system, constraints)
    parts: dict[tuple, System] = defaultdict(lambda: System(continuous=system.continuous))
    for variable in root:
        parts[root[variable]].variable(variable)
    for terms, bound, kind in constraints:
        unknown, rest = _over_unknowns(system, terms, bound, root)
        if unknown:  # a constraint on published figures only teaches nothing
            part = parts[root[next(iter(unknown))]]
            (part.equalities if kind == "eq" else part.at_most).append((unknown, rest))
    return list(parts.values())


def _over_unknowns(system: System, terms, bound, unknowns) -> tuple[dict, float]:
    """The constraint over its unknown counts, its published ones moved into the bound."""
    unknown = {v: weight for v, weight in terms.items() if v in unknowns}
    constant = sum(weight * system.known[v] for v, weight in terms.items() if v not in unknowns)
    return unknown, bound - constant


def _linked_unknowns(system: System, constraints) -> dict[tuple, tuple]:
    """Each unknown count's representative: two unknowns share one when a chain of
    constraints links them (union-find)."""
    parent = {variable: variable for variable in system.index if variable not in system.known}

    def root(variable):
        while parent[variable] != variable:
            parent[variable] = parent[parent[variable]]
            variable = parent[variable]
        return variable

    for terms, _, _ in constraints:
        unknown = [variable for variable in terms if variable in parent]
        for other in unknown[1:]:
            parent[root(other)] = root(unknown[0])
    return {variable: root(variable) for variable in parent}


def attack_system(system: System, truth, threshold, deadline, rng) -> tuple[list, int, int]:
    found, checked, programs = [], 0, 0
    truth = ChainMap(system.derived_truth(truth), truth)
    for part in _withheld_components(system):
        part_found, part_checked, part_programs = _attack_part(
            part, truth, threshold, deadline, rng
        )
        found += part_found
        checked += part_checked
        programs += part_programs
    return found, checked, programs


def _program(system: System):
    a_eq, b_eq = _matrices(system, system.equalities)
    a_ub, b_ub = _matrices(system, system.at_most)
    bounds = [(0, MOST_STUDENTS)] * len(system.index)
    for variable, value in system.known.items():
        bounds[system.index[variable]] = (value, value)
    return a_eq, b_eq, a_ub, b_ub, bounds


def ranges(system: System, truth, threshold: int, wanted) -> list[Recovered]:
    """Every withheld count from 1 to threshold-1 that `wanted(key)` picks, with the whole
    range of values everything published allows it (what an attacker can still learn)."""
    truth = ChainMap(system.derived_truth(truth), truth)
    found = []
    for part in _withheld_components(system):
        keys = [key for key in part.index if key not in part.known and wanted(key)
                and 1 <= truth.get(key, 0) < threshold]  # fmt: skip
        matrices = _program(part) if keys else None
        for key in keys:
            low, high = (point[part.index[key]] for point in _extremes(part, matrices, key))
            found.append(Recovered(key, truth[key], low, high))
    return found


def _attack_part(system: System, truth, threshold, deadline, rng) -> tuple[list, int, int]:
    targets = [
        variable
        for variable in system.index
        if variable not in system.known and 1 <= truth.get(variable, 0) < threshold
    ]
    if not targets:
        return [], 0, 0
    matrices = _program(system)
    # A feasible point that moves a count by a whole student proves it is not pinned, and random
    # directions move most withheld counts at once; the rest are bounded one by one.
    open_targets = set(targets)
    for _ in range(RANDOM_DIRECTIONS):
        open_targets -= _moved(system, _random_point(system, matrices, rng), truth, open_targets)
    recovered, programs = [], RANDOM_DIRECTIONS
    for variable in targets:
        if variable in open_targets:
            if time.monotonic() > deadline:
                raise AuditIncomplete("the disclosure audit ran out of time")
            points = _extremes(system, matrices, variable)
            programs += 2
            for point in points:
                open_targets -= _moved(system, point, truth, open_targets)
            recovered += _pinned(system, variable, points, truth)
    return recovered, len(targets), programs


def _random_point(system: System, matrices, rng):
    return _solve(system, matrices, np.array([rng.uniform(-1, 1) for _ in system.index]))


def _pinned(system: System, variable, points, truth) -> list[Recovered]:
    """The variable, recovered, when its lowest and highest feasible values round together."""
    low, high = (point[system.index[variable]] for point in points)
    if math.ceil(low - TOLERANCE) >= math.floor(high + TOLERANCE):
        return [Recovered(variable, truth[variable], low, high)]
    return []


def cell_id(key: tuple) -> str:
    """The attacker's name for a count as the disclosure models name its cell (a complement:
    its part's cell, whose withholding withholds the share that publishes it)."""
    cohort, cycle, family, level, code, *detail = key
    if family == "complement":
        return cell_id((cohort, cycle, *detail[:1], level, code, *detail[1:]))
    family, breakdown, category = {
        "N": ("interviewed", "-", "-"),
        "eet": ("predicted", "-", "eet"),
        "not_eet": ("predicted", "-", "not_eet"),
        "gender_total": ("sector", *detail, "total"),
        "sector": ("sector", *detail),
        "tracked": ("tracked", "-", "-"),
        "held_base": ("held_base", "-", "-"),
    }.get(family, (family, "-", *detail))
    cycle = "-" if cycle is None else cycle
    return "|".join(str(part) for part in (family, cohort, cycle, level, code, breakdown, category))


def attack(published, truth, threshold: int, deadline: float, seed: int = 0, rates=None) -> Attack:
    """Bound every withheld count whose true value is 1..threshold-1; list those recovered.
    `rates`: the local authorities' public comparison rates, by (cohort, LA code)."""
    started = time.monotonic()
    rng = random.Random(seed)
    recovered, checked, programs = [], 0, 0
    for system in group_by_component(published, rates).values():
        found, targets, solved = attack_system(system, truth, threshold, deadline, rng)
        recovered += found
        checked += targets
        programs += solved
    return Attack(recovered, checked, programs, time.monotonic() - started)

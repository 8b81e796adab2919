"""Who a career lead should see first after a cycle, why, and in what order.

A careers lead has minutes, not an afternoon: the list is short, ranked, and each line says why
in words. Each reason has a weight; a student's priority is the sum, highest first, then the
larger fall in knowledge, then the name. The thresholds (README, "Career-lead packs"):

- not interviewed this cycle (3): nothing is known of them since the last interview;
- high NEET risk (3): the adviser's own judgement, the programme's aim;
- in Year 11, when applications are made: no post-16 plan (2), no career vision, the sector
  undecided (1); in Year 10, where both are common and most settle by Year 11 (a third of the
  demo's students at cycle 3), only neither of them (1);
- knowledge fell by half a point or more on average (1), over at least three areas assessed at
  both interviews: scores are whole points, so a smaller fall is one area moving by one.
"""

from __future__ import annotations

from dataclasses import dataclass

NOT_INTERVIEWED = "Not interviewed this cycle"
FIRST_YEAR_11_CYCLE = 5
KNOWLEDGE_FALL = 0.5  # points, mean over the areas assessed at both interviews
KNOWLEDGE_AREAS_NEEDED = 3
RULES = (
    "Priority points: not interviewed 3, high NEET risk 3; in Year 11 no post-16 plan 2 and no "
    "career vision 1; in Year 10 neither a plan nor a vision 1; knowledge fell half a point or "
    "more on average 1."
)


@dataclass(frozen=True)
class Attention:
    priority: int
    reasons: tuple[str, ...]
    knowledge_change: float | None  # mean change over the areas assessed at both interviews

    @property
    def why(self) -> str:
        return "; ".join(self.reasons)


def _knowledge_change(student: dict, areas) -> float | None:
    changes = [student[f"{column}_change"] for _, column, _ in areas]
    changes = [change for change in changes if change is not None]
    if len(changes) < KNOWLEDGE_AREAS_NEEDED:
        return None
    return sum(changes) / len(changes)


def _plan_and_vision(student: dict, cycle: int) -> list[tuple[int, str]]:
    """In Year 11 each lack counts on its own; in Year 10 only both together."""
    no_plan = student["post16_plan"] == "unsure"
    no_vision = student["preferred_sector"] == "undecided"
    if cycle < FIRST_YEAR_11_CYCLE:
        return [(1, "neither a post-16 plan nor a career vision")] if no_plan and no_vision else []
    reasons = []
    if no_plan:
        reasons.append((2, "no post-16 plan"))
    if no_vision:
        reasons.append((1, "no career vision (sector undecided)"))
    return reasons


def assess(student: dict, areas, cycle: int) -> Attention | None:
    """The student's reasons and priority, or None if nothing calls for attention now."""
    if not student["was_interviewed"]:
        return Attention(3, (NOT_INTERVIEWED.lower(),), None)
    weighted = [(3, "high NEET risk")] if student["neet_risk"] == "high" else []
    weighted += _plan_and_vision(student, cycle)
    change = _knowledge_change(student, areas)
    if change is not None and change <= -KNOWLEDGE_FALL:
        weighted.append((1, f"knowledge fell {-change:.1f} of a point on average since the "
                            "last cycle"))  # fmt: skip
    if not weighted:
        return None
    return Attention(sum(w for w, _ in weighted), tuple(r for _, r in weighted), change)


def ranked(students: list[dict], areas, cycle: int) -> list[tuple[dict, Attention]]:
    """The students who need attention, the most pressing first."""
    found = [(s, a) for s in students if (a := assess(s, areas, cycle)) is not None]
    return sorted(found, key=lambda pair: (
        -pair[1].priority, pair[1].knowledge_change if pair[1].knowledge_change is not None
        else 0.0, pair[0]["surname"] or "", pair[0]["forename"] or "",
    ))  # fmt: skip

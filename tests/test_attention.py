"""Issue 29: the career lead's list is short, ranked and says why; its thresholds bite where the
README says they do."""

import pytest

from pathways.deliver import attention

pytestmark = pytest.mark.unit  # no warehouse, no services: `make test-fast`

AREAS = [(f"area{i}", f"area{i}", f"Area {i}") for i in range(12)]


def student(name: str, interviewed=True, risk="low", plan="college", sector="digital",
            changes=(0,) * 12) -> dict:  # fmt: skip
    row = {"surname": name, "forename": "A", "was_interviewed": interviewed, "neet_risk": risk,
           "post16_plan": plan, "preferred_sector": sector}  # fmt: skip
    row |= {f"area{i}_change": change for i, change in enumerate(changes)}
    return row


def fall(points_total: int, areas: int = 12) -> tuple:
    """Changes summing to -points_total over the first `areas` areas, None for the rest."""
    changes = [-1] * points_total + [0] * (areas - points_total)
    return tuple(changes) + (None,) * (12 - areas)


def test_a_small_fall_in_knowledge_is_not_a_reason():
    assert attention.assess(student("Small", changes=fall(5)), AREAS, 3) is None  # -0.42
    flagged = attention.assess(student("Large", changes=fall(6)), AREAS, 3)  # -0.50
    assert flagged.reasons == ("knowledge fell 0.5 of a point on average since the last cycle",)
    # Two areas assessed at both interviews are too few to call a fall.
    assert attention.assess(student("Few", changes=fall(2, areas=2)), AREAS, 3) is None


def test_the_list_is_ranked_by_priority_and_says_why():
    students = [
        student("Vision", sector="undecided"),
        student("Plan", plan="unsure"),
        student("Missed", interviewed=False),
        student("Risk", risk="high", plan="unsure"),
        student("Fine"),
    ]
    listed = attention.ranked(students, AREAS, 6)
    assert [(s["surname"], a.priority, a.why) for s, a in listed] == [
        ("Risk", 5, "high NEET risk; no post-16 plan"),
        ("Missed", 3, "not interviewed this cycle"),
        ("Plan", 2, "no post-16 plan"),
        ("Vision", 1, "no career vision (sector undecided)"),
    ]
    # In Year 10 no plan or no vision alone is common: only both together count; the larger
    # fall ranks first among equals.
    year_10 = [student("Plan", plan="unsure"), student("Vision", sector="undecided"),
               student("Neither", plan="unsure", sector="undecided"),
               student("Fell", changes=fall(9))]  # fmt: skip
    year_10 = attention.ranked(year_10, AREAS, 2)
    assert [(s["surname"], a.priority) for s, a in year_10] == [("Fell", 1), ("Neither", 1)]

"""The attacker's arithmetic on figures built by hand (contract 1.2, sections 7 and 8).

No warehouse: each case is a few published rows whose every figure is worked out below, with a
negative control that must not pin (or must, once the leaking figure is added).
"""

from __future__ import annotations

import time

import pytest

from pathways.publish.disclosure_audit import attack, lifetime_costs
from pathways.publish.disclosure_releases import attack_releases
from pathways.publish.releases import Release, by_cell

pytestmark = pytest.mark.unit  # no warehouse, no services: `make test-fast`

COHORT = 2024
VIEWS = ("cycle_summary", "knowledge_by_area", "sector_interest", "post16_plans",
         "knowledge_improvement", "destinations")  # fmt: skip


def deadline() -> float:
    return time.monotonic() + 60


def published(**views) -> dict[str, list[dict]]:
    return {view: views.get(view, []) for view in VIEWS}


# Destinations: one LEP area (the region's only one) of three authorities. 390 shows its 30
# tracked; 929 (4) and 391 (9) are withheld, so the lines give only 929 + 391 = 13. Nobody is
# NEET or not known. Public at-risk NEET rates (not known 0): 929 7.0 %, 391 4.0 %, 390 6.0 %,
# so the NEET avoided is 0.07 x 4 + 0.04 x 9 + 0.06 x 30 - 0 = 2.44: 2.4 to 1 d.p., £188,000
# public and £351,000 wider (2.44 x 77,000 = 187,880; x 144,000 = 351,360). The wider cost
# alone bounds 929's tracked to 3.80-4.03: whole numbers pin 4. The avoided (0.1) alone
# allows 1-4.
RATES = {
    (COHORT, la, "at_risk"): (neet, 0.0, neet)
    for la, neet in (("929", 7.0), ("391", 4.0), ("390", 6.0))
}
TRACKED = {"929": 4, "391": 9, "390": 30}


def _destination_row(level, code, tracked, **figures) -> dict:
    row = {
        "cohort": COHORT, "area_level": level, "area_code": code,
        "lep_area": None if level == "region" else "north_east",
        "local_authority": code if level == "local_authority" else None,
        "students_tracked": tracked, "students_with_activity": tracked,
        "pct_eet": None, "pct_neet": None, "pct_not_known": None, "pct_sustained_eet": None,
        "pct_predicted_eet_last_interview": None, "pct_prediction_held": None,
        "comparison_pct_neet_or_not_known": None, "neet_or_not_known_avoided": None,
        "public_cost_avoided_gbp": None, "wider_cost_avoided_gbp": None,
    }  # fmt: skip
    row.update(figures)
    return row


def _destinations(**area_figures) -> dict[str, list[dict]]:
    total = sum(TRACKED.values())
    area = dict(pct_neet=0.0, pct_not_known=0.0, neet_or_not_known_avoided=2.4,
                comparison_basis="at_risk", neet_avoided=2.4, **area_figures)  # fmt: skip
    rows = [
        _destination_row("region", "all", total, **area),
        _destination_row("lep_area", "north_east", total, **area),
        *(
            _destination_row("local_authority", la, n if la == "390" else None)
            for la, n in TRACKED.items()
        ),
    ]
    for row in rows[2:]:
        row["students_with_activity"] = row["students_tracked"]
    return published(destinations=rows)


def _destination_truth() -> dict[tuple, int]:
    truth = {}
    for level, code, n in [("region", "all", 43), ("lep_area", "north_east", 43)] + [
        ("local_authority", la, n) for la, n in TRACKED.items()
    ]:
        counts = {
            ("tracked",): n, ("november", "eet"): n, ("november", "neet"): 0,
            ("november", "not_known"): 0, ("november", "other"): 0,
            ("sustained", "sustained"): n, ("sustained", "not_sustained"): 0,
            ("predicted_last", "eet"): n, ("predicted_last", "not_eet"): 0,
            ("held_base",): n, ("held", "held"): n, ("held", "not_held"): 0,
        }  # fmt: skip
        for (family, *detail), value in counts.items():
            truth[(COHORT, None, family, level, code, *detail)] = value
    return truth


def test_the_costs_as_rounded_pin_a_withheld_tracked_count():
    costs = lifetime_costs()
    assert costs == {"public_cost_avoided_gbp": 77000.0, "wider_cost_avoided_gbp": 144000.0}
    key = (COHORT, None, "tracked", "local_authority", "929")
    without_costs = attack(_destinations(), _destination_truth(), 5, deadline(), rates=RATES)
    assert without_costs.checked > 0
    assert key not in {found.key for found in without_costs.recovered}
    with_costs = attack(
        _destinations(public_cost_avoided_gbp=188000, wider_cost_avoided_gbp=351000),
        _destination_truth(), 5, deadline(), rates=RATES,
    )  # fmt: skip
    assert key in {found.key for found in with_costs.recovered}


def _school_row(**figures) -> dict:
    row = {
        "cohort": COHORT, "cycle": 3, "area_level": "school", "area_code": "108000",
        "lep_area": "north_east", "local_authority": "390", "students_interviewed": 10,
        "pct_no_vision": None, "pct_with_post16_plan": 100.0, "pct_predicted_eet": None,
        "pct_predicted_eet_band": None,
    }  # fmt: skip
    row.update(figures)
    return row


def _school_truth(eet: int) -> dict[tuple, int]:
    key = (COHORT, 3)
    return {
        (*key, "N", "school", "108000"): 10,
        (*key, "eet", "school", "108000"): eet,
        (*key, "not_eet", "school", "108000"): 10 - eet,
        (*key, "sector", "school", "108000", "all", "undecided"): 3,
        (*key, "plan", "school", "108000", "unsure"): 0,
    }


def test_a_band_is_the_interval_it_is_in_whole_numbers():
    """8 of 10 predicted EET is 80.0 %, in 80-90; 9 of 10 is 90.0 %, in 90-100 (a boundary
    belongs to the higher band). So 80-90 pins 8 (and the 2 not EET); 90-100 leaves 9 or 10."""
    not_eet = (COHORT, 3, "not_eet", "school", "108000")
    low = attack(published(cycle_summary=[_school_row(pct_predicted_eet_band="80-90")]),
                 _school_truth(8), 5, deadline())  # fmt: skip
    assert not_eet in {found.key for found in low.recovered}
    high = attack(published(cycle_summary=[_school_row(pct_predicted_eet_band="90-100")]),
                  _school_truth(9), 5, deadline())  # fmt: skip
    assert high.checked > 0 and not high.recovered


def test_a_yes_or_no_share_publishes_its_complement():
    """No vision 70.0 % of 10 publishes 3 with a vision: a count from 1 to 4, recovered."""
    row = _school_row(pct_no_vision=70.0, pct_predicted_eet=90.0)
    truth = {**_school_truth(9), (COHORT, 3, "sector", "school", "108000", "all", "undecided"): 7}
    found = attack(published(cycle_summary=[row]), truth, 5, deadline())
    assert (COHORT, 3, "complement", "school", "108000", "sector", "all", "undecided") in {
        item.key for item in found.recovered
    }


def _cycle(n_by_school: dict[str, int | None], total: int) -> list[dict]:
    """Students interviewed only: one authority's schools and the authority."""
    rows = [_school_row(area_code=urn, students_interviewed=n, pct_no_vision=None,
                        pct_with_post16_plan=None) for urn, n in n_by_school.items()]  # fmt: skip
    rows.append(
        _school_row(
            area_level="local_authority",
            area_code="390",
            students_interviewed=total,
            pct_no_vision=None,
            pct_with_post16_plan=None,
        )
    )
    return rows


def _cycle_truth(n_by_school: dict[str, int]) -> dict[str, int]:
    truth = {(COHORT, 3, "N", "school", urn): n for urn, n in n_by_school.items()}
    truth[(COHORT, 3, "N", "local_authority", "390")] = sum(n_by_school.values())
    return by_cell(truth)


def test_a_withheld_count_shown_by_a_later_release_is_recovered_from_the_earlier():
    """Release A withholds school A's 4 (and B's 6 beside it); B, with nothing changed, shows
    both (as a lower threshold would): k = 0, so A's 4 is pinned. Kept withheld, nothing is."""
    first = Release(published(cycle_summary=_cycle({"A": None, "B": None, "C": 20}, 30)),
                    _cycle_truth({"A": 4, "B": 6, "C": 20}))  # fmt: skip
    shown = Release(published(cycle_summary=_cycle({"A": 4, "B": 6, "C": 20}, 30)),
                    _cycle_truth({"A": 4, "B": 6, "C": 20}))  # fmt: skip
    leak = attack_releases([first, shown], 5, deadline())
    assert (COHORT, 3, "N", "school", "A") in {found.key for found in leak.recovered}
    kept = attack_releases([first, first], 5, deadline())
    assert kept.checked > 0 and not kept.recovered


def test_a_late_student_in_one_of_two_withheld_schools_pins_neither():
    """A: schools A (4) and B (6) withheld, C 20, authority 30. B: a late roster adds one
    student to A, so A shows 5 and B (6) still gives nothing away; authority 31. Whether the
    student joined A or B, A was 4 or 5: the linked attacker must not claim more than that."""
    first = Release(published(cycle_summary=_cycle({"A": None, "B": None, "C": 20}, 30)),
                    _cycle_truth({"A": 4, "B": 6, "C": 20}))  # fmt: skip
    later = Release(published(cycle_summary=_cycle({"A": 5, "B": None, "C": 20}, 31)),
                    _cycle_truth({"A": 5, "B": 6, "C": 20}))  # fmt: skip
    found = attack_releases([first, later], 5, deadline())
    assert found.checked > 0
    assert (COHORT, 3, "N", "school", "A") not in {item.key for item in found.recovered}

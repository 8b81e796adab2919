"""How the programme's estimated effect on NEET is put into words (contract 1.2 section 8).

One wording for every reader (the demo's closing line, the career leads' PDF, the open data):
the comparison basis named, "estimate" said, the 95 % interval shown, and a comparison that is
not like for like called so, with the reason in one sentence.
"""

from __future__ import annotations

NOT_LIKE_FOR_LIKE = (
    "the programme chose its students because they were at risk of NEET, so young people "
    "not chosen that way are expected to do better whatever the programme does"
)
BASIS = {
    "at_risk": "young people their local authorities identified as at risk of NEET, "
    "not on the programme (like for like)",
    "sen_adjusted": "young people of the same SEN status in the same local authorities "
    "(not like for like)",
    "all_young_people": "all young people in the same local authorities (not like for like)",
}
# Short labels, for a filter or a chart legend.
BASIS_LABELS = {
    "at_risk": "At risk of NEET, not on the programme (like for like)",
    "sen_adjusted": "Same SEN status (not like for like)",
    "all_young_people": "All young people (not like for like)",
}
NO_BASIS_LABEL = "No comparison (published for the region and LEP areas only)"


def money(value) -> str:
    return f"{'-' if value < 0 else ''}£{abs(value):,.0f}"


def young_people(value) -> str:
    return f"{abs(value):,.1f}"


def sentence(row: dict) -> str:
    """The estimate of one published destinations row, or why there is none."""
    basis = row.get("comparison_basis")
    if basis is None or row.get("comparison_pct_neet_or_not_known") is None:
        return (
            "no comparison published (withheld to protect small numbers, or no comparison "
            "rates cover every student)"
        )
    compared = f"compared with {BASIS[basis]}"
    if basis != "at_risk":
        compared += f": {NOT_LIKE_FOR_LIKE}"
    if row.get("neet_avoided") is None:  # a 1.1 rate: NEET and not known together only
        avoided = row["neet_or_not_known_avoided"]
        side = "fewer" if avoided >= 0 else "more"
        return (
            f"estimate: {young_people(avoided)} {side} young people NEET or not known than "
            f"expected ({row['comparison_pct_neet_or_not_known']} % expected), {compared}; "
            "no cost (the comparison gives NEET and not known together)"
        )
    avoided, low, high = row["neet_avoided"], row["neet_avoided_low"], row["neet_avoided_high"]
    side = "fewer" if avoided >= 0 else "more"
    interval = f"95 % interval {low} to {high}"
    if low <= 0 <= high:
        interval += ": no clear difference"
    return (
        f"estimate: {young_people(avoided)} {side} young people NEET than expected "
        f"({interval}; NEET {row['pct_neet']} % against {row['expected_pct_neet']} % expected), "
        f"{compared}; lifetime public cost avoided {money(row['public_cost_avoided_gbp'])} "
        f"({money(row['public_cost_avoided_low_gbp'])} to "
        f"{money(row['public_cost_avoided_high_gbp'])}), "
        f"{money(row['wider_cost_avoided_gbp'])} to the wider economy; not known is not costed"
    )

"""The contract's code lists, read from the project's own copy (the dbt seeds)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pathways import resources


@dataclass(frozen=True)
class CodeList:
    """One code list: accepted spellings (code or label, any case) mapped to the code."""

    name: str
    spellings: dict[str, str]
    rows: tuple[dict[str, str], ...]

    def lookup(self, value: str) -> str | None:
        return self.spellings.get(value.strip().casefold())

    @property
    def codes(self) -> list[str]:
        return sorted(set(self.spellings.values()))


def _read_seed(name: str, seeds_dir: Path) -> tuple[dict[str, str], ...]:
    with open(seeds_dir / f"{name}.csv", newline="", encoding="utf-8") as handle:
        return tuple(csv.DictReader(handle))


def _code_list(name: str, key: str, rows, label: str = "label") -> CodeList:
    spellings = {}
    for row in rows:
        spellings[row[key].casefold()] = row[key]
        if label in row:
            spellings[row[label].strip().casefold()] = row[key]
    return CodeList(name, spellings, rows)


def _fixed(name: str, mapping: dict[str, str]) -> CodeList:
    """Code lists the contract spells out inline rather than in codes/."""
    return CodeList(name, {k.casefold(): v for k, v in mapping.items()}, ())


@dataclass(frozen=True)
class Codes:
    sectors: CodeList
    post16_plans: CodeList
    interventions: CodeList
    local_authorities: CodeList
    knowledge_areas: tuple[dict[str, str], ...]
    cycles: dict[int, dict[str, str]]
    gender: CodeList
    sen_status: CodeList
    yes_no: CodeList
    mode: CodeList
    neet_risk: CodeList
    destination: CodeList
    activities: CodeList  # what a young person did in a month after Year 11 (section 8)
    nccis: dict[str, str]  # NCCIS current-activity code -> activity code
    characteristics: CodeList  # the groups a comparison rate describes (section 8)
    happy: CodeList  # the follow-up survey's answer


@cache
def load_codes(seeds_dir: Path | None = None) -> Codes:
    seeds_dir = seeds_dir or resources.dbt_project() / "seeds"
    las = _read_seed("local_authorities", seeds_dir)
    return Codes(
        sectors=_code_list("sector", "code", _read_seed("sectors", seeds_dir)),
        post16_plans=_code_list("post-16 plan", "code", _read_seed("post16_plans", seeds_dir)),
        interventions=_code_list("intervention", "code", _read_seed("interventions", seeds_dir)),
        local_authorities=_code_list("local authority", "la_code", las, label="name"),
        knowledge_areas=_read_seed("knowledge_areas", seeds_dir),
        cycles={int(row["cycle"]): row for row in _read_seed("cycles", seeds_dir)},
        gender=_fixed("gender", {"F": "F", "M": "M", "U": "U", "Female": "F", "Male": "M"}),
        sen_status=_fixed("SEN status", {"N": "N", "K": "K", "E": "E"}),
        yes_no=_fixed("Y/N", {"Y": "Y", "N": "N"}),
        mode=_fixed(
            "interview mode",
            {"face_to_face": "face_to_face", "virtual": "virtual", "telephone": "telephone"},
        ),
        neet_risk=_fixed("NEET risk", {"low": "low", "medium": "medium", "high": "high"}),
        destination=_fixed("destination", {"eet": "eet", "neet": "neet", "unknown": "unknown"}),
        activities=_code_list(
            "destination activity", "code", _read_seed("destination_activities", seeds_dir)
        ),
        nccis={
            row["nccis_code"]: row["activity"] for row in _read_seed("nccis_activities", seeds_dir)
        },
        characteristics=_code_list(
            "comparison characteristic", "code", _read_seed("comparison_characteristics", seeds_dir)
        ),
        happy=_fixed(
            "happy with destination",
            {"Y": "Y", "N": "N", "U": "U", "Yes": "Y", "No": "N", "Unsure": "U"},
        ),
    )

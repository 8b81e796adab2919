"""Soda data contracts (quality/contracts) verified offline against the warehouse, results kept.

A contract's checks have two levels: a failed check blocks publication, a warned one is reported
and recorded but lets publication go ahead (Soda's exit code 2: warnings are not failures).
A contract Soda could not evaluate at all counts as failed: unverified figures are not published.

The gate verifies what changed. Every verification notes the warehouse's clock when it began
(`data_as_of`); the next one checks, row by row, only what was loaded or built after the last
published verification's clock (the contracts' `${var.since}` filters: raw rows by their file's
load time, facts by their `built_at`), and checks whole tables where a check needs the whole
table (row counts, schema, cross-cycle comparisons). A dbt full refresh rebuilds every fact row,
so it is verified whole. `whole=True` verifies everything regardless.
"""

from __future__ import annotations

import contextlib
import os
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from pathways import resources, settings, warehouse
from pathways.transform import dbt

QUALITY_DIR = resources.soda_contracts()
CONTRACTS_DIR = QUALITY_DIR / "contracts"
DATA_SOURCE_FILE = QUALITY_DIR / "datasource.yml"
# The layers in the order data flows; each is a folder of contracts.
LAYERS = ("raw", "star", "partner")

BLOCKING = frozenset({"failed", "not_evaluated", "error"})
_OUTCOMES = {"PASSED": "passed", "WARN": "warned", "FAILED": "failed"}


@dataclass(frozen=True)
class CheckOutcome:
    layer: str
    contract: str
    dataset: str
    column: str | None
    check: str
    check_type: str
    outcome: str  # passed | warned | failed | not_evaluated | error
    measured_value: float | None
    threshold: str | None

    def describe(self) -> str:
        where = f"{self.dataset}.{self.column}" if self.column else self.dataset
        measured = "" if self.measured_value is None else f" measured {self.measured_value:g}"
        threshold = f" (threshold: {self.threshold})" if self.threshold else ""
        return f"{self.outcome.upper()}: {where}: {self.check}{measured}{threshold}"


@dataclass
class Verification:
    verification_id: str
    verified_at: datetime
    cohort: int | None = None
    cycle: int | None = None
    # The warehouse's clock when verification began, and the clock of the published verification
    # it builds on: rows loaded or built after `since` were checked row by row (None: all rows).
    data_as_of: datetime | None = None
    since: datetime | None = None
    outcomes: list[CheckOutcome] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Seconds each contract took, "layer/file" -> seconds: where a slow gate spends its time.
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def blocking(self) -> list[CheckOutcome]:
        return [outcome for outcome in self.outcomes if outcome.outcome in BLOCKING]

    @property
    def warned(self) -> list[CheckOutcome]:
        return [outcome for outcome in self.outcomes if outcome.outcome == "warned"]

    @property
    def passed(self) -> bool:
        return not self.blocking

    def report(self) -> str:
        tally = (
            f"{len(self.outcomes)} checks: {len(self.blocking)} failed, {len(self.warned)} warned"
        )
        lines = [f"quality gate: {tally} (verification {self.verification_id})"]
        lines += [f"  {note}" for note in self.notes]
        lines += [f"  {outcome.describe()}" for outcome in self.blocking + self.warned]
        return "\n".join(lines)


def contract_files(layers: tuple[str, ...] = LAYERS) -> list[tuple[str, Path]]:
    return [
        (layer, path) for layer in layers for path in sorted((CONTRACTS_DIR / layer).glob("*.yml"))
    ]


@contextlib.contextmanager
def _connection_environment(url: str):
    """datasource.yml reads the connection from the environment; set it from url for the call."""
    values = dbt.profile_env(url)
    values["SODA_CORE_TELEMETRY_ENABLED"] = "false"
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _threshold_text(check) -> str | None:
    parts = [str(threshold) for threshold in (check.threshold, check.warn_threshold) if threshold]
    return "; ".join(", ".join(part.split("\n")) for part in parts if part) or None


def _measured(check_result) -> float | None:
    value = check_result.threshold_value  # Soda's name for the value compared to the threshold
    return float(value) if isinstance(value, int | float) else None


def _outcomes_of(layer: str, contract: Path, session) -> list[CheckOutcome]:
    outcomes = []
    for result in session.contract_verification_results:
        # warehouse/<database>/<schema>/<table> -> schema.table
        dataset = ".".join(result.contract.soda_qualified_dataset_name.split("/")[-2:])
        for check_result in result.check_results:
            check = check_result.check
            outcomes.append(
                CheckOutcome(
                    layer=layer,
                    contract=f"{layer}/{contract.name}",
                    dataset=dataset,
                    column=check.column_name,
                    check=check.name or check.type,
                    check_type=check.type,
                    outcome=_OUTCOMES.get(check_result.outcome.name, "not_evaluated"),
                    measured_value=_measured(check_result),
                    threshold=_threshold_text(check),
                )
            )
    if session.has_errors:
        outcomes.append(
            CheckOutcome(
                layer=layer,
                contract=f"{layer}/{contract.name}",
                dataset=contract.stem,
                column=None,
                check=f"contract could not be verified: {session.get_errors_str()[:500]}",
                check_type="contract",
                outcome="error",
                measured_value=None,
                threshold=None,
            )
        )
    return outcomes


def verify(
    url: str,
    layers: tuple[str, ...] = LAYERS,
    verification_id: str | None = None,
    whole: bool = False,
) -> Verification:
    """Run every contract of the given layers against the warehouse at url: on what changed
    since the last published verification, or on everything if whole."""
    from soda_core.contracts import verify_contract_locally  # heavy import, only when verifying

    verification = Verification(
        verification_id=verification_id or uuid.uuid4().hex,
        verified_at=datetime.now(UTC),
    )
    verification.cohort, verification.cycle = latest_cycle(url)
    verification.data_as_of, verification.since = _clocks(url, whole)
    if verification.since:
        verification.notes.append(
            f"verified rows loaded or built since the published verification of "
            f"{verification.since:%Y-%m-%d %H:%M:%S %Z}, and whole tables where a check needs them"
        )
    variables = {
        "database": warehouse.database_name(url),
        "suppression_threshold": str(settings.suppression_threshold()),
        "since": verification.since.isoformat() if verification.since else "-infinity",
    }
    with _connection_environment(url):
        for layer, contract in contract_files(layers):
            started = time.perf_counter()
            session = verify_contract_locally(
                data_source_file_path=str(DATA_SOURCE_FILE),
                contract_file_path=str(contract),
                variables=variables,
                publish=False,
            )
            verification.outcomes += _outcomes_of(layer, contract, session)
            verification.seconds[f"{layer}/{contract.name}"] = time.perf_counter() - started
    return verification


def _clocks(url: str, whole: bool) -> tuple[datetime, datetime | None]:
    """The warehouse's clock now, and the clock of the latest published verification (None if
    whole or there is none: everything is verified)."""
    with psycopg.connect(url) as conn:
        now = conn.execute("select statement_timestamp()").fetchone()[0]
        recorded = conn.execute(
            "select 1 from information_schema.columns where table_schema = 'quality'"
            " and table_name = 'gate_decision' and column_name = 'data_as_of'"
        ).fetchone()
        if whole or not recorded:  # results kept before data_as_of: verify everything once
            return now, None
        since = conn.execute(
            "select max(data_as_of) from quality.gate_decision where published"
        ).fetchone()[0]
    return now, since


def latest_cycle(url: str) -> tuple[int | None, int | None]:
    """The cycle a verification is about: the newest cohort's latest cycle with interviews."""
    with psycopg.connect(url) as conn:
        exists = conn.execute("select to_regclass('marts.fct_interview')").fetchone()[0]
        if exists is None:
            return None, None
        row = conn.execute(
            "select cohort, max(cycle) from marts.fct_interview"
            " group by cohort order by cohort desc limit 1"
        ).fetchone()
    return row if row else (None, None)


def record(url: str, verification: Verification) -> None:
    """Keep every check's outcome in quality.check_result, for the data-quality dashboard."""
    with psycopg.connect(url) as conn, conn.cursor() as cursor:
        cursor.executemany(
            """
                insert into quality.check_result (
                    verification_id, verified_at, data_as_of, cohort, cycle, layer, contract,
                    dataset, column_name, check_name, check_type, outcome, measured_value, threshold
                ) values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
                """,
            [
                (
                    verification.verification_id,
                    verification.verified_at,
                    verification.data_as_of,
                    verification.cohort,
                    verification.cycle,
                    outcome.layer,
                    outcome.contract,
                    outcome.dataset,
                    outcome.column,
                    outcome.check,
                    outcome.check_type,
                    outcome.outcome,
                    outcome.measured_value,
                    outcome.threshold,
                )
                for outcome in verification.outcomes
            ],
        )


def record_decision(url: str, verification_id: str, published: bool) -> None:
    """One row per gate in quality.gate_decision, tallied from the recorded check results."""
    with psycopg.connect(url) as conn:
        conn.execute(
            """
            insert into quality.gate_decision
                (verification_id, cohort, cycle, data_as_of, checks, failed, warned, published)
            select %(id)s, max(cohort), max(cycle), max(data_as_of), count(*),
                count(*) filter (where outcome = any(%(blocking)s)),
                count(*) filter (where outcome = 'warned'), %(published)s
            from quality.check_result where verification_id = %(id)s
            on conflict (verification_id) do update set
                decided_at = excluded.decided_at, published = excluded.published
            """,
            {"id": verification_id, "published": published, "blocking": sorted(BLOCKING)},
        )

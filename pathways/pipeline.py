"""The cycle load as one sequence of steps; the CLI, the DAG and the tests all call these."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pathways import migrate, run_lease, settings, warehouse
from pathways.ingestion.run import IngestSummary, ingest_landing
from pathways.publish import (
    access,
    built_from,
    career_lead_detail,
    disclosure,
    partner_limits,
    publish,
)
from pathways.quality import checks
from pathways.transform import dbt


@dataclass
class RunResult:
    warehouse_url: str
    ingest: IngestSummary | None = None
    dbt_summary: str | None = None
    verification: checks.Verification | None = None
    publication: publish.Publication | None = None
    deliveries: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    nothing_new_since: int | None = None  # the publication already built from every load

    @property
    def ok(self) -> bool:
        return not self.errors

    def report(self) -> str:
        lines = [f"warehouse: {warehouse.redacted(self.warehouse_url)}"]
        if self.ingest:
            lines.append(self.ingest.report())
        if self.dbt_summary:
            lines.append(f"dbt build: {self.dbt_summary}")
        if self.verification:
            lines.append(self.verification.report())
        if self.nothing_new_since:
            lines.append(
                f"nothing new since publication {self.nothing_new_since} (no file changed, the "
                "same models and settings): nothing was built, published or delivered"
            )
        if self.publication:
            lines += self.publication.report()
        lines += self.deliveries
        lines += [f"FAILED: {error}" for error in self.errors]
        return "\n".join(lines)


def dbt_variables() -> dict:
    """dbt vars from the environment: the suppression threshold is configuration (contract 7)."""
    return {"suppression_threshold": settings.suppression_threshold()}


# Every step connects as the loader (access.loader_url), whichever login the url names;
# only prepare() uses the url's own login: to create the database and run the migrations.


def prepare(url: str) -> str:
    """The database exists at this release's revision (pathways/migrate.py: its tables, roles
    and grants) and the per-run access is applied; returns the loader's url for the rest."""
    warehouse.ensure_database(url)
    migrate.upgrade(url)
    access.apply(url)
    return access.loader_url(url)


def load_landing(landing: Path, url: str, progress=None) -> IngestSummary:
    loader = access.loader_url(url)
    with warehouse.connect(loader) as conn:
        summary = ingest_landing(conn, landing, settings.pseudonym_key(), progress=progress)
    disclosure.reset(loader)  # the build that follows starts from the suppression rules alone
    return summary


def require_landing(landing: Path) -> None:
    if not Path(landing).is_dir():
        raise settings.ConfigurationError(f"landing folder {landing} does not exist")


def ingest(landing: Path, url: str, progress=None) -> IngestSummary:
    require_landing(landing)
    prepare(url)
    return load_landing(landing, url, progress=progress)


def built_with() -> str:
    """The models and settings a build is made by (built_from.py)."""
    return dbt.project_fingerprint(dbt_variables())


def nothing_new(url: str, ingest: IngestSummary) -> int | None:
    """The current publication, if this load changed nothing it was built from."""
    if ingest.count("loaded") or ingest.count("quarantined"):
        return None
    return built_from.unchanged_publication(access.loader_url(url), built_with())


def build_warehouse(url: str, full_refresh: bool = False) -> str:
    """dbt build: seeds, models, tests and unit tests; returns dbt's closing tally."""
    args = ["--full-refresh"] if full_refresh else []
    result = dbt.build(access.loader_url(url), *args, variables=dbt_variables())
    tally = re.findall(r"Done\. (PASS=.*)", result.output)
    return tally[-1].strip() if tally else "done"


class GateClosed(RuntimeError):
    """The candidates failed their contracts; the published figures were left as they were."""

    def __init__(self, verification: checks.Verification):
        super().__init__(verification.report())
        self.verification = verification


def protect_disclosure(url: str) -> tuple[str | None, checks.CheckOutcome]:
    """The disclosure audit on the candidates (publish/disclosure.py), as one gate check."""
    url = access.loader_url(url)

    def rebuild() -> None:
        selected = ("--select", "path:models/disclosure", "path:models/publication")
        dbt.build(url, *selected, variables=dbt_variables())

    try:
        protection = disclosure.protect(url, settings.suppression_threshold(), rebuild)
        note, outcome, recovered = protection.report(), "passed", 0
    except (disclosure.DisclosureUnprotected, disclosure.AuditIncomplete) as failure:
        note, outcome, recovered = f"disclosure audit: {failure}", "failed", 1
    check = checks.CheckOutcome(
        layer="partner", contract="disclosure_audit", dataset="partner views, all together",
        column=None, check="no withheld count from 1 to threshold-1 can be worked out",
        check_type="disclosure_audit", outcome=outcome, measured_value=recovered,
        threshold="must be 0",
    )  # fmt: skip
    return note, check


def verify_candidates(url: str, verification_id: str | None = None, layers=checks.LAYERS):
    """The disclosure audit, then the Soda contracts; keep their results; raise GateClosed if
    any check failed."""
    url = access.loader_url(url)
    note, disclosure_check = protect_disclosure(url)
    verification = checks.verify(url, layers=layers, verification_id=verification_id)
    verification.outcomes.append(disclosure_check)
    verification.notes.append(note)
    checks.record(url, verification)
    if not verification.passed:
        checks.record_decision(url, verification.verification_id, published=False)
        raise GateClosed(verification)
    return verification


def publish_candidates(url: str, verification_id: str, holder: str) -> publish.Publication:
    """Swap the verified figures in for partners, if holder still holds the run lease."""
    url = access.loader_url(url)
    publication = publish.publish(url, holder=holder, built_with=built_with())
    checks.record_decision(url, verification_id, published=True)
    return publication


def gate(url: str, result: RunResult, holder: str) -> None:
    """The quality gate: publish the candidate figures only if every failing-level check passed
    (and holder, this run, still holds the lease)."""
    try:
        result.verification = verify_candidates(url)
    except GateClosed as closed:
        result.verification = closed.verification
        result.errors.append("quality gate closed: the partner figures were left unchanged")
        return
    result.publication = publish_candidates(url, result.verification.verification_id, holder)


@contextlib.contextmanager
def leased(url: str) -> Iterator[tuple[str, str]]:
    """The run lease, taken before anything else touches the warehouse (the access migration
    included: run beside a build, its grants failed the build), then the migration and the
    partners' limits; yields (the loader's url, the lease's holder)."""
    warehouse.ensure_database(url)
    migrate.bootstrap(url)
    with run_lease.held(url) as holder:
        loader = prepare(url)
        with partner_limits.enforced(loader):
            yield loader, holder


def run(
    landing: Path,
    progress=None,
    full_refresh: bool = False,
    url: str | None = None,
    deliver: bool = True,
    force: bool = False,
):
    """Files to partner views: ingest, build the warehouse with dbt, then the quality gate,
    then (if it passed and deliver) the deliveries; one run at a time per warehouse
    (run_lease.RunInProgress if another holds it). With nothing new since the current
    publication it stops after ingestion, unless force (or full_refresh)."""
    require_landing(landing)
    result = RunResult(url or warehouse.resolve_warehouse_url())
    with leased(result.warehouse_url) as (loader, holder):
        result.ingest = load_landing(landing, loader, progress=progress)
        if not (force or full_refresh) and (since := nothing_new(loader, result.ingest)):
            result.nothing_new_since = since
            return result
        try:
            result.dbt_summary = build_warehouse(loader, full_refresh=full_refresh)
        except dbt.DbtFailed as failure:
            result.errors.append(str(failure))
        else:
            career_lead_detail.deliver(loader)
            gate(loader, result, holder)
            if result.publication and deliver:
                _deliver_into(result, loader)
        access.apply(result.warehouse_url)  # career-lead logins for schools new in this run
    return result


def deliver_packs(url: str, cohort: int | None = None, cycle: int | None = None):
    """Career-lead packs (XLSX and PDF) of the given cycle, by default the newest cohort's
    latest; returns (cohort, cycle, packs)."""
    from pathways.deliver import packs

    loader = access.loader_url(url)
    if cohort is None or cycle is None:
        cohort, cycle = checks.latest_cycle(loader)
    return cohort, cycle, packs.write_packs(loader, cohort, cycle) if cohort else []


def deliver(url: str) -> list[str]:
    """After a passing gate, what the DAG's deliver group does: the latest cycle's packs and the
    open-data files. Returns a line for the run's report."""
    from pathways.deliver import ees_export, outbox

    with outbox.delivering(settings.outbox()):  # packs and open data switched in together
        cohort, cycle, written = deliver_packs(url)
        files = ees_export.export(access.loader_url(url))  # ees_screen.ScreenFailed if unfit
    return [
        f"delivered: {len(written)} career-lead packs (XLSX + PDF) for cohort {cohort} cycle "
        f"{cycle} and {len(files)} open-data files, in {settings.shown(settings.outbox())}"
    ]


def _deliver_into(result: RunResult, url: str) -> None:
    """The deliveries of a passing run; one that cannot be written fails the run with the
    reason (the published figures stand: they passed the gate)."""
    from pathways.deliver import ees_screen

    kept = "the last delivered release stands"
    try:
        result.deliveries = deliver(url)
    except ees_screen.ScreenFailed as unfit:
        result.errors.append(f"open data not written: {unfit}; {kept}")
    except OSError as failure:  # a full disk, an outbox it may not write
        where = f" ({settings.shown(Path(failure.filename))})" if failure.filename else ""
        result.errors.append(f"deliveries not written: {failure.strerror}{where}; {kept}")


def gate_built_warehouse(url: str) -> RunResult:
    """The quality gate alone, on a warehouse already built: also one run at a time."""
    result = RunResult(url)
    with leased(url) as (loader, holder):
        gate(loader, result, holder)
    return result

"""The `pathways` command: generate demo data and run the pipeline."""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import time
from pathlib import Path

from pathways import pipeline
from pathways.ingestion.schema import WrongPseudonymKey
from pathways.run_lease import LeaseLost, RunInProgress
from pathways.settings import ConfigurationError


def _generate(args) -> int:
    from pathways.synthetic import generate

    started = time.perf_counter()
    landing = generate(
        Path(args.out),
        schools=args.schools,
        students=args.students,
        cycles=args.cycles,
        seed=args.seed,
        cohort=args.cohort,
        advisers=args.advisers,
        defects=args.defects,
    )
    print(
        f"wrote {args.out}: cohort {landing.cohort}, {len(landing.schools)} schools, "
        f"{landing.students} students, {landing.roster_rows} roster rows, "
        f"{landing.interview_rows} interviews in {time.perf_counter() - started:.1f}s"
    )
    if landing.defects:
        kinds = {}
        for defect in landing.defects:
            kinds[defect["kind"]] = kinds.get(defect["kind"], 0) + 1
        print("planted defects: " + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())))
    return 0


PROGRESS_STEP_ROWS = 100_000
_reported: dict[str, int] = {}


def _progress(path: str, rows: int) -> None:
    """Called after every batch; says something only every PROGRESS_STEP_ROWS rows of a file."""
    step = rows // PROGRESS_STEP_ROWS
    if step > _reported.get(path, 0):
        _reported[path] = step
        print(f"  ... {path}: {rows:,} rows", file=sys.stderr, flush=True)


def _loader_url() -> str:
    """The warehouse as the loader (pathways_loader): what every command but the access
    migration connects as."""
    from pathways.publish import access

    return access.resolve_loader_url()


def _run(args) -> int:
    result = pipeline.run(
        Path(args.landing),
        progress=_progress,
        full_refresh=args.full_refresh,
        force=args.force,
        deliver=not args.no_deliveries,
    )
    print(result.report())
    return 0 if result.ok else 1


def _gate(args) -> int:
    """Verify the built warehouse's candidate figures and publish them if every check passed."""
    from pathways import warehouse

    result = pipeline.gate_built_warehouse(warehouse.resolve_warehouse_url())
    print(result.report())
    return 0 if result.ok else 1


def _packs(args) -> int:
    from pathways.deliver import packs

    out = Path(args.out) if args.out else None
    written = packs.write_packs(_loader_url(), args.cohort, args.cycle, out)
    for pack in written:
        print(f"{pack.path}  ({pack.students} students, {pack.school_name})")
    print(f"{len(written)} career-lead packs for cohort {args.cohort}, cycle {args.cycle}")
    return 0 if written else 1


def _export_ees(args) -> int:
    from pathways.deliver import ees_export

    out = Path(args.out) if args.out else None
    for path in ees_export.export(_loader_url(), out):
        print(path)
    return 0


def _access(args) -> int:
    from pathways import migrate, warehouse

    url = warehouse.resolve_warehouse_url()
    pipeline.prepare(url)
    print(f"migrated to {migrate.current(url)}; roles, grants and row-level security applied")
    return 0


def _partner_login(args) -> int:
    from pathways import warehouse
    from pathways.publish import access

    url = warehouse.resolve_warehouse_url()
    pipeline.prepare(url)
    try:
        login, password = access.create_partner_login(url, args.organisation, args.connections)
    except access.LoginRefused as refused:
        print(f"pathways partner-login: {refused}", file=sys.stderr)
        return 2
    print(f"login {login} (at most {args.connections} connections); password: {password}")
    print("Give it to the partner over a secure channel; it is not stored anywhere else.")
    return 0


def _superset(args) -> int:
    from pathways import warehouse
    from pathways.serve import superset_local

    url = warehouse.resolve_warehouse_url()
    print(f"Superset on the warehouse {warehouse.redacted(url)}")
    return superset_local.serve(url, port=args.port)


def _demo(args) -> int:
    """A fresh demo: generated extracts (with defects) loaded into its own, reset database."""
    from pathways import settings, warehouse

    settings.private_folder(settings.STATE_DIR)  # landing, outbox, services: this user's alone
    landing = Path(args.landing)
    if landing.exists():
        shutil.rmtree(landing)
    args.out, args.defects = str(landing), True
    _generate(args)
    url = warehouse.resolve_demo_url()
    warehouse.drop_database(url)
    warehouse.ensure_database(url)
    result = pipeline.run(landing, progress=_progress, full_refresh=True, url=url)
    print(result.report())
    if result.ok:
        from pathways.deliver import destinations
        from pathways.publish import access

        print("\n".join(destinations.headline(access.loader_url(url))))
    warehouse.remember_warehouse(url)
    print(f"\nEvery pathways command now uses this warehouse ({warehouse.redacted(url)}) unless "
          "WAREHOUSE_URL says otherwise.\nNext: .venv/bin/pathways status, "
          ".venv/bin/pathways superset (the dashboards), .venv/bin/pathways airflow (the DAGs), "
          ".venv/bin/pathways docs (lineage).")  # fmt: skip
    return 0 if result.ok else 1


def _airflow(args) -> int:
    from pathways import warehouse
    from pathways.serve import airflow_local

    url = warehouse.resolve_warehouse_url()
    warehouse.ensure_database(url)
    return airflow_local.serve(url, port=args.port)


def _docs(args) -> int:
    """dbt's documentation site (models, columns, tests and lineage) of this warehouse."""
    from pathways import settings
    from pathways.serve import services
    from pathways.transform import dbt

    site = dbt.generate_docs(_loader_url())

    def ready() -> None:
        print(f"dbt docs are up: http://127.0.0.1:{args.port}  (lineage: the graph icon, "
              "bottom right)\nCtrl-C stops them.", flush=True)  # fmt: skip

    command = [sys.executable, "-m", "http.server", str(args.port), "--bind", settings.bind_host(),
               "--directory", str(site)]  # fmt: skip
    return services.serve(
        command, dict(os.environ), site.parent / "docs-server.log",
        f"http://127.0.0.1:{args.port}/index.html", ready, wait_seconds=30,
    )  # fmt: skip


def _parse(args) -> int:
    """dbt's manifest, which the cycle-load DAG renders its dbt tasks from (Airflow never runs
    dbt to parse a DAG): once per install, or after the dbt project changes."""
    from pathways import settings
    from pathways.transform import dbt

    dbt.run_dbt(os.environ.get("WAREHOUSE_URL", settings.DEFAULT_WAREHOUSE_URL), "parse")
    print(f"wrote {dbt.DEFAULT_TARGET / 'manifest.json'}")
    return 0


def _lease(args) -> int:
    """Who holds the run lease; with --release, end it (a holder that is gone for good)."""
    import psycopg

    from pathways import run_lease

    with psycopg.connect(_loader_url()) as conn:
        holder = run_lease.holder_now(conn) or run_lease.abandoned(conn)
        if not args.release:
            print(f"run lease: {holder or 'free'}")
            return 0
        released = run_lease.release_any(conn)
    print(f"released the run lease of {released}" if released else "the run lease was free")
    return 0


def _status(args) -> int:
    """Where things stand; exit 1 when something needs attention (pathways/status.py)."""
    from rich.console import Console

    from pathways import status

    found = status.collect()
    if args.json:
        print(found.to_json())
    else:
        status.render(found, Console(width=max(Console().width, 120)))
    return 1 if found.problems else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pathways", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    gen = commands.add_parser("generate", help="write a synthetic landing folder")
    gen.add_argument("--out", required=True, help="landing folder to write")
    gen.add_argument("--schools", type=int, default=28)
    gen.add_argument("--students", type=int, default=30, help="students per school (max 999)")
    gen.add_argument("--cycles", type=int, default=7, choices=range(1, 8))
    gen.add_argument("--seed", type=int, default=2024)
    gen.add_argument("--cohort", type=int, default=2024, help="year the cohort starts Year 10")
    gen.add_argument("--advisers", type=int, help="number of advisers (default: one per 4 schools)")
    gen.add_argument("--defects", action="store_true", help="plant realistic bad rows and files")
    gen.set_defaults(handler=_generate)

    run = commands.add_parser("run", help="load a landing folder and build the warehouse")
    run.add_argument("--landing", required=True, help="landing folder to load")
    run.add_argument(
        "--full-refresh", action="store_true", help="rebuild incremental facts from scratch"
    )
    run.add_argument(
        "--force", action="store_true",
        help="build, verify, publish and deliver even when nothing changed since the last "
        "publication (say, to write deliveries a full disk stopped)",
    )  # fmt: skip
    run.add_argument(
        "--no-deliveries",
        action="store_true",
        help="publish but write no career-lead packs or open-data files (`packs`, `export-ees` "
        "write them later)",
    )
    run.set_defaults(handler=_run)

    gate = commands.add_parser(
        "gate",
        help="verify the built figures with the Soda contracts and publish them if they pass",
    )
    gate.set_defaults(handler=_gate)

    packs = commands.add_parser("packs", help="write one career-lead pack per school (XLSX)")
    packs.add_argument("--cohort", type=int, required=True)
    packs.add_argument("--cycle", type=int, required=True, choices=range(1, 8))
    packs.add_argument("--out", help="outbox folder (default PATHWAYS_OUTBOX or .state/outbox)")
    packs.set_defaults(handler=_packs)

    ees = commands.add_parser("export-ees", help="the partner views as open-data CSVs (EES)")
    ees.add_argument(
        "--out",
        help="outbox folder (default PATHWAYS_OUTBOX or .state/outbox): "
        "the files go in its ees/ folder",
    )
    ees.set_defaults(handler=_export_ees)

    grants = commands.add_parser("access", help="create the warehouse roles and apply grants")
    grants.set_defaults(handler=_access)

    partner = commands.add_parser(
        "partner-login", help="a login of its own for a partner organisation (read-only views)"
    )
    partner.add_argument("organisation", help="e.g. 'Tees Valley College'")
    partner.add_argument("--connections", type=int, default=5, help="its connection limit")
    partner.set_defaults(handler=_partner_login)
    superset = commands.add_parser(
        "superset", help="Superset with the Pathways dashboards on http://127.0.0.1:8088"
    )
    superset.add_argument("--port", type=int, default=8088)
    superset.set_defaults(handler=_superset)

    demo = commands.add_parser("demo", help="generate a demo cohort and load it from scratch")
    demo.add_argument("--landing", default=".state/demo-landing")
    demo.set_defaults(handler=_demo, schools=28, students=30, cycles=7, seed=2024,
                      cohort=2024, advisers=None)  # fmt: skip

    airflow = commands.add_parser("airflow", help="start Airflow locally with the Pathways DAGs")
    airflow.add_argument("--port", type=int, default=8080)
    airflow.set_defaults(handler=_airflow)

    status = commands.add_parser(
        "status", help="where things stand: loads, quarantine, the gate, partners, deliveries"
    )
    status.add_argument("--json", action="store_true", help="the same, as JSON for scripts")
    status.set_defaults(handler=_status)

    lease = commands.add_parser("lease", help="who holds the run lease; --release ends it")
    lease.add_argument(
        "--release",
        action="store_true",
        help="end the lease (only when its holder is gone: see the README)",
    )
    lease.set_defaults(handler=_lease)

    parse = commands.add_parser(
        "parse", help="write the dbt manifest the cycle-load DAG is drawn from (once per install)"
    )
    parse.set_defaults(handler=_parse)

    docs = commands.add_parser("docs", help="build the dbt docs (lineage) and serve them")
    docs.add_argument("--port", type=int, default=8081)
    docs.set_defaults(handler=_docs)
    return parser


def _log_to_stderr() -> None:
    """Pathways' own log lines (settings.log) on stderr, plainly: the command's notes."""
    logger = logging.getLogger("pathways")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _log_to_stderr()
    try:
        return args.handler(args)
    except (ConfigurationError, WrongPseudonymKey) as error:
        print(f"pathways: {error}", file=sys.stderr)
        return 2
    except (RunInProgress, LeaseLost) as busy:
        print(f"pathways: {busy}", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())

"""Load a cycle's extracts: pull from the landing, ingest, build the warehouse with dbt, then
the quality gate: the Soda contracts verify the new figures, and only then are they published
to the partner views. A failed check fails the run with the checks named and leaves the
partner views exactly as they were (results in quality.check_result). Last, deliver: one
career-lead pack per school for the cycle, and the partner views as open-data files, in the
outbox (PATHWAYS_OUTBOX, default .state/outbox).

Runs when the landing changes (the `pathways_landing` asset, announced by
pathways_landing_watch) or by hand with params. Re-running a cycle is safe: ingestion skips
files whose bytes it has already loaded, and bad files are quarantined, not failed on.
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import Param, dag, get_current_context, task, task_group
from airflow.sdk.exceptions import AirflowFailException
from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import InvocationMode, LoadMode, TestBehavior
from cosmos.profiles import PostgresUserPasswordProfileMapping

from pathways import pipeline
from pathways.orchestrate import orchestration
from pathways.orchestrate.alerts import failure_notifiers
from pathways.orchestrate.assets import LANDING
from pathways.pipeline import dbt_variables
from pathways.transform.dbt import DBT_PROJECT, DEFAULT_TARGET

DEFAULT_ARGS = {
    "owner": "pathways",
    # A mail to PATHWAYS_ALERT_EMAIL when a task fails for good (pathways/orchestrate/alerts.py).
    "on_failure_callback": failure_notifiers(),
    "retries": 2,
    "retry_delay": timedelta(seconds=30),
    "retry_exponential_backoff": True,
}


@dag(
    schedule=[LANDING],
    catchup=False,
    max_active_runs=1,  # and across the CLI and the DAG: the run lease (take_run_lease)
    default_args=DEFAULT_ARGS,
    tags=["pathways", "cycle-load"],
    params={
        "landing": Param(None, type=["null", "string"], description="landing folder or URL"),
        "cohort": Param(None, type=["null", "integer"], description="only this cohort"),
        "cycle": Param(None, type=["null", "integer"], minimum=1, maximum=7),
        "destinations": Param(
            False, type="boolean", description="only the cohort's destinations/ files"
        ),
    },
    doc_md=__doc__,
)
def pathways_cycle_load():
    @task
    def take_run_lease() -> None:
        # One pipeline per warehouse (pathways/run_lease.py): refused while
        # `pathways run` or `pathways gate` holds it; the task's retries then wait for it.
        context = get_current_context()

        def run_ended(run_id: str) -> bool:  # a run marked failed in the UI kept its lease
            try:
                state = context["ti"].get_dagrun_state(context["dag"].dag_id, run_id)
            except Exception:  # not a run of this DAG: its lease is not ours to end
                return False
            return state not in ("queued", "running")

        orchestration.take_run_lease(context["run_id"], run_ended)

    @task(trigger_rule="all_done")
    def release_run_lease() -> None:
        orchestration.release_run_lease(get_current_context()["run_id"])

    # No mail of its own: the failed task has already sent one.
    @task(trigger_rule="one_failed", retries=0, on_failure_callback=[])
    def fail_run_if_a_task_failed() -> None:
        # The clean-up tasks run whatever happened, and a run's state is its last tasks':
        # without this watcher a closed gate would end in a successful run.
        raise AirflowFailException("a task of this cycle load failed; see the failed task's log")

    # Pulled and ingested in one task: the pulled copy is in the worker's own state folder, and
    # with Celery the next task may run on another machine (issue 32).
    @task
    def ingest_extracts(params=None) -> dict:
        run_id = get_current_context()["run_id"]
        staging = orchestration.STATE_DIR / "airflow" / "pulled" / run_id.replace(":", "_")
        location = params["landing"] or orchestration.landing_location()
        folder = orchestration.pull_extracts(
            location, staging, params["cohort"], params["cycle"], params["destinations"]
        )
        summary = orchestration.ingest_extracts(folder)
        print(summary["report"])
        return summary

    # Nothing new since the current publication: no build, no publication, no deliveries. Only
    # the tasks after it are skipped: the lease is still released (trigger rules kept).
    @task.short_circuit(ignore_downstream_trigger_rules=False)
    def anything_new(summary: dict) -> bool:
        if since := summary["nothing_new_since"]:
            print(f"nothing new since publication {since}: nothing to build, publish or deliver")
        return not since

    build_warehouse = DbtTaskGroup(
        group_id="dbt_build",
        project_config=ProjectConfig(
            dbt_project_path=DBT_PROJECT,
            manifest_path=DEFAULT_TARGET / "manifest.json",
            dbt_vars=dbt_variables(),
        ),
        profile_config=ProfileConfig(
            profile_name="pathways",
            target_name="warehouse",
            profile_mapping=PostgresUserPasswordProfileMapping(
                conn_id=orchestration.WAREHOUSE_CONN_ID, profile_args={"schema": "analytics"}
            ),
        ),
        # dbt in the worker's own process (dbtRunner): no interpreter and no import of dbt per
        # model; dbt-core is pinned in this venv to the version of .venv-dbt.
        execution_config=ExecutionConfig(invocation_mode=InvocationMode.DBT_RUNNER),
        render_config=RenderConfig(
            load_method=LoadMode.DBT_MANIFEST,
            invocation_mode=InvocationMode.DBT_RUNNER,
            test_behavior=TestBehavior.AFTER_ALL,
            # No Airflow asset per model: nothing is scheduled on them, and writing a model's
            # inlets and outlets cost each of its ~80 tasks most of a second.
            emit_datasets=False,
        ),
    )

    @task_group
    def quality_gate():
        @task(retries=0)
        def verify_contracts() -> str:
            context = get_current_context()
            verification_id = f"{context['run_id']}#{context['ti'].try_number}"
            try:
                return orchestration.verify_candidates(verification_id)
            except pipeline.GateClosed as closed:
                # Not retried: the same data would fail the same checks.
                raise AirflowFailException(str(closed)) from None

        @task
        def publish_figures(verification_id: str) -> dict:
            return orchestration.publish_candidates(
                verification_id, get_current_context()["run_id"]
            )

        publish_figures(verify_contracts())

    @task_group
    def deliver():
        @task
        def career_lead_packs(params=None) -> list[str]:
            return orchestration.deliver_packs(params["cohort"], params["cycle"])

        @task
        def open_data_export() -> list[str]:
            return orchestration.export_open_data()

        career_lead_packs()
        open_data_export()

    @task
    def deliver_career_lead_detail() -> None:
        # Only after a successful build: career leads keep the last good build's rows.
        orchestration.deliver_career_lead_detail()

    @task(trigger_rule="all_done")
    def apply_access() -> None:
        # dbt recreates tables: grants and row-level security are put back at once, whether or
        # not the build and the gate succeed.
        orchestration.apply_access()

    leased = take_run_lease()
    ingested = ingest_extracts()
    gate = quality_gate()
    delivered = deliver()
    detail = deliver_career_lead_detail()
    access = apply_access()
    released = release_run_lease()
    leased >> ingested
    ingested >> anything_new(ingested) >> build_warehouse >> [gate, detail]
    gate >> delivered
    detail >> access
    [delivered, access] >> released
    steps = [leased, ingested, build_warehouse, gate, delivered, detail, access, released]
    steps >> fail_run_if_a_task_failed()


pathways_cycle_load()

"""Watch the landing location and announce new or corrected extracts as the landing asset."""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import Variable, dag, task

from pathways.orchestrate import orchestration
from pathways.orchestrate.assets import LANDING

FINGERPRINT_VARIABLE = "pathways_landing_fingerprint"


@dag(
    schedule=timedelta(minutes=15),
    catchup=False,
    default_args={"owner": "pathways", "retries": 1},
    tags=["pathways", "landing"],
    doc_md=__doc__,
)
def pathways_landing_watch():
    @task.short_circuit
    def landing_changed() -> bool:
        fingerprint = orchestration.landing_fingerprint(orchestration.landing_location())
        if Variable.get(FINGERPRINT_VARIABLE, default=None) == fingerprint:
            return False
        Variable.set(FINGERPRINT_VARIABLE, fingerprint)
        return True

    @task(outlets=[LANDING])
    def announce_new_extracts() -> None:
        """Emits the asset event that schedules pathways_cycle_load."""

    landing_changed() >> announce_new_extracts()


pathways_landing_watch()

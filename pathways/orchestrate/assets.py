"""Airflow assets: the data dependencies between the project's DAGs."""

from airflow.sdk import Asset

# Extracts in the landing location; updated when files are added or replaced there.
LANDING = Asset(name="pathways_landing")

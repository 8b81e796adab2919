"""What the Airflow DAGs' tasks do, their assets, failure mail, and the one-run-at-a-time lease."""

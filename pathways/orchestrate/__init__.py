"""What the Airflow DAGs' tasks do, their assets and failure mail."""

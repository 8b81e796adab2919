"""Local services for people to look at the warehouse: Airflow, Superset, the dbt docs and a
headless browser for the dashboards."""

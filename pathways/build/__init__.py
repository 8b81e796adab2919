"""Building the warehouse: the database itself and dbt run against it."""

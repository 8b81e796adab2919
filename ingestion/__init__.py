"""Contract-true ingestion of landing extracts into PostgreSQL raw tables, with lineage."""

"""Alembic's environment: run the revisions on the connection pathways.migrate opened."""

from alembic import context
from sqlalchemy import text

connection = context.config.attributes["connection"]
# The version table lives beside the lease in `control`, which the loader owns (a warehouse's
# own bookkeeping, not a partner's or an analyst's business).
connection.execute(text("create schema if not exists control"))
connection.commit()  # Alembic then runs each revision in a transaction of its own
context.configure(
    connection=connection,
    version_table_schema="control",
    transaction_per_migration=True,
)
with context.begin_transaction():
    context.run_migrations()

"""control.run_lease: one pipeline at a time per warehouse (pathways/run_lease.py).

Applied on its own before the lease is taken (pathways.migrate.bootstrap): every later
revision runs under the lease. As the URL's own login: the roles may not exist yet."""

from pathways import migrate

revision = "0001_run_lease"
down_revision = None
branch_labels = None
depends_on = None

LEASE = """
create schema if not exists control;
create table if not exists control.run_lease (
    lease text primary key default 'pipeline' check (lease = 'pipeline'),
    holder text not null,
    acquired_at timestamptz not null,
    expires_at timestamptz not null,
    keeper_pid integer,                 -- the server process of the connection holding it
    keeper_started_at timestamptz       -- (a pid is reused: its start time tells them apart)
);
"""


def upgrade() -> None:
    migrate.execute(LEASE)


def downgrade() -> None:
    raise NotImplementedError("forward only: see pathways/migrate.py")

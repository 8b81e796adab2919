"""The quality gate's results (quality/checks.py): every check of every verification, and
whether each gate published."""

from pathways import migrate

revision = "0004_quality_results"
down_revision = "0003_raw_and_restricted"
branch_labels = None
depends_on = None

QUALITY_RESULTS = """
-- Every Soda check outcome of every verification, for the data-quality dashboard and for data
-- engineers asking what stopped a publication. Append-only.
create schema if not exists quality;

create table if not exists quality.check_result (
    verification_id text        not null,
    verified_at     timestamptz not null,
    cohort          integer,              -- the cycle the verification was about: the newest
    cycle           integer,              -- cohort's latest cycle with interviews
    layer           text        not null, -- raw | star | partner
    contract        text        not null, -- quality/contracts/<layer>/<file>
    dataset         text        not null, -- schema.table verified
    column_name     text,
    check_name      text        not null,
    check_type      text        not null,
    outcome         text        not null
        check (outcome in ('passed', 'warned', 'failed', 'not_evaluated', 'error')),
    measured_value  numeric,
    threshold       text
);
-- The warehouse's clock when the verification began: rows loaded or built after it were not
-- verified by it (quality/checks.py). Added to results kept before it existed.
alter table quality.check_result add column if not exists data_as_of timestamptz;
create index if not exists check_result_verified on quality.check_result (verified_at);

-- One row per gate: whether the candidate figures were published.
create table if not exists quality.gate_decision (
    verification_id text primary key,
    decided_at      timestamptz not null default clock_timestamp(),
    cohort          integer,
    cycle           integer,
    checks          integer     not null,
    failed          integer     not null,
    warned          integer     not null,
    published       boolean     not null
);
-- The next verification checks row by row only what was loaded or built after the latest
-- published one's data_as_of.
alter table quality.gate_decision add column if not exists data_as_of timestamptz;
"""


def upgrade() -> None:
    migrate.execute("set local role pathways_loader")
    migrate.execute(QUALITY_RESULTS)


def downgrade() -> None:
    raise NotImplementedError("forward only: see pathways/migrate.py")

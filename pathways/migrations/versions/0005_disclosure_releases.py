"""What the disclosure audit withholds beyond the rules, and every release partners were shown
(contract 1.2 section 7: disclosure across releases)."""

from pathways import migrate

revision = "0005_disclosure_releases"
down_revision = "0004_quality_results"
branch_labels = None
depends_on = None

DISCLOSURE = """
-- Cells the disclosure audit (pathways/publish/disclosure.py) found it must withhold beyond
-- the rules; emptied before every build, read by the dbt model disclosure_counts.
create table if not exists disclosure.forced_withheld (
    cell_id text primary key,
    audit_round integer not null,
    added_at timestamptz not null default clock_timestamp()
);

-- Every release of a cohort's figures (a publication that changed what partners read of it),
-- kept for good: partners keep what they downloaded, so the gate judges disclosure across
-- releases (contract 1.2 section 7; pathways/publish/releases.py). The rows as partners read
-- them, and the counts behind them (the attacker's answer sheet: never readable by a partner).
create table if not exists disclosure.release (
    cohort integer not null,
    publication_id bigint not null,
    digest text not null,
    released_at timestamptz not null default clock_timestamp(),
    primary key (cohort, publication_id)
);
create table if not exists disclosure.release_row (
    cohort integer not null,
    publication_id bigint not null,
    view_name text not null,
    figures jsonb not null
);
create index if not exists release_row_by_release
    on disclosure.release_row (cohort, publication_id);
create table if not exists disclosure.release_cell (
    cohort integer not null,
    publication_id bigint not null,
    cell_id text not null,
    n bigint,
    suppressed boolean not null,
    primary key (cohort, publication_id, cell_id)
);
-- The comparison rates each release was computed from: public, so the attacker knows the old
-- ones too after a new comparison.csv replaces them (contract 1.2 section 8).
create table if not exists disclosure.release_rate (
    cohort integer not null,
    publication_id bigint not null,
    la_code text not null,
    characteristic text not null,
    pct_neet numeric,
    pct_not_known numeric,
    pct_neet_or_not_known numeric not null,
    primary key (cohort, publication_id, la_code, characteristic)
);
"""


def upgrade() -> None:
    migrate.execute("set local role pathways_loader")
    migrate.execute(DISCLOSURE)


def downgrade() -> None:
    raise NotImplementedError("forward only: see pathways/migrate.py")

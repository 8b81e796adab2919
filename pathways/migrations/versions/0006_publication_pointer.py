"""The publication pointer: which version of the published tables partners read.

The published tables themselves follow their dbt candidates' shape and are made by the
partner views' pre-hook (dbt_project/macros/published.sql); pathways/publish/publish.py adds
a version and moves this pointer in one transaction."""

from pathways import migrate

revision = "0006_publication_pointer"
down_revision = "0005_disclosure_releases"
branch_labels = None
depends_on = None

POINTER = """
create sequence if not exists published.publication_id_seq;
create table if not exists published.current_publication (
    current boolean primary key default true check (current),
    publication_id bigint not null,
    published_at timestamptz not null
);
-- What the current publication was built from (pathways/publish/built_from.py): a run that
-- finds nothing newer builds, publishes and delivers nothing again.
alter table published.current_publication
    add column if not exists loads_until timestamptz,
    add column if not exists built_with text;
"""


def upgrade() -> None:
    migrate.execute("set local role pathways_loader")
    migrate.execute(POINTER)


def downgrade() -> None:
    raise NotImplementedError("forward only: see pathways/migrate.py")

"""Each delivery's file signature, so a run need not digest a file that has not changed."""

from pathways import migrate

revision = "0008_file_signature"
down_revision = "0007_reader_grants"
branch_labels = None
depends_on = None

# Device, inode, size, modification and change times (ingestion/loader.py file_signature). The
# change time cannot be set back by a copy that keeps the file's times, so any rewrite or
# replacement of the file changes it; a row without one (an older delivery) is digested.
FILE_SIGNATURE = """
alter table raw.file_load add column if not exists file_signature text;
comment on column raw.file_load.file_signature is
    'device:inode:size:mtime_ns:ctime_ns when digested; the same again means the same bytes';
"""


def upgrade() -> None:
    migrate.execute("set local role pathways_loader")
    migrate.execute(FILE_SIGNATURE)


def downgrade() -> None:
    raise NotImplementedError("forward only: see pathways/migrate.py")

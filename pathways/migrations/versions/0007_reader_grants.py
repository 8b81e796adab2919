"""What analysts, partners and career leads may read; the career leads' login-to-school map."""

from pathways import migrate

revision = "0007_reader_grants"
down_revision = "0006_publication_pointer"
branch_labels = None
depends_on = None

READER_GRANTS = """
-- The analyst: pseudonymous layers.
grant usage on schema reference, marts, partner, quality to pathways_analyst;
grant select on all tables in schema reference, marts, partner, quality to pathways_analyst;

-- The partner: the published views, nothing else.
grant usage on schema partner to pathways_partner_reader;
grant select on all tables in schema partner to pathways_partner_reader;

-- Career leads: one login per school, mapped here; each sees only its own mapping row.
create table if not exists restricted.career_lead_login (
    login_role name primary key,
    school_urn text not null
);
alter table restricted.career_lead_login enable row level security;
drop policy if exists own_login on restricted.career_lead_login;
create policy own_login on restricted.career_lead_login for select
    using (login_role = current_user);
grant usage on schema restricted, career_lead to pathways_career_lead;
grant select on restricted.career_lead_login to pathways_career_lead;
"""


def upgrade() -> None:
    migrate.execute("set local role pathways_loader")
    migrate.execute(READER_GRANTS)


def downgrade() -> None:
    raise NotImplementedError("forward only: see pathways/migrate.py")

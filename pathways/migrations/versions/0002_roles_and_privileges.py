"""Who may do what (issue 7): the roles, what PUBLIC may no longer do, the loader's schemas.

  pathways_loader      writes raw/restricted, runs dbt: the only role that reads UPNs and names
  pathways_analyst     the star schema and marts (pseudonymous), the partner views, quality
  pathways_partner     the partner views only; no writing, no creating, a statement timeout
  pathways_partner_reader  group holding the partner views' grants: pathways_partner and
                       the organisations' logins partner_<name>
  pathways_career_lead group of the per-school logins career_lead_<URN>: their own school's
                       students only, through career_lead.my_students (row-level security)

Needs an administrator (a login that may create roles). Roles are the whole server's; the
rest is this database's. Objects an earlier release or an administrator made are handed to
the loader, so a warehouse from before the migrations upgrades."""

from pathways import migrate

revision = "0002_roles_and_privileges"
down_revision = "0001_run_lease"
branch_labels = None
depends_on = None

ROLES_AND_PRIVILEGES = """
do $roles$
declare
    wanted text[][] := array[
        ['pathways_loader', 'login'],
        ['pathways_analyst', 'login'],
        ['pathways_partner', 'login'],
        ['pathways_partner_reader', 'nologin'],
        ['pathways_career_lead', 'nologin']
    ];
    i integer;
begin
    for i in 1 .. array_length(wanted, 1) loop
        if not exists (select from pg_roles where rolname = wanted[i][1]) then
            execute format('create role %I %s', wanted[i][1], wanted[i][2]);
        end if;
    end loop;
end
$roles$;

alter role pathways_partner nosuperuser nocreatedb nocreaterole noreplication nobypassrls
    connection limit 20;
alter role pathways_partner set statement_timeout = '30s';
alter role pathways_partner set idle_in_transaction_session_timeout = '60s';
grant pathways_partner_reader to pathways_partner;
-- A partner may `set` its own timeouts to 0: while a run holds the warehouse the loader ends
-- partner sessions past these limits (pathways/publish/partner_limits.py), so it must see and
-- signal them.
grant pg_read_all_stats, pg_signal_backend to pathways_loader;
alter role pathways_analyst nosuperuser nocreatedb nocreaterole nobypassrls;
alter role pathways_analyst set statement_timeout = '5min';
alter role pathways_career_lead nosuperuser nocreatedb nocreaterole nobypassrls;

-- Every login may call the advisory-lock and large-object functions by default (PUBLIC). A
-- partner who takes one of Pathways' lock keys stalls every run; one who creates large objects
-- writes to the warehouse until the disk fills. In this database only the loader may call them
-- (an administrator always can). Function privileges are the database's own.
do $functions$
declare
    routine regprocedure;
begin
    for routine in
        select oid::regprocedure from pg_proc
        where pronamespace = 'pg_catalog'::regnamespace
            and (proname ~ '^pg_(try_)?advisory_' or proname ~ '^lo_' or proname in (
                'loread', 'lowrite'))
    loop
        execute format('revoke execute on function %s from public', routine);
        execute format('grant execute on function %s to pathways_loader', routine);
    end loop;
end
$functions$;

-- Every login may read the role catalogue and who is connected by default (PUBLIC): a partner
-- listed every login (career_lead_<URN>, other organisations' names) with an ad-hoc SQL metric
-- in Superset. In this database only the loader and whoever runs this migration may read them.
do $catalogue$
declare
    relation text;
begin
    foreach relation in array array[
        'pg_roles', 'pg_user', 'pg_group', 'pg_auth_members', 'pg_stat_activity'
    ]
    loop
        execute format('revoke select on pg_catalog.%I from public', relation);
        execute format('grant select on pg_catalog.%I to pathways_loader, %I', relation,
            current_user);
    end loop;
    -- The function behind pg_stat_activity answers the same question.
    revoke execute on function pg_catalog.pg_stat_get_activity(integer) from public;
    execute format('grant execute on function pg_catalog.pg_stat_get_activity(integer) to '
        'pathways_loader, %I', current_user);
end
$catalogue$;

-- Nobody gets anything by default: connecting, temporary tables and the public schema are
-- granted role by role.
do $database$
begin
    execute format('revoke all on database %I from public', current_database());
    execute format(
        'grant connect on database %I to pathways_loader, pathways_analyst, pathways_partner, '
        'pathways_career_lead', current_database());
    execute format('grant create, temporary on database %I to pathways_loader',
        current_database());
end
$database$;
revoke all on schema public from public;

-- The loader owns every schema and everything in it: it creates, replaces and drops what
-- it loads and builds without being a superuser. Objects an older release (or an
-- administrator) created are handed over, so the loader may replace them too.
do $ownership$
declare
    schemas text[] := array['raw', 'restricted', 'reference', 'staging', 'intermediate',
        'marts', 'disclosure', 'publication', 'published', 'partner', 'quality', 'career_lead',
        'control'];
    schema_name text;
    relation record;
    routine record;
begin
    foreach schema_name in array schemas loop
        execute format('create schema if not exists %I authorization pathways_loader',
            schema_name);
        execute format('alter schema %I owner to pathways_loader', schema_name);
    end loop;
    -- Each handover locks its relation exclusively until the migration commits. A partner's
    -- query locks a view, then what it reads, so relations are handed over in that order (a
    -- view before the views and tables beneath it): a reader and the migration then never
    -- each hold what the other waits for.
    for relation in
        with recursive reads_from as (
            select distinct rewrite.ev_class as reader, dependency.refobjid as read
            from pg_rewrite as rewrite
            inner join pg_depend as dependency
                on dependency.classid = 'pg_rewrite'::regclass
                    and dependency.objid = rewrite.oid
                    and dependency.refclassid = 'pg_class'::regclass
            where dependency.refobjid <> rewrite.ev_class
        ),
        depth as (
            select class.oid, 0 as below
            from pg_class as class
            where class.relnamespace::regnamespace::text = any(schemas)
            union all
            select reads_from.read, depth.below + 1
            from depth
            inner join reads_from on depth.oid = reads_from.reader
        )
        select namespace.nspname as schema_name, class.relname as name,
            case class.relkind when 'v' then 'view' when 'm' then 'materialized view'
                when 'S' then 'sequence' else 'table' end as kind
        from pg_class as class
        inner join pg_namespace as namespace on class.relnamespace = namespace.oid
        inner join (select oid, max(below) as below from depth group by oid) as lock_order
            on class.oid = lock_order.oid
        where namespace.nspname = any(schemas)
            and class.relkind in ('r', 'p', 'v', 'm', 'S', 'f')
            and class.relowner <> 'pathways_loader'::regrole
            -- a sequence owned by a column moves with its table
            and not exists (select from pg_depend as dependency
                where dependency.objid = class.oid and dependency.deptype in ('a', 'i')
                    and class.relkind = 'S')
        order by lock_order.below, class.oid
    loop
        execute format('alter %s %I.%I owner to pathways_loader',
            relation.kind, relation.schema_name, relation.name);
    end loop;
    for routine in
        select procedure.oid::regprocedure as signature
        from pg_proc as procedure
        inner join pg_namespace as namespace on procedure.pronamespace = namespace.oid
        where namespace.nspname = any(schemas)
            and procedure.proowner <> 'pathways_loader'::regrole
    loop
        execute format('alter routine %s owner to pathways_loader', routine.signature);
    end loop;
end
$ownership$;

-- What the loader creates from here on is granted by these default privileges, so a rebuild
-- never leaves an analyst or a partner without access.
alter default privileges for role pathways_loader in schema reference, marts, partner, quality
    grant select on tables to pathways_analyst;
alter default privileges for role pathways_loader in schema partner
    grant select on tables to pathways_partner_reader;
"""


def upgrade() -> None:
    migrate.execute(ROLES_AND_PRIVILEGES)


def downgrade() -> None:
    raise NotImplementedError("forward only: see pathways/migrate.py")

-- Run in every pipeline run, after the migrations (pathways/migrations: the roles, the tables
-- and their standing grants): what follows the warehouse's contents or is not copied with it.
-- Idempotent.

-- A database's own privileges: a warehouse cloned from another (create database ... template)
-- does not copy them.
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

-- One login per programme school (created without a password: an administrator sets one, or
-- the server's authentication rules decide). Creating roles is the administrator's part.
reset role;
do $career_leads$
declare
    school record;
    login name;
begin
    if to_regclass('marts.dim_school') is null then
        return;
    end if;
    for school in select school_urn from marts.dim_school loop
        login := 'career_lead_' || school.school_urn;
        if not exists (select from pg_roles where rolname = login) then
            execute format('create role %I login in role pathways_career_lead', login);
        end if;
        execute format('alter role %I set statement_timeout = %L', login, '30s');
        insert into restricted.career_lead_login (login_role, school_urn)
        values (login, school.school_urn)
        on conflict (login_role) do update set school_urn = excluded.school_urn;
    end loop;
end
$career_leads$;

-- The career-lead detail (career_lead_detail.sql) follows, as the loader.
set local role pathways_loader;

-- Run by the access migration and, as the loader, after a build that changed the detail's
-- columns (career_lead_detail.deliver).
-- Career leads read a delivered copy of the detail table, refreshed only after a successful
-- build (career_lead_detail.deliver): dbt drops and recreates its own table, and a
-- failed build must leave career leads the rows of the last good one, with their policy.
do $detail$
begin
    if to_regclass('restricted.career_lead_students') is null then
        return;
    end if;
    if to_regclass('restricted.career_lead_students_delivered') is null then
        create table restricted.career_lead_students_delivered
            (like restricted.career_lead_students);
        insert into restricted.career_lead_students_delivered
            select * from restricted.career_lead_students;
    end if;
    alter table restricted.career_lead_students_delivered enable row level security;
    drop policy if exists own_school on restricted.career_lead_students_delivered;
    create policy own_school on restricted.career_lead_students_delivered for select
        using (school_urn in (select login.school_urn from restricted.career_lead_login as login));
    grant select on restricted.career_lead_students_delivered to pathways_career_lead;
    -- security_invoker: the view reads as the career lead, so the policy applies to them.
    create or replace view career_lead.my_students with (security_invoker = true) as
        select * from restricted.career_lead_students_delivered;
    grant select on career_lead.my_students to pathways_career_lead;
end
$detail$;

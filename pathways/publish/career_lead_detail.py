"""The career leads' detail, delivered only after a build succeeded.

dbt rebuilds restricted.career_lead_students in place, whatever the build's outcome later;
career leads read a copy (restricted.career_lead_students_delivered, through
career_lead.my_students and its row policy: career_lead_detail.sql), refreshed here, so a failed
build leaves them the rows of the last good one.
"""

from __future__ import annotations

from pathlib import Path

DETAIL_SQL = Path(__file__).with_name("career_lead_detail.sql")

# The detail is built per changed cycle, each row stamped with its build's time (a renamed
# student's earlier rows too): a cycle built since it was delivered (or gone since) is delivered
# again, the others stay as they are.
REDELIVER_CHANGED_CYCLES = """
with changed as (
    select coalesce(built.cohort, given.cohort) as cohort,
        coalesce(built.cycle, given.cycle) as cycle
    from (
        select cohort, cycle, max(built_at) as built_at
        from restricted.career_lead_students group by cohort, cycle
    ) as built
    full join (
        select cohort, cycle, max(built_at) as built_at
        from restricted.career_lead_students_delivered group by cohort, cycle
    ) as given on built.cohort = given.cohort and built.cycle = given.cycle
    where built.built_at is distinct from given.built_at
),
withdrawn as (
    delete from restricted.career_lead_students_delivered
    where (cohort, cycle) in (select changed.cohort, changed.cycle from changed)
)
insert into restricted.career_lead_students_delivered
select * from restricted.career_lead_students
where (cohort, cycle) in (select changed.cohort, changed.cycle from changed)
"""


def deliver(url: str) -> None:
    """After a successful build: career leads' view shows the new detail rows, in one step.

    A release that changes the detail's columns recreates the delivered table and the view in
    the same transaction; otherwise the rows of the cycles the build changed are replaced and
    readers never wait.
    """
    import psycopg

    with psycopg.connect(url) as conn:
        shapes = conn.execute(
            """
            select table_name, array_agg(column_name::text || ' ' || data_type
                                         order by ordinal_position)
            from information_schema.columns
            where table_schema = 'restricted'
              and table_name in ('career_lead_students', 'career_lead_students_delivered')
            group by table_name
            """
        ).fetchall()
        shape = dict(shapes)
        if "career_lead_students" not in shape:
            return
        if shape.get("career_lead_students_delivered") != shape["career_lead_students"]:
            conn.execute("drop view if exists career_lead.my_students")
            conn.execute("drop table if exists restricted.career_lead_students_delivered")
            conn.execute(DETAIL_SQL.read_text())  # table, policy and view, anew
            return
        conn.execute(REDELIVER_CHANGED_CYCLES)

"""The raw and restricted tables ingestion loads (lineage: file_id, line_number).

raw:        validated, pseudonymous rows exactly as delivered, with lineage
restricted: personal data (UPN, names, date of birth, free text) and row rejects, which quote
            the offending values; only the loader role may read it.
Written to find a contract 1.0 or 1.1 warehouse's tables and add what later contracts need."""

from pathways import migrate

revision = "0003_raw_and_restricted"
down_revision = "0002_roles_and_privileges"
branch_labels = None
depends_on = None

RAW_AND_RESTRICTED = """
create schema if not exists raw;
create schema if not exists restricted;

-- A fingerprint of the pseudonym key the warehouse was first loaded with: loading with another
-- key would make every student a stranger to their own history, so ingestion refuses it.
create table if not exists raw.pseudonym_key (
    fingerprint text not null,
    first_used_at timestamptz not null default clock_timestamp(),
    only_one_row boolean primary key default true check (only_one_row)
);

-- One row per load of a landed file: lineage and the audit of what happened to its rows.
create table if not exists raw.file_load (
    file_id           bigint generated always as identity primary key,
    source_path       text        not null,  -- relative to the landing root
    extract_kind      text,                  -- schools | roster | interviews | destinations
                                             -- | comparison | survey
    cohort            integer,
    cycle             integer,
    file_key          text,                  -- the URN of a roster, the adviser of interviews
    sha256            text        not null,
    size_bytes        bigint      not null,
    -- When the warehouse first saw these bytes at this path (contract 1.2 section 1): the start
    -- of that load. The file's own time only orders files first seen in one load.
    delivered_at      timestamptz not null,
    modified_at       timestamptz,           -- the file's modification time, as it landed
    delivery_order    bigint,                -- first sight, then file time, then path: the
                                             -- later delivery has the larger number
    loaded_at         timestamptz not null default clock_timestamp(),
    status            text        not null check (status in ('loaded', 'quarantined')),
    quarantine_reason text,
    rows_read         integer     not null default 0,
    rows_loaded       integer     not null default 0,
    rows_rejected     integer     not null default 0,
    warnings          integer     not null default 0,
    is_current        boolean     not null default true,
    superseded_at     timestamptz,
    constraint every_row_accounted_for check (rows_read = rows_loaded + rows_rejected)
);
create unique index if not exists file_load_one_current_per_path
    on raw.file_load (source_path) where is_current;
-- Warehouses loaded before contract 1.2 kept the file time as the delivery time: their order.
alter table raw.file_load add column if not exists modified_at timestamptz;
alter table raw.file_load add column if not exists delivery_order bigint;
do $delivery_order$
begin
    if exists (select from raw.file_load where delivery_order is null) then
        update raw.file_load as file_load
        set modified_at = coalesce(file_load.modified_at, file_load.delivered_at),
            delivery_order = earlier.delivery_order
        from (
            select file_id, row_number() over (
                order by delivered_at, source_path collate "C", file_id) as delivery_order
            from raw.file_load
        ) as earlier
        where earlier.file_id = file_load.file_id and file_load.delivery_order is null;
    end if;
end
$delivery_order$;

create or replace view raw.quarantined_file as
select file_id, source_path, sha256, delivered_at, loaded_at, quarantine_reason
from raw.file_load
where status = 'quarantined' and is_current;

create table if not exists raw.load_warning (
    file_id     bigint  not null,
    line_number integer not null,
    column_name text,
    value       text,
    message     text    not null
);
create index if not exists load_warning_file on raw.load_warning (file_id);

create table if not exists restricted.rejected_row (
    file_id     bigint  not null,
    line_number integer not null,
    column_name text,
    value       text,
    reason      text    not null
);
create index if not exists rejected_row_file on restricted.rejected_row (file_id);

create table if not exists raw.school (
    file_id     bigint  not null,
    line_number integer not null,
    cohort      integer not null,
    urn         text    not null,
    school_name text    not null,
    la_code     text    not null
);
create index if not exists school_file on raw.school (file_id);
-- Contract 1.2: all pupils on roll in the school's Year 11, for the value of a NEET point.
alter table raw.school add column if not exists year11_pupils integer;

create table if not exists raw.roster (
    file_id        bigint   not null,
    line_number    integer  not null,
    cohort         integer  not null,
    cycle          integer  not null,
    school_urn     text     not null,
    student_key    text     not null,  -- keyed pseudonym of the UPN
    gender         text     not null,
    year_group     smallint not null,
    sen_status     text     not null,
    disadvantaged  text     not null,
    attendance_pct numeric(5, 2)
);
create index if not exists roster_file on raw.roster (file_id);
-- Who is on which school's roster in a cycle: the interview loader's roster check probes it
-- (a whole cycle nationally is 620,000 rows; without it, the check is quadratic).
drop index if exists raw.roster_cycle;
create index if not exists roster_member on raw.roster (cohort, cycle, school_urn, student_key);
-- Who is a programme student of a cohort: the destinations loader's check probes it.
create index if not exists roster_student on raw.roster (cohort, student_key);

create table if not exists restricted.roster_identity (
    file_id       bigint  not null,
    line_number   integer not null,
    student_key   text    not null,
    upn           text    not null,
    forename      text    not null,
    surname       text    not null,
    date_of_birth date    not null
);
create index if not exists roster_identity_file on restricted.roster_identity (file_id);

create table if not exists raw.interview (
    file_id               bigint   not null,
    line_number           integer  not null,
    cohort                integer  not null,
    cycle                 integer  not null,
    student_key           text     not null,
    school_urn            text     not null,
    interview_date        date     not null,
    adviser_id            text     not null,
    mode                  text     not null,
    preferred_sector      text     not null,
    post16_plan           text     not null,
    k_english_maths       smallint,
    k_fe_options          smallint,
    k_career_information  smallint,
    k_sixth_form          smallint,
    k_apprenticeships     smallint,
    k_traineeships        smallint,
    k_training_providers  smallint,
    k_t_levels            smallint,
    k_higher_education    smallint,
    k_labour_market       smallint,
    k_employability       smallint,
    k_applications        smallint,
    neet_risk             text     not null,
    predicted_destination text     not null,
    interventions         text      -- ';'-separated intervention codes, sorted
);
create index if not exists interview_file on raw.interview (file_id);
create index if not exists interview_cycle on raw.interview (cohort, cycle);

create table if not exists restricted.interview_note (
    file_id     bigint  not null,
    line_number integer not null,
    student_key text    not null,
    job_type    text,
    action_plan text
);
create index if not exists interview_note_file on restricted.interview_note (file_id);

-- A second interview for the same student, cohort and cycle: the one from the file delivered
-- last wins (delivery_order; then the later line). version_rank = 1 is the winner; this
-- view is the single place that rule lives, and dbt reads it.
create or replace view raw.interview_version as
select
    interview.*,
    file_load.delivered_at,
    row_number() over (
        partition by interview.cohort, interview.cycle, interview.student_key
        order by file_load.delivery_order desc, interview.file_id desc, interview.line_number desc
    ) as version_rank
from raw.interview
join raw.file_load using (file_id);

create or replace view raw.interview_conflict as
select
    loser.cohort, loser.cycle, loser.student_key,
    loser.file_id as superseded_file_id, loser.line_number as superseded_line_number,
    winner.file_id as winning_file_id, winner.line_number as winning_line_number
from raw.interview_version as loser
join raw.interview_version as winner
    on winner.cohort = loser.cohort and winner.cycle = loser.cycle
    and winner.student_key = loser.student_key and winner.version_rank = 1
where loser.version_rank > 1;

-- Destinations (contract section 8): one activity per student and month, sent by each local
-- authority after Year 11; the provider (free text) is restricted.
create table if not exists raw.destination (
    file_id        bigint  not null,
    line_number    integer not null,
    cohort         integer not null,
    la_code        text    not null,  -- the local authority that sent the file
    student_key    text    not null,
    activity_month date    not null,  -- the first day of the month
    activity       text    not null,  -- a destination_activities code
    nccis_code     text               -- as delivered, when it was
);
create index if not exists destination_file on raw.destination (file_id);
create index if not exists destination_cohort on raw.destination (cohort, student_key);

create table if not exists restricted.destination_provider (
    file_id     bigint  not null,
    line_number integer not null,
    student_key text    not null,
    provider    text    not null
);
create index if not exists destination_provider_file on restricted.destination_provider (file_id);

create table if not exists raw.destination_comparison (
    file_id               bigint        not null,
    line_number           integer       not null,
    cohort                integer       not null,
    la_code               text          not null,
    pct_neet_or_not_known numeric(5, 2) not null
);
create index if not exists destination_comparison_file on raw.destination_comparison (file_id);
-- Contract 1.2: NEET and not known apart, per characteristic. A 1.1 row (the combined rate
-- only) is characteristic `all` with the two apart unknown; a 1.2 row keeps the combined rate
-- NULL (it is their sum: stg_raw__destination_comparisons adds them exactly).
alter table raw.destination_comparison
    add column if not exists characteristic text not null default 'all';
alter table raw.destination_comparison add column if not exists pct_neet numeric;
alter table raw.destination_comparison add column if not exists pct_not_known numeric;
alter table raw.destination_comparison alter column pct_neet_or_not_known drop not null;

-- The programme's follow-up survey after Year 11 (contract 1.2 section 8): one answer per
-- student and file; across survey.csv and survey.xlsx the file delivered last wins.
create table if not exists raw.survey (
    file_id                bigint  not null,
    line_number            integer not null,
    cohort                 integer not null,
    student_key            text    not null,
    survey_date            date    not null,
    happy_with_destination text    not null  -- Y, N or U (unsure)
);
create index if not exists survey_file on raw.survey (file_id);

-- As for interviews: a second activity for the same student and month, the file delivered
-- last wins (then the later file, then the later line); the losers are the conflicts.
create or replace view raw.destination_version as
select
    destination.*,
    file_load.delivered_at,
    row_number() over (
        partition by destination.cohort, destination.student_key, destination.activity_month
        order by file_load.delivery_order desc, destination.file_id desc,
            destination.line_number desc
    ) as version_rank
from raw.destination
join raw.file_load using (file_id);

create or replace view raw.destination_conflict as
select
    loser.cohort, loser.student_key, loser.activity_month,
    loser.activity as superseded_activity, winner.activity as winning_activity,
    loser.file_id as superseded_file_id, loser.line_number as superseded_line_number,
    winner.file_id as winning_file_id, winner.line_number as winning_line_number
from raw.destination_version as loser
join raw.destination_version as winner
    on winner.cohort = loser.cohort and winner.student_key = loser.student_key
    and winner.activity_month = loser.activity_month and winner.version_rank = 1
where loser.version_rank > 1;
"""


def upgrade() -> None:
    migrate.execute("set local role pathways_loader")  # the loader owns what it loads
    migrate.execute(RAW_AND_RESTRICTED)


def downgrade() -> None:
    raise NotImplementedError("forward only: see pathways/migrate.py")

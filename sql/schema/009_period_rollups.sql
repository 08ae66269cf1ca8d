-- Schema version 9: member × active week and member × active month rollups (SPEC §9 speed
-- targets), so the weekly and monthly retention matrix and lifecycle count rows instead of
-- distinct members per period. One row per member and week (month) with at least one
-- active day:
--   period        the first day of the week (a Monday) or month
--   prev_period   the member's previous active week (month), null when none
--   next_period   the member's next active week (month), null when none
--   first_day     the member's first active day (first-activity cohorts)
--   signup_day, region, device, tier, channel  the member's current attributes (kept equal
--                 to members by core.rollups.sync_member_attributes)
-- Built from member_day by core/period_rollups.py (sql/refresh/member_period.sql) on every
-- refresh, after member_day; filled when the store is next opened for writing.
create table member_week (
    member_key integer not null,
    period date not null,
    prev_period date,
    next_period date,
    first_day date,
    signup_day date,
    region varchar,
    device varchar,
    tier varchar,
    channel varchar
);

create table member_month (
    member_key integer not null,
    period date not null,
    prev_period date,
    next_period date,
    first_day date,
    signup_day date,
    region varchar,
    device varchar,
    tier varchar,
    channel varchar
);

insert or replace into meta values ('rollup_pending:member_week', 'true');

insert or replace into meta values ('rollup_pending:member_month', 'true');

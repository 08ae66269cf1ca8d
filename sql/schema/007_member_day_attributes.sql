-- Schema version 7: the member_day rollup carries what the dashboards would otherwise join
-- or window for at query time (SPEC §9 speed targets):
--   prev_day, next_day  the member's previous / next active day (null when none)
--   first_day           the member's first active day
--   signup_day          the member's signup date
--   region, device, tier, channel  the member's current attributes, so the global filters
--                       are column predicates on the rollup instead of a join to members
-- core/rollups.py maintains them: built with the rollup on refresh (incrementally after an
-- import) and kept equal to members' attributes whenever a member's tier or profile changes.
-- Existing rows are filled here once.
alter table member_day add column prev_day date;
alter table member_day add column next_day date;
alter table member_day add column first_day date;
alter table member_day add column signup_day date;
alter table member_day add column region varchar;
alter table member_day add column device varchar;
alter table member_day add column tier varchar;
alter table member_day add column channel varchar;

update member_day
set
    prev_day = chained.prev_day,
    next_day = chained.next_day,
    first_day = chained.first_day
from (
    select
        member_key,
        day,
        lag(day) over (partition by member_key order by day) as prev_day,
        lead(day) over (partition by member_key order by day) as next_day,
        min(day) over (partition by member_key) as first_day
    from member_day
) as chained
where chained.member_key = member_day.member_key and chained.day = member_day.day;

update member_day
set
    signup_day = cast(members.signup_at as date),
    region = members.region,
    device = members.device,
    tier = members.tier,
    channel = members.channel
from members
where members.member_key = member_day.member_key;

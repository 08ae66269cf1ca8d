-- Schema version 8: rollups of the raw events for the funnel, time-of-day and search views
-- (SPEC §9 speed targets, issue 8), built by core/event_rollups.py on refresh (incrementally
-- after an import) and carrying the member's current attributes (signup_day, region, device,
-- tier, channel; kept equal to members' by core.rollups.sync_member_attributes):
--   funnel_day   one row per funnel chain and day with funnel events: chain 'member' (all of
--                a member's events), 'member_device' (a member's events on one device,
--                event_device = the event's device or ''), 'session' (a session's events of
--                one member on one device); steps_from_s = steps reached at the day's end
--                after s before it; prev_day = the chain's previous day; reach_k = the day
--                the chain reaches step k when it starts on this day (null: never); shared =
--                the session has more than one chain (read from events by the funnel)
--   member_hour  events per member, day and hour of day; prev_slot_day = the member's
--                previous day with an event in the same weekday and hour
--   search_day   searches per member, day and trimmed keyword; prev_day = the member's
--                previous day searching the keyword
-- Existing stores have them built in full right after the migrations (rollup_pending).
create table funnel_day (
    chain varchar not null,
    member_key integer not null,
    event_device varchar,
    session_id varchar,
    day date not null,
    steps_from_0 utinyint not null,
    steps_from_1 utinyint not null,
    steps_from_2 utinyint not null,
    steps_from_3 utinyint not null,
    prev_day date,
    reach_1 date,
    reach_2 date,
    reach_3 date,
    reach_4 date,
    shared boolean not null,
    signup_day date,
    region varchar,
    device varchar,
    tier varchar,
    channel varchar
);

create table member_hour (
    member_key integer not null,
    day date not null,
    hour utinyint not null,
    events integer not null,
    prev_slot_day date,
    signup_day date,
    region varchar,
    device varchar,
    tier varchar,
    channel varchar
);

create table search_day (
    member_key integer not null,
    day date not null,
    keyword varchar not null,
    searches integer not null,
    prev_day date,
    signup_day date,
    region varchar,
    device varchar,
    tier varchar,
    channel varchar
);

insert or replace into meta values ('rollup_pending:funnel_day', 'true');
insert or replace into meta values ('rollup_pending:member_hour', 'true');
insert or replace into meta values ('rollup_pending:search_day', 'true');

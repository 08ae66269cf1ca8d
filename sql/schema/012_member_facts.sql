-- Schema version 12: per-member facts the channel table needs, computed once per refresh
-- rather than by joining every signup to its orders at query time (SPEC §9):
--   activated_7d  a paid order within 7 days (168 h) of signing up
--   revenue_90d   paid revenue within 90 days of signing up
-- with the member's attributes for the global filter (kept equal to members by
-- core.rollups.sync_member_attributes). Rebuilt in full by core/rollups.py on every
-- refresh (sql/refresh/member_facts.sql); filled when the store is next opened for writing.
create table member_facts (
    member_key integer not null,
    signup_at timestamp,
    activated_7d boolean not null,
    revenue_90d decimal(18, 2) not null,
    signup_day date,
    region varchar,
    device varchar,
    tier varchar,
    channel varchar
);

insert or replace into meta values ('rollup_pending:member_facts', 'true');

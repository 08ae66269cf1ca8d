-- Schema version 15: tier_history as spans (SPEC §9 speed targets): one row per tier a
-- member held, from the change that gave it to the next change (valid_to null = still
-- held), with the member's current attributes for the global filter. Tier-over-time and
-- migration views count spans instead of windowing tier_history and joining members.
-- Rebuilt in full by core/rollups.py on refresh (after the tier recompute) and after every
-- tier change made outside a refresh (override, tier rules); filled when the store is next
-- opened for writing.
create table tier_spans (
    member_key integer not null,
    to_tier varchar not null,
    valid_from timestamp not null,
    valid_to timestamp,
    signup_day date,
    region varchar,
    device varchar,
    tier varchar,
    channel varchar
);

insert or replace into meta values ('rollup_pending:tier_spans', 'true');

-- Schema version 10: paid orders with what the revenue and tier views would otherwise
-- join or window for at query time (SPEC §9 speed targets): the member's previous paid
-- order, the tier held when paying, and the member's current attributes, so those queries
-- filter on columns instead of joining the 1 M-row members table. Built from orders by
-- core/rollups.py (sql/refresh/paid_orders.sql) on every refresh, attributes kept equal to
-- members' by core.rollups.sync_member_attributes. Filled when the store is next opened
-- for writing (core.store runs the rollup builds a migration asks for).
create table paid_orders (
    member_key integer not null,
    day date not null,              -- the paid day
    paid_at timestamp not null,
    amount decimal(18, 2) not null,
    discount_amount decimal(18, 2) not null,
    category varchar,
    prev_paid_at timestamp,         -- the member's previous paid order
    tier_at_paid varchar not null,  -- the tier the member held when paying
    signup_day date,
    region varchar,
    device varchar,
    tier varchar,
    channel varchar
);

insert or replace into meta values ('rollup_pending:paid_orders', 'true');

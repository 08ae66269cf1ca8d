-- Schema version 10: paid orders with the member's current attributes (SPEC §9 speed
-- targets), so revenue, buyer and LTV queries filter on columns instead of joining the
-- 1 M-row members table. Rebuilt from orders on every refresh by core/rollups.py, attributes
-- kept equal to members' by core.rollups.sync_member_attributes. Filled here once.
create table paid_orders (
    member_key integer not null,
    day date not null,              -- the paid day
    paid_at timestamp not null,
    amount decimal(18, 2) not null,
    discount_amount decimal(18, 2) not null,
    category varchar,
    signup_day date,
    region varchar,
    device varchar,
    tier varchar,
    channel varchar
);

insert into paid_orders
select
    orders.member_key,
    cast(orders.paid_at as date),
    orders.paid_at,
    orders.amount,
    orders.discount_amount,
    orders.category,
    cast(members.signup_at as date),
    members.region,
    members.device,
    members.tier,
    members.channel
from orders
left join members on members.member_key = orders.member_key
where orders.status = 'paid'
order by orders.paid_at, orders.member_key;

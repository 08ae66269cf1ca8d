-- Paid orders with the member's current attributes (sql/schema/010_paid_orders.sql), in
-- paid-time order so the day zone maps prune period filters.
select
    orders.member_key,
    cast(orders.paid_at as date) as day,
    orders.paid_at,
    orders.amount,
    orders.discount_amount,
    orders.category,
    cast(members.signup_at as date) as signup_day,
    members.region,
    members.device,
    members.tier,
    members.channel
from orders
left join members on members.member_key = orders.member_key
where orders.status = 'paid'
order by orders.paid_at, orders.member_key

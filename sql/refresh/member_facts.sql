-- Per-member facts for the channel table (sql/schema/012_member_facts.sql): whether the
-- member paid within 7 days (168 h) of signing up and the paid revenue within 90 days, with
-- the member's current attributes; in signup order so period filters prune by zone maps.
with outcomes as (
    select
        members.member_key,
        bool_or(orders.paid_at < members.signup_at + interval 7 day) as activated_7d,
        sum(orders.amount) filter (
            where orders.paid_at < members.signup_at + interval 90 day
        ) as revenue_90d
    from members
    join orders
        on orders.member_key = members.member_key
        and orders.status = 'paid'
        and orders.paid_at >= members.signup_at
    group by members.member_key
)

select
    members.member_key,
    members.signup_at,
    coalesce(outcomes.activated_7d, false) as activated_7d,
    coalesce(outcomes.revenue_90d, 0) as revenue_90d,
    cast(members.signup_at as date) as signup_day,
    members.region,
    members.device,
    members.tier,
    members.channel
from members
left join outcomes on outcomes.member_key = members.member_key
order by members.signup_at, members.member_key

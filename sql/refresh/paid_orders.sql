-- Paid orders with what the tier and revenue views would otherwise join or window for at
-- query time (sql/schema/010_paid_orders.sql): the member's previous paid order, the tier
-- the member held when paying (replaying tier_history; 'normal' before any change) and the
-- member's current attributes; in paid-time order so period filters prune by zone maps.
-- Built after the tier recompute of a refresh, so tier_at_paid sees every tier change.
with paid as (
    select
        orders.member_key,
        orders.paid_at,
        orders.amount,
        orders.discount_amount,
        orders.category,
        lag(orders.paid_at) over (
            partition by orders.member_key order by orders.paid_at
        ) as prev_paid_at
    from orders
    where orders.status = 'paid'
),

spans as (
    select
        member_key,
        to_tier,
        changed_at as valid_from,
        coalesce(
            lead(changed_at) over (partition by member_key order by changed_at),
            timestamp '9999-12-31'
        ) as valid_to
    from tier_history
),

final as (
    select
        paid.member_key,
        cast(paid.paid_at as date) as day,
        paid.paid_at,
        paid.amount,
        paid.discount_amount,
        paid.category,
        paid.prev_paid_at,
        coalesce(spans.to_tier, 'normal') as tier_at_paid,
        cast(members.signup_at as date) as signup_day,
        members.region,
        members.device,
        members.tier,
        members.channel
    from paid
    left join spans
        on spans.member_key = paid.member_key
        and spans.valid_from <= paid.paid_at
        and spans.valid_to > paid.paid_at
    left join members on members.member_key = paid.member_key
)

select * from final
order by paid_at, member_key

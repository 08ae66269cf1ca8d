-- Expected discount cost of the last 12 months' paid orders (before $as_of), each order at
-- its member's tier: now (current tier at the current discount, _rules_now) and under the
-- proposed rules (new tier from _whatif at the proposed discount, in tiers). An order's
-- discount cost is amount x (1 - discount): a 0.90 multiplier on 100 gives 10.
with recent_orders as (
    select member_key, amount
    from orders
    where status = 'paid'
        and paid_at < $as_of
        and paid_at >= $as_of - interval 12 month
),

costed as (
    select
        o.amount * (1 - rules_now.discount) as cost_now,
        o.amount * (1 - rules_new.discount) as cost_new
    from recent_orders as o
    join _whatif as w on w.member_key = o.member_key
    join _rules_now as rules_now on rules_now.tier_code = w.current_tier
    join tiers as rules_new on rules_new.tier_code = w.new_tier
),

final as (
    select
        count(*) as orders,
        coalesce(sum(cost_now), 0) as cost_now,
        coalesce(sum(cost_new), 0) as cost_new
    from costed
)

select * from final

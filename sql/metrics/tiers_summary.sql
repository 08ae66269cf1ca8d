-- Per tier over [$start, $end], for the members in the filter scope, each paid order
-- attributed to the tier its member held when paying (replaying tier_history): orders,
-- revenue, discount cost (discount_amount) and the median repurchase interval in days
-- (between a member's paid order in the period and their previous paid order, by paid day).
with bounds as (
    select cast($start as date) as start_day, cast($end as date) as end_day
),

-- the paid_orders rollup carries each order's previous paid order of the same member and
-- the tier held when paying (tier_history replayed at build time)
attributed as (
    select
        orders.tier_at_paid as tier_code,
        orders.amount,
        orders.discount_amount,
        orders.day - cast(orders.prev_paid_at as date) as days_since_previous
    from paid_orders as orders
    cross join bounds
    where orders.day between bounds.start_day and bounds.end_day
      and member_in_scope(
          orders.region, orders.device, orders.tier, orders.channel,
          orders.member_key, $regions, $devices, $tiers, $channels, $segment
      )
),

final as (
    select
        tier_code,
        count(*) as orders,
        sum(amount) as revenue,
        sum(discount_amount) as discount_cost,
        median(days_since_previous) as median_repurchase_days,
        count(days_since_previous) as repurchases
    from attributed
    group by tier_code
)

select
    tiers.tier_code,
    tiers.rank,
    coalesce(final.orders, 0) as orders,
    coalesce(final.revenue, 0) as revenue,
    coalesce(final.discount_cost, 0) as discount_cost,
    coalesce(final.repurchases, 0) as repurchases,
    final.median_repurchase_days
from tiers
left join final on final.tier_code = tiers.tier_code
order by tiers.rank

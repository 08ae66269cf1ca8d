-- Per tier over [$start, $end], for the members in the filter scope, each paid order
-- attributed to the tier its member held when paying (replaying tier_history): orders,
-- revenue, discount cost (discount_amount) and the median repurchase interval in days
-- (between a member's paid order in the period and their previous paid order, by paid day).
with bounds as (
    select cast($start as date) as start_day, cast($end as date) as end_day
),

scoped_members as (
    select member_key
    from members
    where (len($regions::varchar[]) = 0 or list_contains($regions::varchar[], region))
      and (len($devices::varchar[]) = 0 or list_contains($devices::varchar[], device))
      and (len($tiers::varchar[]) = 0 or list_contains($tiers::varchar[], tier))
      and (len($channels::varchar[]) = 0 or list_contains($channels::varchar[], channel))
      and ($segment::integer is null or member_key in (
          select segment_members.member_key from segment_members
          where segment_members.segment_id = $segment::integer
      ))
),

paid as (
    select
        orders.member_key,
        orders.paid_at,
        orders.amount,
        orders.discount_amount,
        cast(orders.paid_at as date)
            - cast(lag(orders.paid_at) over (
                partition by orders.member_key order by orders.paid_at
            ) as date) as days_since_previous
    from orders
    semi join scoped_members on scoped_members.member_key = orders.member_key
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
    semi join scoped_members on scoped_members.member_key = tier_history.member_key
),

attributed as (
    select paid.*, coalesce(spans.to_tier, 'normal') as tier_code
    from paid
    cross join bounds
    left join spans
        on spans.member_key = paid.member_key
        and spans.valid_from <= paid.paid_at
        and spans.valid_to > paid.paid_at
    where cast(paid.paid_at as date) between bounds.start_day and bounds.end_day
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

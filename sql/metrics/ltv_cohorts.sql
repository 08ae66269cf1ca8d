-- LTV: cumulative paid revenue per cohort member by months since signup. Cohorts are the
-- members in the filter scope by signup month, from the month holding $start to $end,
-- optionally per $dimension ('none', 'tier', 'channel', 'device'). Months since signup are
-- calendar months (0 = the signup month). Non-buyers stay in the denominator. A cell is
-- complete when its month has ended by $as_of; incomplete cells have no revenue (empty).
with bounds as (
    select
        cast(date_trunc('month', cast($start as date)) as date) as first_cohort,
        cast($end as date) as end_day,
        cast($as_of as date) as as_of_day
),

scoped_members as (
    select
        member_key,
        cast(date_trunc('month', signup_at) as date) as cohort,
        coalesce(case $dimension
            when 'tier' then tier
            when 'channel' then channel
            when 'device' then device
            else 'all'
        end, '') as grp
    from members
    cross join bounds
    where member_in_scope(
        region, device, tier, channel, member_key,
        $regions, $devices, $tiers, $channels, $segment
    )
      and cast(signup_at as date) >= bounds.first_cohort
      and cast(date_trunc('month', signup_at) as date) <= bounds.end_day
),

-- paid revenue per cohort month and month since signup, read from the paid_orders rollup
-- (the member's signup day and attributes are on each order: no join to members)
monthly_revenue as (
    select
        coalesce(case $dimension
            when 'tier' then orders.tier
            when 'channel' then orders.channel
            when 'device' then orders.device
            else 'all'
        end, '') as grp,
        cast(date_trunc('month', orders.signup_day) as date) as cohort,
        (year(orders.paid_at) - year(orders.signup_day)) * 12
            + month(orders.paid_at) - month(orders.signup_day) as months_since_signup,
        sum(orders.amount) as revenue
    from paid_orders as orders
    cross join bounds
    where orders.day <= bounds.as_of_day
      and orders.signup_day >= bounds.first_cohort
      and cast(date_trunc('month', orders.signup_day) as date) <= bounds.end_day
      and member_in_scope(
          orders.region, orders.device, orders.tier, orders.channel,
          orders.member_key, $regions, $devices, $tiers, $channels, $segment
      )
    group by all
),

cohort_sizes as (
    select grp, cohort, count(*) as members
    from scoped_members
    group by grp, cohort
),

grid as (
    select
        cohort_sizes.grp,
        cohort_sizes.cohort,
        cohort_sizes.members,
        months.months_since_signup,
        cast(cohort_sizes.cohort + (months.months_since_signup + 1) * interval 1 month
            - interval 1 day as date) <= bounds.as_of_day as complete
    from cohort_sizes
    cross join bounds
    cross join (select unnest(range(0, $max_months + 1)) as months_since_signup) as months
),

cumulative as (
    select
        grid.*,
        sum(coalesce(monthly_revenue.revenue, 0)) over (
            partition by grid.grp, grid.cohort order by grid.months_since_signup
        ) as cumulative_revenue
    from grid
    left join monthly_revenue
        on monthly_revenue.grp = grid.grp
        and monthly_revenue.cohort = grid.cohort
        and monthly_revenue.months_since_signup = grid.months_since_signup
)

select
    grp as "group",
    cohort,
    months_since_signup,
    members,
    case when complete then cumulative_revenue end as revenue,
    case when complete then cumulative_revenue / members end as ltv
from cumulative
order by "group", cohort, months_since_signup

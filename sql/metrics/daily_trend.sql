-- Per day of the period [$start, $end]: active members (DAU), paid orders and revenue of
-- the members in the filter scope. Every day of the period has a row (zero is a real zero
-- here: $end is never after the as-of date).
with bounds as (
    select cast($start as date) as start_day, cast($end as date) as end_day
),

period_days as (
    select cast(generate_series as date) as day
    from bounds,
        generate_series(bounds.start_day, bounds.end_day, interval 1 day)
),

daily_active as (
    select member_day.day, count(*) as active_members
    from member_day
    cross join bounds
    where member_day.day between bounds.start_day and bounds.end_day
      and member_in_scope(
          member_day.region, member_day.device, member_day.tier, member_day.channel,
          member_day.member_key, $regions, $devices, $tiers, $channels, $segment
      )
    group by member_day.day
),

daily_orders as (
    select
        orders.day,
        count(*) as orders,
        sum(orders.amount) as revenue
    from paid_orders as orders
    cross join bounds
    where orders.day between bounds.start_day and bounds.end_day
      and member_in_scope(
          orders.region, orders.device, orders.tier, orders.channel,
          orders.member_key, $regions, $devices, $tiers, $channels, $segment
      )
    group by orders.day
),

final as (
    select
        period_days.day,
        coalesce(daily_active.active_members, 0) as active_members,
        coalesce(daily_orders.orders, 0) as orders,
        coalesce(daily_orders.revenue, 0) as revenue
    from period_days
    left join daily_active on daily_active.day = period_days.day
    left join daily_orders on daily_orders.day = period_days.day
)

select * from final
order by day

-- Per day of the period [$start, $end]: active members (DAU), paid orders and revenue of
-- the members in the filter scope. Every day of the period has a row (zero is a real zero
-- here: $end is never after the as-of date).
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

period_days as (
    select cast(generate_series as date) as day
    from bounds,
        generate_series(bounds.start_day, bounds.end_day, interval 1 day)
),

daily_active as (
    select member_day.day, count(*) as active_members
    from member_day
    semi join scoped_members on member_day.member_key = scoped_members.member_key
    cross join bounds
    where member_day.day between bounds.start_day and bounds.end_day
    group by member_day.day
),

daily_orders as (
    select
        cast(orders.paid_at as date) as day,
        count(*) as orders,
        sum(orders.amount) as revenue
    from orders
    semi join scoped_members on orders.member_key = scoped_members.member_key
    cross join bounds
    where orders.status = 'paid'
      and cast(orders.paid_at as date) between bounds.start_day and bounds.end_day
    group by 1
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

-- Overview KPIs for one period [$start, $end] over the members in the filter scope.
-- Parameters: $start, $end (dates, $end no later than the as-of date), $as_of (date),
-- $regions, $devices, $tiers, $channels (lists; empty means all), $segment (a saved
-- segment's id, its members in segment_members; null means all).
-- Returns one row of counts and sums; core/metrics.py turns them into rates, so that the
-- denominators stay visible and an empty denominator becomes "no value", never zero.
with bounds as (
    select
        cast($start as date) as start_day,
        cast($end as date) as end_day,
        cast($as_of as date) as as_of_day
),

scoped_members as (
    select
        member_key,
        cast(signup_at as date) as signup_day
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

-- activity from 30 days before the period's end (MAU) or the period's start, whichever
-- is earlier, to 7 days after the as-of date is never needed: retention looks at most
-- 7 days past a cohort day inside the period and stops at the as-of date.
scoped_activity as (
    select member_day.member_key, member_day.day
    from member_day
    semi join scoped_members on member_day.member_key = scoped_members.member_key
    cross join bounds
    where member_day.day between least(bounds.start_day, bounds.end_day - 29)
        and greatest(bounds.end_day, least(bounds.end_day + 7, bounds.as_of_day))
),

period_days as (
    select cast(generate_series as date) as day
    from bounds,
        generate_series(bounds.start_day, bounds.end_day, interval 1 day)
),

daily_active as (
    select
        period_days.day,
        count(scoped_activity.member_key) as active_members
    from period_days
    left join scoped_activity on scoped_activity.day = period_days.day
    group by period_days.day
),

member_counts as (
    select
        count(*) filter (where signup_day <= bounds.end_day) as members,
        count(*) filter (
            where signup_day between bounds.start_day and bounds.end_day
        ) as new_members
    from scoped_members
    cross join bounds
),

activity_counts as (
    select
        count(distinct member_key) filter (
            where day between bounds.end_day - 29 and bounds.end_day
        ) as mau,
        count(distinct member_key) filter (
            where day between bounds.start_day and bounds.end_day
        ) as period_active
    from scoped_activity
    cross join bounds
),

order_counts as (
    select
        count(*) as orders,
        coalesce(sum(orders.amount), 0) as revenue
    from orders
    semi join scoped_members on orders.member_key = scoped_members.member_key
    cross join bounds
    where orders.status = 'paid'
      and cast(orders.paid_at as date) between bounds.start_day and bounds.end_day
),

-- cohorts: members who signed up on a day of the period; a cell counts only when
-- cohort day + N is on or before the as-of date (complete)
cohort_members as (
    select scoped_members.member_key, scoped_members.signup_day
    from scoped_members
    cross join bounds
    where scoped_members.signup_day between bounds.start_day and bounds.end_day
),

retention as (
    select
        count(*) filter (where c.signup_day + 1 <= b.as_of_day) as d1_cohort,
        count(d1.member_key) filter (where c.signup_day + 1 <= b.as_of_day) as d1_retained,
        count(*) filter (where c.signup_day + 7 <= b.as_of_day) as d7_cohort,
        count(d7.member_key) filter (where c.signup_day + 7 <= b.as_of_day) as d7_retained
    from cohort_members as c
    cross join bounds as b
    left join scoped_activity as d1
        on d1.member_key = c.member_key and d1.day = c.signup_day + 1
    left join scoped_activity as d7
        on d7.member_key = c.member_key and d7.day = c.signup_day + 7
),

final as (
    select
        member_counts.members,
        member_counts.new_members,
        (select avg(active_members) from daily_active) as dau_mean,
        activity_counts.mau,
        activity_counts.period_active,
        order_counts.orders,
        order_counts.revenue,
        retention.d1_cohort,
        retention.d1_retained,
        retention.d7_cohort,
        retention.d7_retained
    from member_counts, activity_counts, order_counts, retention
)

select * from final

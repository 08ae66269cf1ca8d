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
    where member_in_scope(
        region, device, tier, channel, member_key,
        $regions, $devices, $tiers, $channels, $segment
    )
),

-- the scoped members' active days from 30 days before the period's end (MAU) or the
-- period's start, whichever is earlier, to 7 days after the period (day-7 retention of its
-- last cohort day), never past the as-of date; the member filter is a predicate on the
-- rollup's own attribute columns (no join to members)
scoped_activity as (
    select
        member_day.member_key,
        member_day.day,
        member_day.next_day,
        member_day.signup_day
    from member_day
    cross join bounds
    where member_day.day between least(bounds.start_day, bounds.end_day - 29)
        and greatest(bounds.end_day, least(bounds.end_day + 7, bounds.as_of_day))
      and member_in_scope(
          member_day.region, member_day.device, member_day.tier, member_day.channel,
          member_day.member_key, $regions, $devices, $tiers, $channels, $segment
      )
),

-- a member's last active day inside a window ending at end_day is the row whose next
-- active day is after end_day: counting those rows counts distinct members
activity_counts as (
    select
        count(*) filter (
            where day between bounds.end_day - 29 and bounds.end_day
              and (next_day is null or next_day > bounds.end_day)
        ) as mau,
        count(*) filter (
            where day between bounds.start_day and bounds.end_day
              and (next_day is null or next_day > bounds.end_day)
        ) as period_active,
        count(*) filter (where day between bounds.start_day and bounds.end_day)
            / (select end_day - start_day + 1 from bounds) as dau_mean,
        count(*) filter (
            where signup_day between bounds.start_day and bounds.end_day
              and day = signup_day + 1
              and day <= bounds.as_of_day
        ) as d1_retained,
        count(*) filter (
            where signup_day between bounds.start_day and bounds.end_day
              and day = signup_day + 7
              and day <= bounds.as_of_day
        ) as d7_retained
    from scoped_activity
    cross join bounds
),

member_counts as (
    select
        count(*) filter (where signup_day <= bounds.end_day) as members,
        count(*) filter (
            where signup_day between bounds.start_day and bounds.end_day
        ) as new_members,
        count(*) filter (
            where signup_day between bounds.start_day and bounds.end_day
              and signup_day + 1 <= bounds.as_of_day
        ) as d1_cohort,
        count(*) filter (
            where signup_day between bounds.start_day and bounds.end_day
              and signup_day + 7 <= bounds.as_of_day
        ) as d7_cohort
    from scoped_members
    cross join bounds
),

order_counts as (
    select
        count(*) as orders,
        coalesce(sum(orders.amount), 0) as revenue
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
        member_counts.members,
        member_counts.new_members,
        activity_counts.dau_mean,
        activity_counts.mau,
        activity_counts.period_active,
        order_counts.orders,
        order_counts.revenue,
        member_counts.d1_cohort,
        activity_counts.d1_retained,
        member_counts.d7_cohort,
        activity_counts.d7_retained
    from member_counts, activity_counts, order_counts
)

select * from final

-- Cohort retention matrix. Cohort = members in the filter scope by signup day ($by =
-- 'signup') or first active day ($by = 'first_activity'), grouped by $unit ('day', 'week',
-- 'month'); cohorts whose bucket starts from the bucket holding $start up to $end.
-- Period N = the N-th $unit after the cohort's bucket. $mode 'on': active in period N;
-- 'on_or_after': active in period N or later (up to the as-of date). Periods 0..$max_period.
-- A cell is complete when period N has ended by $as_of; incomplete cells have no retained
-- count (empty, never zero).
--
-- Speed (SPEC §9): the rows read are the members' active periods (member_day, member_week or
-- member_month for $unit: one row per member and active day, week or month), carrying the
-- member's signup day, first active day, next active period and current attributes, so
-- there is no join, distinct or window: a member counts once per period it is active in
-- ('on'), or once in the period it was last active in (no next active period,
-- 'on_or_after'). Buckets are numbered (days, weeks or months since 0001-01-01, a Monday):
-- integer arithmetic per row costs a fraction of date_trunc.
with bounds as (
    select
        case $unit
            when 'day' then cast($start as date) - date '0001-01-01'
            when 'week' then (cast($start as date) - date '0001-01-01') // 7
            else (year(cast($start as date)) - 1) * 12 + month(cast($start as date)) - 1
        end as first_cohort,
        case $unit
            when 'day' then cast($end as date) - date '0001-01-01'
            when 'week' then (cast($end as date) - date '0001-01-01') // 7
            else (year(cast($end as date)) - 1) * 12 + month(cast($end as date)) - 1
        end as last_cohort,
        cast($as_of as date) as as_of_day,
        case $unit
            when 'day' then interval 1 day
            when 'week' then interval 7 day
            else interval 1 month
        end as step
),

-- signup cohorts include members without any activity, so their sizes come from members
signup_days as (
    select cast(signup_at as date) as cohort_day
    from members
    where $by = 'signup'
      and member_in_scope(
          region, device, tier, channel, member_key,
          $regions, $devices, $tiers, $channels, $segment
      )
),

-- the members' active days, weeks or months ($unit)
member_periods as (
    select
        member_key, day as period, prev_day as prev_period, next_day as next_period,
        first_day, signup_day, region, device, tier, channel
    from member_day
    where $unit = 'day'
    union all
    select
        member_key, period, prev_period, next_period,
        first_day, signup_day, region, device, tier, channel
    from member_week
    where $unit = 'week'
    union all
    select
        member_key, period, prev_period, next_period,
        first_day, signup_day, region, device, tier, channel
    from member_month
    where $unit = 'month'
),

scoped_periods as (
    select
        period,
        prev_period,
        next_period,
        case $by when 'signup' then signup_day else first_day end as cohort_day
    from member_periods
    -- a counted period is its cohort's or later, so it starts on or after the first cohort's
    -- start; both bounds are plain column comparisons the scan applies first
    where period >= cast(date_trunc($unit, cast($start as date)) as date)
      and case $by when 'signup' then signup_day else first_day end
          >= cast(date_trunc($unit, cast($start as date)) as date)
      and member_in_scope(
          region, device, tier, channel, member_key,
          $regions, $devices, $tiers, $channels, $segment
      )
),

cohort_days as (
    select cohort_day from signup_days
    union all
    select cohort_day from scoped_periods where $by = 'first_activity' and prev_period is null
),

cohort_day_sizes as (
    select cohort_day, count(*) as members
    from cohort_days
    group by all
),

cohort_sizes as (
    select
        case $unit
            when 'day' then cohort_day - date '0001-01-01'
            when 'week' then (cohort_day - date '0001-01-01') // 7
            else (year(cohort_day) - 1) * 12 + month(cohort_day) - 1
        end as cohort,
        cast(sum(members) as bigint) as cohort_size
    from cohort_day_sizes
    group by all
),

-- the periods counted: every active period ('on'), or the last one ('on_or_after'), per
-- period and cohort day (thousands of groups), then numbered
period_counts as (
    select period, cohort_day, count(*) as members
    from scoped_periods
    where case $mode when 'on' then true else next_period is null end
    group by all
),

numbered as (
    select
        case $unit
            when 'day' then period - date '0001-01-01'
            when 'week' then (period - date '0001-01-01') // 7
            else (year(period) - 1) * 12 + month(period) - 1
        end as bucket,
        case $unit
            when 'day' then cohort_day - date '0001-01-01'
            when 'week' then (cohort_day - date '0001-01-01') // 7
            else (year(cohort_day) - 1) * 12 + month(cohort_day) - 1
        end as cohort,
        members
    from period_counts
),

-- members per cohort and period N ('on_or_after': a last period after $max_period counts
-- for every N)
counts as (
    select
        numbered.cohort,
        least(numbered.bucket - numbered.cohort, $max_period) as period,
        sum(numbered.members) as members
    from numbered
    cross join bounds
    where numbered.cohort between bounds.first_cohort and bounds.last_cohort
      and numbered.bucket >= numbered.cohort
      and ($mode = 'on_or_after' or numbered.bucket - numbered.cohort <= $max_period)
    group by all
),

periods as (
    select unnest(range(0, $max_period + 1)) as period
),

retained as (
    select counts.cohort, periods.period, sum(counts.members) as retained
    from counts
    join periods
        on case $mode
            when 'on' then counts.period = periods.period
            else counts.period >= periods.period
        end
    group by all
),

grid as (
    select
        cohort_sizes.cohort,
        case $unit
            when 'day' then date '0001-01-01' + cast(cohort_sizes.cohort as integer)
            when 'week' then date '0001-01-01' + cast(cohort_sizes.cohort * 7 as integer)
            else make_date(1 + cohort_sizes.cohort // 12, cohort_sizes.cohort % 12 + 1, 1)
        end as cohort_start,
        cohort_sizes.cohort_size,
        periods.period
    from cohort_sizes
    cross join bounds
    cross join periods
    where cohort_sizes.cohort between bounds.first_cohort and bounds.last_cohort
),

final as (
    select
        grid.cohort_start as cohort,
        grid.cohort_size,
        grid.period,
        case
            when cast(grid.cohort_start + (grid.period + 1) * bounds.step - interval 1 day as date)
                <= bounds.as_of_day
                then coalesce(cast(retained.retained as bigint), 0)
        end as retained
    from grid
    cross join bounds
    left join retained on retained.cohort = grid.cohort and retained.period = grid.period
)

select
    cohort,
    cohort_size,
    period,
    retained,
    retained / cohort_size as rate
from final
order by cohort, period

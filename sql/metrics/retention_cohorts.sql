-- Cohort retention matrix. Cohort = members in the filter scope by signup day ($by =
-- 'signup') or first active day ($by = 'first_activity'), grouped by $unit ('day', 'week',
-- 'month'); cohorts whose bucket starts from the bucket holding $start up to $end.
-- Period N = the N-th $unit after the cohort's bucket. $mode 'on': active in period N;
-- 'on_or_after': active in period N or later (up to the as-of date). Periods 0..$max_period.
-- A cell is complete when period N has ended by $as_of; incomplete cells have no retained
-- count (empty, never zero).
with bounds as (
    select
        cast(date_trunc($unit, cast($start as date)) as date) as first_cohort,
        cast($end as date) as end_day,
        cast($as_of as date) as as_of_day,
        case $unit
            when 'day' then interval 1 day
            when 'week' then interval 7 day
            else interval 1 month
        end as step
),

scoped_members as (
    select member_key, cast(signup_at as date) as signup_day
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

first_activity as (
    select member_day.member_key, min(member_day.day) as first_day
    from member_day
    semi join scoped_members on member_day.member_key = scoped_members.member_key
    group by member_day.member_key
),

cohort_members as (
    select
        scoped_members.member_key,
        case $by when 'signup' then scoped_members.signup_day else first_activity.first_day end
            as cohort_day
    from scoped_members
    left join first_activity on first_activity.member_key = scoped_members.member_key
),

in_range as (
    select
        cohort_members.member_key,
        cast(date_trunc($unit, cohort_members.cohort_day) as date) as cohort
    from cohort_members
    cross join bounds
    where cohort_members.cohort_day is not null
      and cohort_members.cohort_day >= bounds.first_cohort
      and cast(date_trunc($unit, cohort_members.cohort_day) as date) <= bounds.end_day
),

member_periods as (
    select distinct
        in_range.member_key,
        in_range.cohort,
        case $unit
            when 'day' then member_day.day - in_range.cohort
            when 'week' then (cast(date_trunc('week', member_day.day) as date) - in_range.cohort) // 7
            else (year(member_day.day) - year(in_range.cohort)) * 12
                + month(member_day.day) - month(in_range.cohort)
        end as period
    from in_range
    join member_day
        on member_day.member_key = in_range.member_key and member_day.day >= in_range.cohort
),

last_period as (
    select member_key, cohort, max(period) as last_period
    from member_periods
    group by member_key, cohort
),

cohort_sizes as (
    select cohort, count(*) as cohort_size
    from in_range
    group by cohort
),

grid as (
    select
        cohort_sizes.cohort,
        cohort_sizes.cohort_size,
        periods.period,
        cast(cohort_sizes.cohort + (periods.period + 1) * bounds.step - interval 1 day as date)
            <= bounds.as_of_day as complete
    from cohort_sizes
    cross join bounds
    cross join (select unnest(range(0, $max_period + 1)) as period) as periods
),

retained_on as (
    select cohort, period, count(*) as retained
    from member_periods
    where period <= $max_period
    group by cohort, period
),

retained_on_or_after as (
    select last_period.cohort, periods.period, count(*) as retained
    from last_period
    join (select unnest(range(0, $max_period + 1)) as period) as periods
        on last_period.last_period >= periods.period
    group by last_period.cohort, periods.period
),

final as (
    select
        grid.cohort,
        grid.cohort_size,
        grid.period,
        grid.complete,
        case when grid.complete then
            coalesce(
                case $mode when 'on' then retained_on.retained else retained_on_or_after.retained end,
                0
            )
        end as retained
    from grid
    left join retained_on
        on retained_on.cohort = grid.cohort and retained_on.period = grid.period
    left join retained_on_or_after
        on retained_on_or_after.cohort = grid.cohort and retained_on_or_after.period = grid.period
)

select
    cohort,
    cohort_size,
    period,
    retained,
    retained / cohort_size as rate
from final
order by cohort, period

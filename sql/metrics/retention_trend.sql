-- 次日 / 7日 / 30日 retention across cohorts: members of the filter scope whose cohort day
-- (signup or first activity, $by) falls from the $unit bucket holding $start to $end; day-N
-- retained = active exactly N days after the member's own cohort day ("on"). A bucket's
-- day-N value is complete when the bucket's last member day + N is on or before $as_of.
-- Speed (SPEC §9): member_day rows carry the member's signup day, first active day and
-- attributes, so retained members are the rows N days after their cohort day (one row per
-- member and day: no join, no distinct) and first-activity cohorts are the members' first rows.
with bounds as (
    select
        cast(date_trunc($unit, cast($start as date)) as date) as start_day,
        cast($end as date) as end_day,
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

scoped_days as (
    select
        day,
        prev_day,
        case $by when 'signup' then signup_day else first_day end as cohort_day
    from member_day
    -- a counted day is the cohort day or 1, 7, 30 days after it; both bounds are plain column
    -- comparisons the scan applies first
    where day between cast(date_trunc($unit, cast($start as date)) as date)
          and cast($end as date) + 30
      and case $by when 'signup' then signup_day else first_day end
          between cast(date_trunc($unit, cast($start as date)) as date) and cast($end as date)
      and member_in_scope(
          region, device, tier, channel, member_key,
          $regions, $devices, $tiers, $channels, $segment
      )
),

cohort_days as (
    select cohort_day from signup_days
    union all
    select cohort_day from scoped_days where $by = 'first_activity' and prev_day is null
),

cohort_sizes as (
    select cast(date_trunc($unit, cohort_days.cohort_day) as date) as cohort, count(*) as cohort_size
    from cohort_days
    cross join bounds
    where cohort_days.cohort_day between bounds.start_day and bounds.end_day
    group by all
),

retained as (
    select
        cast(date_trunc($unit, scoped_days.cohort_day) as date) as cohort,
        count(*) filter (where scoped_days.day = scoped_days.cohort_day + 1) as d1_retained,
        count(*) filter (where scoped_days.day = scoped_days.cohort_day + 7) as d7_retained,
        count(*) filter (where scoped_days.day = scoped_days.cohort_day + 30) as d30_retained
    from scoped_days
    cross join bounds
    where scoped_days.cohort_day between bounds.start_day and bounds.end_day
      and scoped_days.day - scoped_days.cohort_day in (1, 7, 30)
    group by all
),

final as (
    select
        cohort_sizes.cohort,
        cohort_sizes.cohort_size,
        least(cast(cohort_sizes.cohort + bounds.step - interval 1 day as date), bounds.end_day)
            as last_cohort_day,
        coalesce(retained.d1_retained, 0) as d1_retained,
        coalesce(retained.d7_retained, 0) as d7_retained,
        coalesce(retained.d30_retained, 0) as d30_retained
    from cohort_sizes
    cross join bounds
    left join retained on retained.cohort = cohort_sizes.cohort
)

select
    final.cohort,
    final.cohort_size,
    case when last_cohort_day + 1 <= bounds.as_of_day then d1_retained / cohort_size end as d1,
    case when last_cohort_day + 7 <= bounds.as_of_day then d7_retained / cohort_size end as d7,
    case when last_cohort_day + 30 <= bounds.as_of_day then d30_retained / cohort_size end as d30
from final
cross join bounds
order by final.cohort

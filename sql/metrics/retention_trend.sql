-- 次日 / 7日 / 30日 retention across cohorts: members of the filter scope whose cohort day
-- (signup or first activity, $by) falls from the $unit bucket holding $start to $end; day-N
-- retained = active exactly N days after the member's own cohort day ("on"). A bucket's
-- day-N value is complete when the bucket's last member day + N is on or before $as_of.
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

in_range as (
    select
        scoped_members.member_key,
        case $by when 'signup' then scoped_members.signup_day else first_activity.first_day end
            as cohort_day
    from scoped_members
    left join first_activity on first_activity.member_key = scoped_members.member_key
    cross join bounds
    where case $by when 'signup' then scoped_members.signup_day else first_activity.first_day end
        between bounds.start_day and bounds.end_day
),

flags as (
    select
        in_range.member_key,
        cast(date_trunc($unit, in_range.cohort_day) as date) as cohort,
        bool_or(member_day.day = in_range.cohort_day + 1) as d1,
        bool_or(member_day.day = in_range.cohort_day + 7) as d7,
        bool_or(member_day.day = in_range.cohort_day + 30) as d30
    from in_range
    left join member_day
        on member_day.member_key = in_range.member_key
        and member_day.day in (in_range.cohort_day + 1, in_range.cohort_day + 7,
            in_range.cohort_day + 30)
    group by in_range.member_key, in_range.cohort_day
),

final as (
    select
        flags.cohort,
        count(*) as cohort_size,
        least(cast(flags.cohort + bounds.step - interval 1 day as date), bounds.end_day)
            as last_cohort_day,
        count(*) filter (where d1) as d1_retained,
        count(*) filter (where d7) as d7_retained,
        count(*) filter (where d30) as d30_retained
    from flags
    cross join bounds
    group by flags.cohort, bounds.step, bounds.end_day
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

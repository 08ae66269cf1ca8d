-- Day-N "on" retention pooled over the day cohorts of [$start, $end] (by signup or first
-- activity, $by), N = 0..$max_day, optionally per $dimension ('none', 'tier', 'channel',
-- 'device'; the member's attribute). A member counts for day N only when cohort day + N is
-- on or before $as_of (complete cells), so the pooled rate is the cohort-size-weighted mean
-- of the complete cells; eligible = 0 means no complete cell (empty rate).
with bounds as (
    select
        cast($start as date) as start_day,
        cast($end as date) as end_day,
        cast($as_of as date) as as_of_day
),

scoped_members as (
    select
        member_key,
        cast(signup_at as date) as signup_day,
        case $dimension
            when 'tier' then tier
            when 'channel' then channel
            when 'device' then device
            else 'all'
        end as grp
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
        coalesce(scoped_members.grp, '') as grp,
        case $by when 'signup' then scoped_members.signup_day else first_activity.first_day end
            as cohort_day
    from scoped_members
    left join first_activity on first_activity.member_key = scoped_members.member_key
),

in_range as (
    select cohort_members.*
    from cohort_members
    cross join bounds
    where cohort_members.cohort_day between bounds.start_day and bounds.end_day
),

days as (
    select unnest(range(0, $max_day + 1)) as day_n
),

eligible as (
    select in_range.grp, days.day_n, count(*) as eligible
    from in_range
    cross join days
    cross join bounds
    where in_range.cohort_day + days.day_n::integer <= bounds.as_of_day
    group by in_range.grp, days.day_n
),

retained as (
    select in_range.grp, member_day.day - in_range.cohort_day as day_n, count(*) as retained
    from in_range
    join member_day
        on member_day.member_key = in_range.member_key
        and member_day.day between in_range.cohort_day and in_range.cohort_day + $max_day::integer
    cross join bounds
    where member_day.day <= bounds.as_of_day
    group by all
),

groups as (
    select grp, count(*) as cohort_size from in_range group by grp
),

final as (
    select
        groups.grp as "group",
        groups.cohort_size,
        days.day_n as day,
        coalesce(eligible.eligible, 0) as eligible,
        case when eligible.eligible > 0 then coalesce(retained.retained, 0) end as retained
    from groups
    cross join days
    left join eligible on eligible.grp = groups.grp and eligible.day_n = days.day_n
    left join retained on retained.grp = groups.grp and retained.day_n = days.day_n
)

select *, retained / nullif(eligible, 0) as rate
from final
order by "group", day

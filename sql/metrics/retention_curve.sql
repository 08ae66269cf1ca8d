-- Day-N "on" retention pooled over the day cohorts of [$start, $end] (by signup or first
-- activity, $by), N = 0..$max_day, optionally per $dimension ('none', 'tier', 'channel',
-- 'device'; the member's attribute). A member counts for day N only when cohort day + N is
-- on or before $as_of (complete cells), so the pooled rate is the cohort-size-weighted mean
-- of the complete cells; eligible = 0 means no complete cell (empty rate).
-- Speed (SPEC §9): member_day rows carry the member's signup day, first active day and
-- attributes, so retained members are the rows 0..$max_day days after their cohort day (one
-- row per member and day: no join, no distinct) and first-activity cohorts are the members'
-- first rows.
with bounds as (
    select
        cast($start as date) as start_day,
        cast($end as date) as end_day,
        cast($as_of as date) as as_of_day
),

-- signup cohorts include members without any activity, so they come from members
signup_members as (
    select
        cast(signup_at as date) as cohort_day,
        case $dimension
            when 'tier' then tier
            when 'channel' then channel
            when 'device' then device
            else 'all'
        end as grp
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
        case $by when 'signup' then signup_day else first_day end as cohort_day,
        case $dimension
            when 'tier' then tier
            when 'channel' then channel
            when 'device' then device
            else 'all'
        end as grp
    from member_day
    -- a counted day is the cohort day or up to $max_day days after it; both bounds are plain
    -- column comparisons the scan applies first
    where day between cast($start as date) and cast($end as date) + $max_day::integer
      and case $by when 'signup' then signup_day else first_day end
          between cast($start as date) and cast($end as date)
      and member_in_scope(
          region, device, tier, channel, member_key,
          $regions, $devices, $tiers, $channels, $segment
      )
),

cohort_members as (
    select cohort_day, grp from signup_members
    union all
    select cohort_day, grp from scoped_days where $by = 'first_activity' and prev_day is null
),

-- members per group and cohort day (a few thousand rows), expanded to days below
cohort_days as (
    select coalesce(cohort_members.grp, '') as grp, cohort_members.cohort_day, count(*) as members
    from cohort_members
    cross join bounds
    where cohort_members.cohort_day between bounds.start_day and bounds.end_day
    group by all
),

days as (
    select unnest(range(0, $max_day + 1)) as day_n
),

eligible as (
    select cohort_days.grp, days.day_n, sum(cohort_days.members) as eligible
    from cohort_days
    cross join days
    cross join bounds
    where cohort_days.cohort_day + days.day_n::integer <= bounds.as_of_day
    group by cohort_days.grp, days.day_n
),

retained as (
    select
        coalesce(scoped_days.grp, '') as grp,
        scoped_days.day - scoped_days.cohort_day as day_n,
        count(*) as retained
    from scoped_days
    cross join bounds
    where scoped_days.cohort_day between bounds.start_day and bounds.end_day
      and scoped_days.day between scoped_days.cohort_day
          and scoped_days.cohort_day + $max_day::integer
      and scoped_days.day <= bounds.as_of_day
    group by all
),

groups as (
    select grp, sum(members) as cohort_size from cohort_days group by grp
),

final as (
    select
        groups.grp as "group",
        cast(groups.cohort_size as bigint) as cohort_size,
        days.day_n as day,
        coalesce(cast(eligible.eligible as bigint), 0) as eligible,
        case when eligible.eligible > 0 then coalesce(retained.retained, 0) end as retained
    from groups
    cross join days
    left join eligible on eligible.grp = groups.grp and eligible.day_n = days.day_n
    left join retained on retained.grp = groups.grp and retained.day_n = days.day_n
)

select *, retained / nullif(eligible, 0) as rate
from final
order by "group", day

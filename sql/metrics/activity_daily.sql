-- DAU, WAU and MAU for every day of [$start, $end] over the members in the filter scope.
-- A member is in the trailing-W window of day d when active on some day in [d-W+1, d]. Each
-- active day keeps its member in the window for W days, cut at the member's next active day
-- (member_day.next_day) so the intervals of one member never overlap; a running sum of +1
-- at the active day and -1 where its interval ends then counts distinct members per day in
-- one pass over member_day (no day x member join, no per-query window over members).
with bounds as (
    select cast($start as date) as start_day, cast($end as date) as end_day
),

gaps as (
    -- active member-days per day and days until the member's next active day (31 = none
    -- within 30 days): at most 31 rows per day, everything below works on these
    select
        member_day.day,
        cast(least(coalesce(member_day.next_day - member_day.day, 31), 31) as integer) as gap,
        count(*) as members
    from member_day
    cross join bounds
    where member_day.day between bounds.start_day - 29 and bounds.end_day
      and member_in_scope(
          member_day.region, member_day.device, member_day.tier, member_day.channel,
          member_day.member_key, $regions, $devices, $tiers, $channels, $segment
      )
    group by all
),

starts as (
    select day as step_day, sum(members) as started
    from gaps
    group by day
),

ends as (
    select
        ends.step_day,
        sum(ends.members) filter (where ends.width = 7) as ended_7,
        sum(ends.members) filter (where ends.width = 30) as ended_30
    from (
        select 7 as width, gaps.day + least(gaps.gap, 7) as step_day, gaps.members from gaps
        union all
        select 30, gaps.day + least(gaps.gap, 30), gaps.members from gaps
    ) as ends
    group by ends.step_day
),

all_days as (
    select cast(generate_series as date) as day
    from bounds, generate_series(bounds.start_day - 29, bounds.end_day, interval 1 day)
),

running as (
    select
        all_days.day,
        coalesce(starts.started, 0) as dau,
        sum(coalesce(starts.started, 0) - coalesce(ends.ended_7, 0)) over by_day as wau,
        sum(coalesce(starts.started, 0) - coalesce(ends.ended_30, 0)) over by_day as mau
    from all_days
    left join starts on starts.step_day = all_days.day
    left join ends on ends.step_day = all_days.day
    window by_day as (order by all_days.day)
),

final as (
    select running.day as date, running.dau, running.wau, running.mau
    from running
    cross join bounds
    where running.day between bounds.start_day and bounds.end_day
)

select * from final
order by date

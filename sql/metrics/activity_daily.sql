-- DAU, WAU and MAU for every day of [$start, $end] over the members in the filter scope.
-- A member is in the trailing-W window of day d when active on some day in [d-W+1, d]. Each
-- active day keeps its member in the window for W days, cut at the member's next active day
-- so the intervals of one member never overlap; a running sum of +1/-1 steps then counts
-- distinct members per day in one pass over member_day (no day x member join).
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

activity as (
    select
        member_day.member_key,
        member_day.day,
        lead(member_day.day) over (
            partition by member_day.member_key order by member_day.day
        ) as next_day
    from member_day
    semi join scoped_members on member_day.member_key = scoped_members.member_key
    cross join bounds
    where member_day.day between bounds.start_day - 29 and bounds.end_day
),

windows as (
    select unnest([1, 7, 30]) as width
),

steps as (
    select windows.width, activity.day as step_day, 1 as delta
    from activity cross join windows
    union all
    select
        windows.width,
        least(activity.day + windows.width, coalesce(activity.next_day, activity.day + windows.width)),
        -1
    from activity cross join windows
),

step_totals as (
    select width, step_day, sum(delta) as delta
    from steps
    group by width, step_day
),

all_days as (
    select windows.width, cast(generate_series as date) as day
    from bounds, windows,
        generate_series(bounds.start_day - 29, bounds.end_day, interval 1 day)
),

running as (
    select
        all_days.width,
        all_days.day,
        sum(coalesce(step_totals.delta, 0)) over (
            partition by all_days.width order by all_days.day
        ) as members
    from all_days
    left join step_totals
        on step_totals.width = all_days.width and step_totals.step_day = all_days.day
),

final as (
    select
        running.day as date,
        max(running.members) filter (where running.width = 1) as dau,
        max(running.members) filter (where running.width = 7) as wau,
        max(running.members) filter (where running.width = 30) as mau
    from running
    cross join bounds
    where running.day between bounds.start_day and bounds.end_day
    group by running.day
)

select * from final
order by date

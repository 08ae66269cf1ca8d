-- Active days per member in the 30-day window ending $end, for the members in the filter
-- scope active at least once in it: how many members were active on 1, 2, … 30 days.
with bounds as (
    select cast($end as date) - 29 as start_day, cast($end as date) as end_day
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

member_active_days as (
    select member_day.member_key, count(*) as active_days
    from member_day
    semi join scoped_members on member_day.member_key = scoped_members.member_key
    cross join bounds
    where member_day.day between bounds.start_day and bounds.end_day
    group by member_day.member_key
),

final as (
    select
        active_days,
        count(*) as members,
        count(*) / sum(count(*)) over () as share
    from member_active_days
    group by active_days
)

select * from final
order by active_days

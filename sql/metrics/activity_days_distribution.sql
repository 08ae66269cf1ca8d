-- Active days per member in the 30-day window ending $end, for the members in the filter
-- scope active at least once in it: how many members were active on 1, 2, … 30 days.
with bounds as (
    select cast($end as date) - 29 as start_day, cast($end as date) as end_day
),

member_active_days as (
    select member_day.member_key, count(*) as active_days
    from member_day
    cross join bounds
    where member_day.day between bounds.start_day and bounds.end_day
      and member_in_scope(
          member_day.region, member_day.device, member_day.tier, member_day.channel,
          member_day.member_key, $regions, $devices, $tiers, $channels, $segment
      )
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

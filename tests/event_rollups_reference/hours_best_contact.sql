-- Each member's best contact hour over the 90 days ending $as_of, by the same rule as
-- sql/segments/best_contact_hours.sql (member profile, lists, alerts): the hour of day with
-- the most active days, then the most events, then the earlier hour; for the members in the
-- filter scope with any event.
with bounds as (
    select cast($as_of as date) - 89 as start_day, cast($as_of as date) + 1 as after_day
),

scoped_members as (
    select member_key, member_id
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

hourly as (
    select
        events.member_key,
        hour(events.event_time) as hour,
        count(distinct cast(events.event_time as date)) as active_days,
        count(*) as events,
        cast(count(distinct cast(events.event_time as date)) as bigint) * 1000000000000
            + count(*) * 100 + (23 - hour(events.event_time)) as rank_key
    from events
    semi join scoped_members on scoped_members.member_key = events.member_key
    cross join bounds
    where events.event_time >= bounds.start_day and events.event_time < bounds.after_day
    group by events.member_key, hour(events.event_time)
),

final as (
    select
        hourly.member_key,
        arg_max(hourly.hour, hourly.rank_key) as best_hour,
        arg_max(hourly.events, hourly.rank_key) as events_in_best_hour,
        sum(hourly.events) as events
    from hourly
    group by hourly.member_key
)

select scoped_members.member_id, final.*
from final
join scoped_members on scoped_members.member_key = final.member_key
order by final.member_key

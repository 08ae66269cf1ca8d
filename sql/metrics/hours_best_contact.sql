-- Each member's best contact hour: the hour of day with most events in the 90 days ending
-- $as_of (the earliest hour wins a tie), for the members in the filter scope with any event.
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
    select events.member_key, hour(events.event_time) as hour, count(*) as events
    from events
    semi join scoped_members on scoped_members.member_key = events.member_key
    cross join bounds
    where events.event_time >= bounds.start_day and events.event_time < bounds.after_day
    group by all
),

final as (
    select
        hourly.member_key,
        arg_max(hourly.hour, hourly.events * 100 - hourly.hour) as best_hour,
        max(hourly.events) as events_in_best_hour,
        sum(hourly.events) as events
    from hourly
    group by hourly.member_key
)

select scoped_members.member_id, final.*
from final
join scoped_members on scoped_members.member_key = final.member_key
order by final.member_key

-- Each chosen member's best contact hour (SPEC §4): the hour of day in which they were active
-- on the most distinct days over the $days days ending $as_of; ties go to the hour with more
-- events, then the earlier hour. Members without events in the window have no row.
-- $keys: member keys to compute (integer list).
with bounds as (
    select cast($as_of as date) + 1 as day_end
),

chosen as (
    select unnest($keys::integer[]) as member_key
),

hourly as (
    select
        events.member_key,
        hour(events.event_time) as hour_of_day,
        count(distinct cast(events.event_time as date)) as active_days,
        count(*) as events
    from events
    cross join bounds
    semi join chosen on chosen.member_key = events.member_key
    where events.event_time >= bounds.day_end - cast($days as integer)
      and events.event_time < bounds.day_end
    group by events.member_key, hour(events.event_time)
),

ranked as (
    select
        member_key,
        hour_of_day,
        row_number() over (
            partition by member_key order by active_days desc, events desc, hour_of_day
        ) as pick
    from hourly
),

final as (
    select member_key, hour_of_day as best_hour
    from ranked
    where pick = 1
)

select * from final
order by member_key

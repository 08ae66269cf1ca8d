-- The member × day × hour-of-day rollup the time-of-day views read (SPEC §4 time of day),
-- for the days on or after $since (null = every day): events per member, day and hour, and
-- prev_slot_day, the member's previous day with an event in the same weekday and hour, so
-- that the distinct members of a weekday × hour cell over [start, end] are the rows in range
-- whose prev_slot_day is null or before start. Rows before $since are left as they are, so
-- the previous day may come from them. Member attributes are the member's current ones.
with hour_events as (
    select
        member_key,
        cast(event_time as date) as day,
        cast(hour(event_time) as utinyint) as hour,
        cast(count(*) as integer) as events
    from events
    where $since::date is null or event_time >= $since::date
    group by member_key, cast(event_time as date), hour(event_time)
),

earlier as (
    select
        member_key,
        isodow(day) as weekday,
        hour,
        max(day) as last_day
    from member_hour
    where $since::date is not null
      and day < $since::date
      and member_key in (select hour_events.member_key from hour_events)
    group by member_key, isodow(day), hour
),

final as (
    select
        hour_events.member_key,
        hour_events.day,
        hour_events.hour,
        hour_events.events,
        coalesce(
            lag(hour_events.day) over (
                partition by hour_events.member_key, isodow(hour_events.day), hour_events.hour
                order by hour_events.day
            ),
            earlier.last_day
        ) as prev_slot_day,
        cast(members.signup_at as date) as signup_day,
        members.region,
        members.device,
        members.tier,
        members.channel
    from hour_events
    left join earlier
        on earlier.member_key = hour_events.member_key
        and earlier.weekday = isodow(hour_events.day)
        and earlier.hour = hour_events.hour
    left join members on members.member_key = hour_events.member_key
)

select * from final
order by day, member_key, hour

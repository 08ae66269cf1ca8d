-- The member × day × hour-of-day rollup the time-of-day views read (SPEC §4 time of day),
-- for the days on or after $since (null = every day): activity per member, day and hour, and
-- prev_slot_day, the member's previous day active in the same weekday and hour, so that the
-- distinct members of a weekday × hour cell over [start, end] are the rows in range whose
-- prev_slot_day is null or before start. Rows before $since are left as they are, so the
-- previous day may come from them. Member attributes are the member's current ones.
-- Activity is events and orders (SPEC §4 "Active"): `events` counts the hour's events plus
-- its orders from an orders file that no order_paid event of the member in the same hour
-- stands for (orders derived from events are those events), so an order that is also an
-- order_paid event counts once. Orders count only when the orders file carries times of day
-- (paid times on more than one hour; dates alone are all midnight and would pile up at 0h).
with orders_timed as (
    select coalesce(min(hour(paid_at)) < max(hour(paid_at)), false) as timed
    from orders
    where source = 'file'
),

event_hours as (
    select
        member_key,
        cast(event_time as date) as day,
        cast(hour(event_time) as utinyint) as hour,
        count(*) as events,
        count(*) filter (where event_type = 'order_paid') as paid_events
    from events
    where $since::date is null or event_time >= $since::date
    group by member_key, cast(event_time as date), hour(event_time)
),

order_hours as (
    select
        member_key,
        cast(paid_at as date) as day,
        cast(hour(paid_at) as utinyint) as hour,
        count(*) as orders
    from orders
    where source = 'file'
      and (select orders_timed.timed from orders_timed)
      and ($since::date is null or paid_at >= $since::date)
    group by member_key, cast(paid_at as date), hour(paid_at)
),

hour_events as (
    select
        coalesce(event_hours.member_key, order_hours.member_key) as member_key,
        coalesce(event_hours.day, order_hours.day) as day,
        coalesce(event_hours.hour, order_hours.hour) as hour,
        cast(
            coalesce(event_hours.events, 0)
            + greatest(coalesce(order_hours.orders, 0) - coalesce(event_hours.paid_events, 0), 0)
            as integer
        ) as events
    from event_hours
    full outer join order_hours
        on order_hours.member_key = event_hours.member_key
        and order_hours.day = event_hours.day
        and order_hours.hour = event_hours.hour
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

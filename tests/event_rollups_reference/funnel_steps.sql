-- Purchase funnel page_view → add_to_cart → checkout → order_paid over the events of the
-- members in the filter scope in [$start, $end], per member or per session ($unit
-- 'member' / 'session'; events without a session id are left out of the session funnel),
-- optionally per $dimension ('none', 'device' = the event's device, 'channel' = the
-- member's channel). A unit reaches a step when it has that event at or after the time it
-- reached the previous step, so the steps are ordered and each count is at most the one
-- before.
with bounds as (
    select cast($start as date) as start_day, cast($end as date) + 1 as after_day
),

scoped_members as (
    select member_key, channel
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

funnel_events as (
    select
        coalesce(case $dimension
            when 'device' then events.device
            when 'channel' then scoped_members.channel
            else 'all'
        end, '') as grp,
        case $unit
            when 'session' then events.session_id
            else cast(events.member_key as varchar)
        end as unit_id,
        events.event_type,
        events.event_time
    from events
    join scoped_members on scoped_members.member_key = events.member_key
    cross join bounds
    where events.event_time >= bounds.start_day
      and events.event_time < bounds.after_day
      and events.event_type in ('page_view', 'add_to_cart', 'checkout', 'order_paid')
),

units as (
    select
        grp,
        unit_id,
        min(event_time) filter (where event_type = 'page_view') as viewed_at,
        list(event_time order by event_time) filter (where event_type = 'add_to_cart') as carts,
        list(event_time order by event_time) filter (where event_type = 'checkout') as checkouts,
        list(event_time order by event_time) filter (where event_type = 'order_paid') as payments
    from funnel_events
    where unit_id is not null
    group by grp, unit_id
),

step2 as (
    select
        *,
        list_filter(carts, lambda t: t >= viewed_at)[1] as carted_at
    from units
    where viewed_at is not null
),

step3 as (
    select
        *,
        list_filter(checkouts, lambda t: t >= carted_at)[1] as checked_out_at
    from step2
),

step4 as (
    select
        *,
        list_filter(payments, lambda t: t >= checked_out_at)[1] as paid_at
    from step3
),

final as (
    select
        grp as "group",
        count(*) as page_view,
        count(carted_at) as add_to_cart,
        count(checked_out_at) as checkout,
        count(paid_at) as order_paid
    from step4
    group by grp
)

select * from final
order by "group"

-- Purchase funnel page_view → add_to_cart → checkout → order_paid over the events of the
-- members in the filter scope in [$start, $end], per member or per session ($unit
-- 'member' / 'session'; events without a session id are left out of the session funnel),
-- optionally per $dimension ('none', 'device' = the event's device, 'channel' = the
-- member's channel). A unit reaches a step when it has that event at or after the time it
-- reached the previous step, so the steps are ordered and each count is at most the one
-- before.
--
-- Read from the funnel_day rollup (sql/refresh/funnel_day.sql): a unit is one chain, and
-- its funnel over the range is the reach of its first day in the range. Sessions split over
-- several members or devices (none in the generated data) are computed from their events.
with chains as (
    select
        coalesce(case $dimension
            when 'device' then funnel_day.event_device
            when 'channel' then funnel_day.channel
            else 'all'
        end, '') as grp,
        funnel_day.reach_2 < cast($end as date) + 1 as carted,
        funnel_day.reach_3 < cast($end as date) + 1 as checked_out,
        funnel_day.reach_4 < cast($end as date) + 1 as paid
    from funnel_day
    where funnel_day.chain = case
            when $unit = 'session' then 'session'
            when $dimension = 'device' then 'member_device'
            else 'member'
        end
      and funnel_day.day >= cast($start as date)
      and funnel_day.day < cast($end as date) + 1
      and (funnel_day.prev_day is null or funnel_day.prev_day < cast($start as date))
      and funnel_day.reach_1 < cast($end as date) + 1
      and not funnel_day.shared
      and member_in_scope(
          funnel_day.region, funnel_day.device, funnel_day.tier, funnel_day.channel,
          funnel_day.member_key, $regions, $devices, $tiers, $channels, $segment
      )
),

-- the member × device pieces of shared sessions in range whose member is in the filter scope
shared_pieces as (
    select distinct
        funnel_day.session_id,
        funnel_day.member_key,
        funnel_day.event_device,
        funnel_day.channel
    from funnel_day
    where $unit = 'session'
      and funnel_day.chain = 'session'
      and funnel_day.shared
      and funnel_day.day >= cast($start as date)
      and funnel_day.day < cast($end as date) + 1
      and member_in_scope(
          funnel_day.region, funnel_day.device, funnel_day.tier, funnel_day.channel,
          funnel_day.member_key, $regions, $devices, $tiers, $channels, $segment
      )
),

shared_events as (
    select
        coalesce(case $dimension
            when 'device' then events.device
            when 'channel' then shared_pieces.channel
            else 'all'
        end, '') as grp,
        events.session_id as unit_id,
        events.event_type,
        events.event_time
    from events
    join shared_pieces
        on shared_pieces.session_id = events.session_id
        and shared_pieces.member_key = events.member_key
        and shared_pieces.event_device = coalesce(events.device, '')
    where events.session_id in (select shared_pieces.session_id from shared_pieces)
      and events.event_time >= cast($start as date)
      and events.event_time < cast($end as date) + 1
      and events.event_type in ('page_view', 'add_to_cart', 'checkout', 'order_paid')
),

shared_units as (
    select
        grp,
        unit_id,
        min(event_time) filter (where event_type = 'page_view') as viewed_at,
        list(event_time order by event_time) filter (where event_type = 'add_to_cart') as carts,
        list(event_time order by event_time) filter (where event_type = 'checkout') as checkouts,
        list(event_time order by event_time) filter (where event_type = 'order_paid') as payments
    from shared_events
    group by grp, unit_id
),

shared_step2 as (
    select
        *,
        list_filter(carts, lambda t: t >= viewed_at)[1] as carted_at
    from shared_units
    where viewed_at is not null
),

shared_step3 as (
    select
        *,
        list_filter(checkouts, lambda t: t >= carted_at)[1] as checked_out_at
    from shared_step2
),

shared_step4 as (
    select
        *,
        list_filter(payments, lambda t: t >= checked_out_at)[1] as paid_at
    from shared_step3
),

counts as (
    select
        grp,
        count(*) as page_view,
        count(*) filter (where carted) as add_to_cart,
        count(*) filter (where checked_out) as checkout,
        count(*) filter (where paid) as order_paid
    from chains
    group by grp
    union all
    select
        grp,
        count(*),
        count(carted_at),
        count(checked_out_at),
        count(paid_at)
    from shared_step4
    group by grp
),

final as (
    select
        grp as "group",
        cast(sum(page_view) as bigint) as page_view,
        cast(sum(add_to_cart) as bigint) as add_to_cart,
        cast(sum(checkout) as bigint) as checkout,
        cast(sum(order_paid) as bigint) as order_paid
    from counts
    group by grp
)

select * from final
order by "group"

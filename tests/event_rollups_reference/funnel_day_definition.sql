-- Definition of the funnel_day rollup from raw events, for tests/test_event_rollups.py: every
-- funnel chain and day with funnel events, with the greedy walk over the chain's events (a
-- step is the first event of its type at or after the previous step) from the start of the
-- day on (reach_k) and within the day from each number of steps already reached (steps_from).
with funnel_events as (
    select member_key, session_id, coalesce(device, '') as device_key,
        cast(event_time as date) as day, event_time, event_type
    from events
    where event_type in ('page_view', 'add_to_cart', 'checkout', 'order_paid')
),
chain_events as (
    select 'member' as chain, member_key, null as event_device, null as session_id,
        day, event_time, event_type
    from funnel_events
    union all
    select 'member_device', member_key, device_key, null, day, event_time, event_type
    from funnel_events
    union all
    select 'session', member_key, device_key, session_id, day, event_time, event_type
    from funnel_events where session_id is not null
),
chain_days as (
    select distinct chain, member_key, event_device, session_id, day from chain_events
),
walks as (
    select
        chain_days.*,
        min(e.event_time) filter (where e.event_type = 'page_view') as viewed,
        list(e.event_time order by e.event_time) filter (where e.event_type = 'add_to_cart') as carts,
        list(e.event_time order by e.event_time) filter (where e.event_type = 'checkout') as checkouts,
        list(e.event_time order by e.event_time) filter (where e.event_type = 'order_paid') as paid,
        min(e.event_time) filter (where e.event_type = 'add_to_cart' and e.day = chain_days.day) as day_cart,
        min(e.event_time) filter (where e.event_type = 'checkout' and e.day = chain_days.day) as day_checkout,
        bool_or(e.event_type = 'order_paid' and e.day = chain_days.day) as day_paid,
        min(e.event_time) filter (where e.event_type = 'page_view' and e.day = chain_days.day) as day_viewed
    from chain_days
    join chain_events as e
        on e.chain = chain_days.chain
        and e.member_key = chain_days.member_key
        and e.event_device is not distinct from chain_days.event_device
        and e.session_id is not distinct from chain_days.session_id
        and e.day >= chain_days.day
    group by all
),
steps as (
    select
        *,
        list_filter(carts, lambda t: t >= viewed)[1] as carted,
        list_filter(carts, lambda t: t >= day_viewed and cast(t as date) = day)[1] as day_carted
    from walks
),
steps2 as (
    select
        *,
        list_filter(checkouts, lambda t: t >= carted)[1] as checked_out,
        list_filter(checkouts, lambda t: t >= day_carted and cast(t as date) = day)[1] as day_checked_out_0,
        list_filter(checkouts, lambda t: t >= day_cart and cast(t as date) = day)[1] as day_checked_out_1
    from steps
),
steps3 as (
    select
        *,
        list_filter(paid, lambda t: t >= checked_out)[1] as paid_at,
        list_filter(paid, lambda t: t >= day_checked_out_0 and cast(t as date) = day)[1] as day_paid_0,
        list_filter(paid, lambda t: t >= day_checked_out_1 and cast(t as date) = day)[1] as day_paid_1,
        list_filter(paid, lambda t: t >= day_checkout and cast(t as date) = day)[1] as day_paid_2
    from steps2
)
select
    chain, steps3.member_key, event_device, session_id, day,
    (day_viewed is not null)::int + (day_carted is not null)::int
        + (day_checked_out_0 is not null)::int + (day_paid_0 is not null)::int as steps_from_0,
    1 + (day_cart is not null)::int + (day_checked_out_1 is not null)::int
        + (day_paid_1 is not null)::int as steps_from_1,
    2 + (day_checkout is not null)::int + (day_paid_2 is not null)::int as steps_from_2,
    3 + coalesce(day_paid, false)::int as steps_from_3,
    lag(day) over (partition by chain, steps3.member_key, event_device, session_id order by day)
        as prev_day,
    cast(viewed as date) as reach_1,
    cast(carted as date) as reach_2,
    cast(checked_out as date) as reach_3,
    cast(paid_at as date) as reach_4,
    chain = 'session' and count(distinct (steps3.member_key, event_device)) over (
        partition by chain, session_id) > 1 as shared,
    cast(members.signup_at as date) as signup_day,
    members.region,
    members.device,
    members.tier,
    members.channel
from steps3
join members on members.member_key = steps3.member_key

-- The purchase funnel page_view → add_to_cart → checkout → order_paid of each funnel chain
-- on each day on or after $since (null = every day), as a map: steps_from_s = the number of
-- steps reached at the end of the day by a chain that had reached s steps before it (SPEC §4
-- funnel, sql/metrics/funnel_steps.sql: a step is an event of its type at or after the time
-- the previous step was reached). A chain is the event sequence one funnel unit is made of:
--   'member'         all events of a member                (unit member, no device split)
--   'member_device'  a member's events on one device       (unit member, by device)
--   'session'        a session's events of one member on one device (unit session)
-- Within a day, the earliest-event chain decides each map entry, and an event at the same
-- time as the previous step counts; e.g. from 0 steps the day reaches 4 when some cart at or
-- after the first page view is followed (at or after) by a checkout that is at or before the
-- last payment. Days of a chain compose in day order (sql/refresh/funnel_day.sql).
with funnel_events as (
    select
        member_key,
        session_id,
        coalesce(device, '') as event_device,
        cast(event_time as date) as day,
        event_time,
        event_type
    from events
    where ($since::date is null or event_time >= $since::date)
      and event_type in ('page_view', 'add_to_cart', 'checkout', 'order_paid')
),

-- the first / last time of each step at the finest grain (member, device, session, day),
-- rolled up to each chain: min and max compose, so the 35 M events are grouped once
piece_firsts as (
    select
        member_key,
        event_device,
        session_id,
        day,
        min(event_time) filter (where event_type = 'page_view') as view_min,
        min(event_time) filter (where event_type = 'add_to_cart') as cart_min,
        max(event_time) filter (where event_type = 'add_to_cart') as cart_max,
        min(event_time) filter (where event_type = 'checkout') as checkout_min,
        max(event_time) filter (where event_type = 'checkout') as checkout_max,
        max(event_time) filter (where event_type = 'order_paid') as paid_max
    from funnel_events
    group by member_key, event_device, session_id, day
),

firsts as (
    select
        'member' as chain,
        member_key,
        cast(null as varchar) as event_device,
        cast(null as varchar) as session_id,
        day,
        min(view_min) as view_min,
        min(cart_min) as cart_min,
        max(cart_max) as cart_max,
        min(checkout_min) as checkout_min,
        max(checkout_max) as checkout_max,
        max(paid_max) as paid_max
    from piece_firsts
    group by member_key, day
    union all
    select
        'member_device',
        member_key,
        event_device,
        null,
        day,
        min(view_min),
        min(cart_min),
        max(cart_max),
        min(checkout_min),
        max(checkout_max),
        max(paid_max)
    from piece_firsts
    group by member_key, event_device, day
    union all
    select
        'session',
        member_key,
        event_device,
        session_id,
        day,
        view_min,
        cart_min,
        cart_max,
        checkout_min,
        checkout_max,
        paid_max
    from piece_firsts
    where session_id is not null
),

-- carts and checkouts, once per chain they belong to
chain_events as (
    select
        'member' as chain,
        member_key,
        cast(null as varchar) as event_device,
        cast(null as varchar) as session_id,
        day,
        event_time,
        event_type
    from funnel_events
    where event_type in ('add_to_cart', 'checkout')
    union all
    select 'member_device', member_key, event_device, null, day, event_time, event_type
    from funnel_events
    where event_type in ('add_to_cart', 'checkout')
    union all
    select 'session', member_key, event_device, session_id, day, event_time, event_type
    from funnel_events
    where event_type in ('add_to_cart', 'checkout') and session_id is not null
),

-- the carts and checkouts measured against the day's first view, first cart and last payment
seconds as (
    select
        firsts.chain,
        firsts.member_key,
        firsts.event_device,
        firsts.session_id,
        firsts.day,
        min(chain_events.event_time) filter (
            where chain_events.event_type = 'add_to_cart'
              and chain_events.event_time >= firsts.view_min
        ) as cart_after_view,
        max(chain_events.event_time) filter (
            where chain_events.event_type = 'checkout'
              and chain_events.event_time <= firsts.paid_max
        ) as checkout_before_paid,
        coalesce(bool_or(
            chain_events.event_type = 'checkout'
            and chain_events.event_time >= firsts.cart_min
            and chain_events.event_time <= firsts.paid_max
        ), false) as checkout_between_cart_and_paid
    from firsts
    join chain_events
        on chain_events.chain = firsts.chain
        and chain_events.member_key = firsts.member_key
        and coalesce(chain_events.event_device, '') = coalesce(firsts.event_device, '')
        and coalesce(chain_events.session_id, '') = coalesce(firsts.session_id, '')
        and chain_events.day = firsts.day
    where firsts.cart_min is not null
    group by all
),

final as (
    select
        firsts.chain,
        firsts.member_key,
        firsts.event_device,
        firsts.session_id,
        firsts.day,
        cast(case
            when firsts.view_min is null then 0
            when not coalesce(firsts.cart_max >= firsts.view_min, false) then 1
            when not coalesce(firsts.checkout_max >= seconds.cart_after_view, false) then 2
            when seconds.cart_after_view <= seconds.checkout_before_paid then 4
            else 3
        end as utinyint) as steps_from_0,
        cast(case
            when firsts.cart_min is null then 1
            when not coalesce(firsts.checkout_max >= firsts.cart_min, false) then 2
            when seconds.checkout_between_cart_and_paid then 4
            else 3
        end as utinyint) as steps_from_1,
        cast(case
            when firsts.checkout_min is null then 2
            when firsts.paid_max >= firsts.checkout_min then 4
            else 3
        end as utinyint) as steps_from_2,
        cast(case when firsts.paid_max is not null then 4 else 3 end as utinyint) as steps_from_3
    from firsts
    left join seconds
        on seconds.chain = firsts.chain
        and seconds.member_key = firsts.member_key
        and coalesce(seconds.event_device, '') = coalesce(firsts.event_device, '')
        and coalesce(seconds.session_id, '') = coalesce(firsts.session_id, '')
        and seconds.day = firsts.day
)

select * from final

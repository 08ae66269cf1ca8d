-- Built-in behaviour tags (SPEC §5) of every member as known at the end of $day.
-- Parameters: $day (date) and each tag's thresholds (core/segments.py TAG_PARAMS).
-- "The last W days" is [$day - W + 1, $day]; orders and events after $day are unknown.
-- Returns one row per member and tag held.
with bounds as (
    select
        cast($day as date) as day,
        cast($day as date) + 1 as day_end
),

members_then as (
    select member_key, cast(signup_at as date) as signup_day, status
    from members
    cross join bounds
    where cast(signup_at as date) <= bounds.day
),

-- browse_no_order: active on >= N days of the last W, no order in the last M days
browse_no_order as (
    select member_day.member_key
    from member_day
    cross join bounds
    where member_day.day between bounds.day - cast($bno_window_days as integer) + 1 and bounds.day
    group by member_day.member_key
    having count(*) >= $bno_min_active_days
),

browse_no_order_final as (
    select 'browse_no_order' as tag, b.member_key
    from browse_no_order as b
    cross join bounds
    where not exists (
        select 1
        from orders as o
        where o.member_key = b.member_key
          and o.paid_at >= bounds.day - cast($bno_no_order_days as integer) + 1
          and o.paid_at < bounds.day_end
    )
),

-- cart_abandoner: >= K add_to_cart in the last W days not followed by an order within H hours
carts as (
    select events.member_key, events.event_time
    from events
    cross join bounds
    where events.event_type = 'add_to_cart'
      and events.event_time >= bounds.day - cast($cart_window_days as integer) + 1
      and events.event_time < bounds.day_end
),

abandoned_carts as (
    select carts.member_key
    from carts
    cross join bounds
    where not exists (
        select 1
        from orders as o
        where o.member_key = carts.member_key
          and o.paid_at >= carts.event_time
          and o.paid_at <= carts.event_time + to_hours(cast($cart_order_within_hours as bigint))
          and o.paid_at < bounds.day_end
    )
),

cart_abandoner_final as (
    select 'cart_abandoner' as tag, member_key
    from abandoned_carts
    group by member_key
    having count(*) >= $cart_min_carts
),

-- dormant: signed up at least D days ago, no activity in the last D days, not cancelled
dormant_final as (
    select 'dormant' as tag, m.member_key
    from members_then as m
    cross join bounds
    where m.signup_day <= bounds.day - cast($dormant_inactive_days as integer)
      and m.status <> 'cancelled'
      and not exists (
          select 1
          from member_day
          where member_day.member_key = m.member_key
            and member_day.day between bounds.day - cast($dormant_inactive_days as integer) + 1
                and bounds.day
      )
),

new_final as (
    select 'new' as tag, m.member_key
    from members_then as m
    cross join bounds
    where m.signup_day >= bounds.day - cast($new_signup_days as integer) + 1
),

-- high_value: rank by paid spend over the trailing months; the top share of all members
-- signed up by $day (ties at the cut all included); no spend is never high value
spend as (
    select
        m.member_key,
        coalesce(sum(o.amount), 0) as spend
    from members_then as m
    cross join bounds
    left join orders as o
        on o.member_key = m.member_key
        and o.status = 'paid'
        and o.paid_at >= bounds.day_end - to_months(cast($hv_spend_months as integer))
        and o.paid_at < bounds.day_end
    group by m.member_key
),

ranked as (
    select
        member_key,
        spend,
        rank() over (order by spend desc) as spend_rank,
        count(*) over () as population
    from spend
),

high_value_final as (
    select 'high_value' as tag, member_key
    from ranked
    where spend > 0 and spend_rank <= ceil($hv_top_share * population)
),

-- high_value_at_risk: high value, and active days in the last W fewer than R x the W before
recent_activity as (
    select
        member_day.member_key,
        count(*) filter (
            where member_day.day > bounds.day - cast($risk_window_days as integer)
        ) as recent_days,
        count(*) filter (
            where member_day.day <= bounds.day - cast($risk_window_days as integer)
        ) as previous_days
    from member_day
    cross join bounds
    where member_day.day between bounds.day - 2 * cast($risk_window_days as integer) + 1
        and bounds.day
    group by member_day.member_key
),

high_value_at_risk_final as (
    select 'high_value_at_risk' as tag, h.member_key
    from high_value_final as h
    inner join recent_activity as r on r.member_key = h.member_key
    where r.recent_days < $risk_max_ratio * r.previous_days
),

-- coupon_driven: >= N paid orders so far, a share >= S of them with a coupon
coupon_final as (
    select 'coupon_driven' as tag, o.member_key
    from orders as o
    cross join bounds
    where o.status = 'paid' and o.paid_at < bounds.day_end
    group by o.member_key
    having count(*) >= $coupon_min_orders
       and count(*) filter (where coalesce(o.coupon_id, '') <> '')
           >= $coupon_min_coupon_share * count(*)
),

final as (
    select * from browse_no_order_final
    union all select * from cart_abandoner_final
    union all select * from dormant_final
    union all select * from new_final
    union all select * from high_value_final
    union all select * from high_value_at_risk_final
    union all select * from coupon_final
)

select * from final

-- Built-in behaviour tags (SPEC §5) of every member on each day of [$start, $end], as known
-- at the end of that day: the rules of member_tags_on.sql, with the day a column, so that a
-- run of snapshot days costs one pass instead of one query per day. All tags but dormant,
-- which comes as runs of days (dormant_runs_between.sql): most tagged member-days are dormant
-- ones. tests/test_tag_snapshots_incremental.py compares both with member_tags_on.sql.
-- Parameters: $start, $end (dates) and the tags' thresholds (core/segments.py TAG_PARAMS).
-- Returns one row per day, member and tag held.
with days as (
    select
        cast(range as date) as day,
        cast(range as date) + 1 as day_end
    from range(cast($start as date), cast($end as date) + 1, interval 1 day)
),

span as (
    select min(day) as first_day, max(day) as last_day from days
),

-- browse_no_order: active on >= N days of the last W, no order in the last M days
active_in_window as (
    select days.day, member_day.member_key
    from member_day
    cross join span
    inner join days
        on member_day.day between days.day - cast($bno_window_days as integer) + 1 and days.day
    where member_day.day between span.first_day - cast($bno_window_days as integer) + 1
        and span.last_day
    group by days.day, member_day.member_key
    having count(*) >= $bno_min_active_days
),

browse_no_order_final as (
    select b.day, 'browse_no_order' as tag, b.member_key
    from active_in_window as b
    where not exists (
        select 1
        from orders as o
        where o.member_key = b.member_key
          and o.paid_at >= b.day - cast($bno_no_order_days as integer) + 1
          and o.paid_at < b.day + 1
    )
),

-- cart_abandoner: >= K add_to_cart in the last W days not followed by an order within H
-- hours known by the end of the day: a cart is abandoned on day d when the first order in
-- [cart, cart + H h] is missing or paid on or after the end of d
carts as (
    select
        events.member_key,
        events.event_time,
        (
            select min(o.paid_at)
            from orders as o
            where o.member_key = events.member_key
              and o.paid_at >= events.event_time
              and o.paid_at <= events.event_time
                  + to_hours(cast($cart_order_within_hours as bigint))
        ) as first_order
    from events
    cross join span
    where events.event_type = 'add_to_cart'
      and events.event_time >= span.first_day - cast($cart_window_days as integer) + 1
      and events.event_time < span.last_day + 1
),

cart_abandoner_final as (
    select days.day, 'cart_abandoner' as tag, carts.member_key
    from carts
    inner join days
        on carts.event_time >= days.day - cast($cart_window_days as integer) + 1
        and carts.event_time < days.day_end
    where carts.first_order is null or carts.first_order >= days.day_end
    group by days.day, carts.member_key
    having count(*) >= $cart_min_carts
),

new_final as (
    select days.day, 'new' as tag, m.member_key
    from members as m
    inner join days
        on cast(m.signup_at as date) between days.day - cast($new_signup_days as integer) + 1
            and days.day
),

-- high_value: rank by paid spend over the trailing months; the top share of all members
-- signed up by the day (ties at the cut all included); no spend is never high value, so
-- only spenders are ranked and the population is counted apart
signups as (
    select cast(signup_at as date) as signup_day, count(*) as members
    from members
    group by cast(signup_at as date)
),

population as (
    select days.day, coalesce(sum(signups.members), 0) as members
    from days
    left join signups on signups.signup_day <= days.day
    group by days.day
),

-- an order counts on the days d with paid_at in [d + 1 - M months, d + 1): from its own day
-- until the day its window lets it go (month arithmetic clamps at month ends, so the first
-- day not counted is found among the four days from paid_at + M months on)
order_windows as (
    select
        o.member_key,
        o.amount,
        o.paid_at,
        cast(o.paid_at as date) as counted_from,
        cast(o.paid_at + to_months(cast($hv_spend_months as integer)) as date) as near_end
    from orders as o
    cross join span
    where o.status = 'paid'
      and o.paid_at >= span.first_day + 1 - to_months(cast($hv_spend_months as integer))
      and o.paid_at < span.last_day + 1
),

spend_steps as (
    select member_key, counted_from as day, amount as change
    from order_windows
    union all
    select
        member_key,
        case
            when near_end + 3 - to_months(cast($hv_spend_months as integer)) <= paid_at
                then near_end + 3
            when near_end + 2 - to_months(cast($hv_spend_months as integer)) <= paid_at
                then near_end + 2
            when near_end + 1 - to_months(cast($hv_spend_months as integer)) <= paid_at
                then near_end + 1
            else near_end
        end as day,
        -amount as change
    from order_windows
),

-- each member's trailing spend is constant from one step day to the next
spend_levels as (
    select
        member_key,
        day,
        lead(day) over (partition by member_key order by day) as next_day,
        sum(change) over (partition by member_key order by day) as spend
    from (
        select member_key, day, sum(change) as change
        from spend_steps
        group by member_key, day
    )
),

spend as (
    select days.day, l.member_key, l.spend
    from spend_levels as l
    inner join members as m on m.member_key = l.member_key
    inner join days
        on days.day >= l.day
        and (l.next_day is null or days.day < l.next_day)
        and cast(m.signup_at as date) <= days.day
    where l.spend > 0
),

ranked as (
    select
        day,
        member_key,
        rank() over (partition by day order by spend desc) as spend_rank
    from spend
),

high_value_final as (
    select ranked.day, 'high_value' as tag, ranked.member_key
    from ranked
    inner join population on population.day = ranked.day
    where ranked.spend_rank <= ceil($hv_top_share * population.members)
),

-- high_value_at_risk: high value, and active days in the last W fewer than R x the W before
recent_activity as (
    select
        h.day,
        h.member_key,
        count(member_day.day) filter (
            where member_day.day > h.day - cast($risk_window_days as integer)
        ) as recent_days,
        count(member_day.day) filter (
            where member_day.day <= h.day - cast($risk_window_days as integer)
        ) as previous_days
    from high_value_final as h
    inner join member_day
        on member_day.member_key = h.member_key
        and member_day.day between h.day - 2 * cast($risk_window_days as integer) + 1 and h.day
    group by h.day, h.member_key
),

high_value_at_risk_final as (
    select day, 'high_value_at_risk' as tag, member_key
    from recent_activity
    where recent_days < $risk_max_ratio * previous_days
),

-- coupon_driven: >= N paid orders so far, a share >= S of them with a coupon; the counts
-- change only on order days, so each order day's running counts hold until the next one
order_days as (
    select
        member_key,
        cast(paid_at as date) as paid_day,
        count(*) as orders,
        count(*) filter (where coalesce(coupon_id, '') <> '') as with_coupon
    from orders
    cross join span
    where status = 'paid' and paid_at < span.last_day + 1
    group by member_key, cast(paid_at as date)
),

running_orders as (
    select
        member_key,
        paid_day,
        lead(paid_day) over (partition by member_key order by paid_day) as next_paid_day,
        sum(orders) over (partition by member_key order by paid_day) as orders,
        sum(with_coupon) over (partition by member_key order by paid_day) as with_coupon
    from order_days
),

coupon_final as (
    select days.day, 'coupon_driven' as tag, r.member_key
    from running_orders as r
    inner join days
        on days.day >= r.paid_day
        and (r.next_paid_day is null or days.day < r.next_paid_day)
    where r.orders >= $coupon_min_orders
      and r.with_coupon >= $coupon_min_coupon_share * r.orders
),

final as (
    select * from browse_no_order_final
    union all select * from cart_abandoner_final
    union all select * from new_final
    union all select * from high_value_final
    union all select * from high_value_at_risk_final
    union all select * from coupon_final
)

select * from final

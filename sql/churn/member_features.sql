-- Churn-model features of every member as known on $landmark (nothing after it is read):
-- tier at the landmark (tier history), channel, device, tenure, recency, activity frequency
-- (active days in the last 90 and in all, first and last active day),
-- paid orders and spend over the trailing 365 days, coupon share of those orders, cart
-- abandonment (add-to-carts on days without a paid order, last 90 days), mean session
-- length (minutes, last 90 days) and the best contact hour (the most active hour of day
-- over the last 90 days, SPEC §4) and the current status. Only members who signed up by
-- $landmark are returned. Activity comes from the member_day rollup, hours from member_hour;
-- only session length reads the raw events (the rollups have no sessions).
with bounds as (
    select
        cast($landmark as date) as landmark_day,
        cast($landmark as date) - 89 as window_start,
        cast($landmark as date) - 364 as year_start
),

base_members as (
    select
        member_key, member_id, cast(signup_at as date) as signup_day, channel, device, status
    from members, bounds
    where cast(signup_at as date) <= bounds.landmark_day
),

tier_at_landmark as (
    select member_key, arg_max(to_tier, changed_at) as tier
    from tier_history, bounds
    where cast(changed_at as date) <= bounds.landmark_day
    group by member_key
),

activity as (
    select
        member_day.member_key,
        min(member_day.day) as first_active_day,
        max(member_day.day) as last_active_day,
        count(*) as active_days,
        count(*) filter (where member_day.day >= bounds.window_start) as active_days_90,
        coalesce(sum(member_day.add_to_carts) filter (
            where member_day.day >= bounds.window_start
        ), 0) as add_to_carts_90,
        coalesce(sum(member_day.add_to_carts) filter (
            where member_day.day >= bounds.window_start and member_day.orders_paid = 0
        ), 0) as abandoned_carts_90
    from member_day, bounds
    where member_day.day <= bounds.landmark_day
    group by member_day.member_key
),

paid_orders as (
    select
        orders.member_key,
        count(*) as orders_365,
        sum(orders.amount) as monetary_365,
        count(*) filter (where orders.coupon_id is not null and orders.coupon_id <> '')
            as coupon_orders_365
    from orders, bounds
    where orders.status = 'paid'
      and cast(orders.paid_at as date) between bounds.year_start and bounds.landmark_day
    group by orders.member_key
),

recent_events as (
    select events.member_key, events.session_id, events.duration_s
    from events, bounds
    where events.event_time >= bounds.window_start
      and events.event_time < bounds.landmark_day + 1
      and events.session_id is not null
),

sessions as (
    -- dwell times summed as decimals (to the millisecond): exact, so the mean does not
    -- depend on the order in which the parallel scan adds rows up (the baseline classifier
    -- gave different answers on the same data when it did)
    select
        member_key,
        session_id,
        sum(cast(coalesce(duration_s, 0) as decimal(18, 3))) as session_seconds
    from recent_events
    group by member_key, session_id
),

session_length as (
    select member_key, cast(sum(session_seconds) as double) / count(*) / 60.0 as session_minutes
    from sessions
    group by member_key
),

hours as (
    -- the member_hour rollup has one row per member, day and hour with events: the active
    -- days of an hour are its rows (the same rule and rows as best_contact_hours.sql)
    select
        member_hour.member_key,
        cast(member_hour.hour as bigint) as hour_of_day,
        count(*) as active_days,
        sum(member_hour.events) as events
    from member_hour, bounds
    where member_hour.day between bounds.window_start and bounds.landmark_day
    group by member_hour.member_key, member_hour.hour
),

best_hours as (
    -- the same rule as sql/segments/best_contact_hours.sql: most active days in the hour,
    -- then most events, then the earlier hour
    select
        member_key,
        arg_max(hour_of_day, best_hour_rank(active_days, events, hour_of_day)) as best_hour
    from hours
    group by member_key
),

final as (
    select
        base_members.member_key,
        base_members.member_id,
        base_members.signup_day,
        coalesce(tier_at_landmark.tier, 'normal') as tier,
        coalesce(base_members.channel, '') as channel,
        coalesce(base_members.device, '') as device,
        base_members.status,
        bounds.landmark_day - base_members.signup_day as tenure_days,
        bounds.landmark_day
            - coalesce(activity.last_active_day, base_members.signup_day) as recency_days,
        coalesce(activity.last_active_day, base_members.signup_day) as last_active_day,
        activity.first_active_day,
        coalesce(activity.active_days, 0) as active_days,
        coalesce(activity.active_days_90, 0) as active_days_90,
        coalesce(paid_orders.orders_365, 0) as orders_365,
        coalesce(cast(paid_orders.monetary_365 as double), 0) as monetary_365,
        coalesce(paid_orders.coupon_orders_365 / paid_orders.orders_365, 0) as coupon_share,
        coalesce(activity.abandoned_carts_90 / nullif(activity.add_to_carts_90, 0), 0)
            as cart_abandonment,
        coalesce(session_length.session_minutes, 0) as session_minutes,
        best_hours.best_hour
    from base_members
    cross join bounds
    left join tier_at_landmark on tier_at_landmark.member_key = base_members.member_key
    left join activity on activity.member_key = base_members.member_key
    left join paid_orders on paid_orders.member_key = base_members.member_key
    left join session_length on session_length.member_key = base_members.member_key
    left join best_hours on best_hours.member_key = base_members.member_key
)

select * from final
order by member_key

-- The member × active-day rollup every activity and retention query reads, for the days on
-- or after $since (null = every day). A member is active on a day with an event of any type
-- or an order paid that day (SPEC §4): paid or later refunded, $0 included (revenue is
-- another matter: only status 'paid' counts, see sql/refresh/paid_orders.sql). One row per
-- member and active day, so an order that is also an order_paid event counts once; the
-- columns say what the day held: events by type (from events) and orders (from orders).
-- The chain columns (prev_day, next_day, first_day) are computed over the rows built here;
-- after a partial build core/rollups.py corrects them for the members whose rows were
-- rebuilt (sql/refresh/member_day_chain.sql). Member attributes are the member's current
-- ones (see sql/schema/007_member_day_attributes.sql).
with day_events as (
    select
        member_key,
        cast(event_time as date) as day,
        count(*) as events,
        count(*) filter (where event_type = 'page_view') as page_views,
        count(*) filter (where event_type = 'add_to_cart') as add_to_carts,
        count(*) filter (where event_type = 'order_paid') as orders_paid
    from events
    where $since::date is null or event_time >= $since::date
    group by member_key, cast(event_time as date)
),

day_orders as (
    select
        member_key,
        cast(paid_at as date) as day,
        count(*) as orders
    from orders
    where $since::date is null or paid_at >= $since::date
    group by member_key, cast(paid_at as date)
),

counts as (
    select
        coalesce(day_events.member_key, day_orders.member_key) as member_key,
        coalesce(day_events.day, day_orders.day) as day,
        coalesce(day_events.events, 0) as events,
        coalesce(day_events.page_views, 0) as page_views,
        coalesce(day_events.add_to_carts, 0) as add_to_carts,
        coalesce(day_events.orders_paid, 0) as orders_paid,
        coalesce(day_orders.orders, 0) as orders
    from day_events
    full outer join day_orders
        on day_orders.member_key = day_events.member_key
        and day_orders.day = day_events.day
),

final as (
    select
        counts.member_key,
        counts.day,
        counts.events,
        counts.page_views,
        counts.add_to_carts,
        counts.orders_paid,
        lag(counts.day) over member_days as prev_day,
        lead(counts.day) over member_days as next_day,
        min(counts.day) over (partition by counts.member_key) as first_day,
        cast(members.signup_at as date) as signup_day,
        members.region,
        members.device,
        members.tier,
        members.channel,
        counts.orders
    from counts
    left join members on members.member_key = counts.member_key
    window member_days as (partition by counts.member_key order by counts.day)
)

select * from final order by day, member_key

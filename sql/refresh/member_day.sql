-- The member × active-day rollup every activity and retention query reads, for the days on
-- or after $since (null = every day). The chain columns (prev_day, next_day, first_day) are
-- computed over the rows built here; after a partial build core/rollups.py corrects them for
-- the members whose rows were rebuilt (sql/refresh/member_day_chain.sql). Member attributes
-- are the member's current ones (see sql/schema/007_member_day_attributes.sql).
with day_events as (
    select
        member_key,
        cast(event_time as date) as day,
        event_type
    from events
    where $since::date is null or event_time >= $since::date
),

counts as (
    select
        member_key,
        day,
        count(*) as events,
        count(*) filter (where event_type = 'page_view') as page_views,
        count(*) filter (where event_type = 'add_to_cart') as add_to_carts,
        count(*) filter (where event_type = 'order_paid') as orders_paid
    from day_events
    group by member_key, day
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
        members.channel
    from counts
    left join members on members.member_key = counts.member_key
    window member_days as (partition by counts.member_key order by counts.day)
)

select * from final order by day, member_key

-- The member × active-day rollup every activity and retention query reads.
with day_events as (
    select
        member_key,
        cast(event_time as date) as day,
        event_type
    from events
),

final as (
    select
        member_key,
        day,
        count(*) as events,
        count(*) filter (where event_type = 'page_view') as page_views,
        count(*) filter (where event_type = 'add_to_cart') as add_to_carts,
        count(*) filter (where event_type = 'order_paid') as orders_paid
    from day_events
    group by member_key, day
)

select * from final order by day, member_key

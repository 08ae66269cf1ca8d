-- Orders derived from order_paid events, used only while no orders file has been imported.
-- An order id is the event's own id, else its content hash, so a refresh is repeatable.
with paid_events as (
    select * from events where event_type = 'order_paid'
),

final as (
    select
        coalesce(event_id, 'event:' || cast(event_uid as varchar)) as order_id,
        member_key,
        event_time as paid_at,
        coalesce(amount, 0) as amount,
        cast(0 as decimal(18, 2)) as discount_amount,
        coupon_id,
        category,
        'paid' as status,
        'events' as source,
        import_id
    from paid_events
)

select * from final

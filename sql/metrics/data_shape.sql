-- Which kinds of data the store holds (core/data_shape.py), read from the rollups so it is
-- cheap on every page load at 50 M events: each test is an exists() that stops at the first
-- row, except times of day, one min/max over member_hour's hour column.
--   sessions      a funnel chain per session: some funnel event carries a session_id
--   page_views    a page view, cart or checkout (funnel steps before the payment)
--   times_of_day  event times on more than one hour of day (dates alone are all midnight)
select
    exists (select 1 from members) as members,
    exists (select 1 from events) as events,
    exists (select 1 from orders) as orders,
    exists (select 1 from funnel_day where chain = 'session') as sessions,
    exists (
        select 1 from funnel_day
        where chain = 'member'
          and (steps_from_0 > 0 or steps_from_1 > 1 or steps_from_2 > 2)
    ) as page_views,
    exists (select 1 from search_day) as searches,
    coalesce((select min(hour) < max(hour) from member_hour), false) as times_of_day,
    exists (select 1 from orders where coalesce(coupon_id, '') <> '') as coupons,
    exists (select 1 from orders where category is not null) as categories,
    exists (select 1 from members where coalesce(channel, '') <> '') as channels,
    exists (
        select 1 from members where gender in ('M', 'F') or birth_date is not null
    ) as demographics,
    exists (select 1 from channel_costs) as channel_costs,
    exists (select 1 from campaigns) as campaigns

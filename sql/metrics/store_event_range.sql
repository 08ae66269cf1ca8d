-- The span of the raw events and of the daily rollup (for the admin data page).
select
    (select min(event_time) from events) as first_event,
    (select max(event_time) from events) as last_event,
    (select min(day) from member_day) as first_active_day,
    (select max(day) from member_day) as last_active_day

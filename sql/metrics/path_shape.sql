-- What the store's events hold for paths and dwell (core/paths.py): each an exists() that
-- stops at the first row it finds.
--   times       an event time that is not midnight (a store of dates alone has no order
--               within a day, and the events table keeps no import order, so no paths)
--   pages       a page_view naming its page
--   session_ids an event carrying a session_id (else every session is derived)
--   durations   an event carrying duration_s
select
    exists (select 1 from events) as events,
    exists (
        select 1 from events where event_time <> date_trunc('day', event_time)
    ) as times,
    exists (
        select 1 from events
        where event_type = 'page_view' and nullif(trim(page), '') is not null
    ) as pages,
    exists (select 1 from events where nullif(trim(session_id), '') is not null) as session_ids,
    exists (select 1 from events where duration_s is not null) as durations

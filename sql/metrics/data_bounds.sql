-- The first and last day with any activity: the default as-of date is last_day, and a
-- window that starts before first_day is incomplete (shown empty, not zero).
select
    min(day) as first_day,
    max(day) as last_day
from member_day

-- Members with at least one active day (an event or a paid order) after $after and on or
-- before $through: the churn score's label is "no active day in the churn window after the
-- landmark", so a member missing from this list stayed away.
select distinct member_key
from member_day
where day > cast($after as date)
  and day <= cast($through as date)
order by member_key

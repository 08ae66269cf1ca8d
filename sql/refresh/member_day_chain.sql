-- Corrects the chain columns (prev_day, next_day, first_day) of every member with a rollup
-- row on or after $since, over all of that member's rows, after a partial rebuild of
-- member_day from $since. Only rows whose values change are written.
update member_day
set
    prev_day = chained.prev_day,
    next_day = chained.next_day,
    first_day = chained.first_day
from (
    select
        member_day.member_key,
        member_day.day,
        lag(member_day.day) over member_days as prev_day,
        lead(member_day.day) over member_days as next_day,
        min(member_day.day) over (partition by member_day.member_key) as first_day
    from member_day
    where member_day.member_key in (
        select rebuilt.member_key from member_day as rebuilt where rebuilt.day >= $since::date
    )
    window member_days as (partition by member_day.member_key order by member_day.day)
) as chained
where chained.member_key = member_day.member_key
  and chained.day = member_day.day
  and (
      chained.prev_day is distinct from member_day.prev_day
      or chained.next_day is distinct from member_day.next_day
      or chained.first_day is distinct from member_day.first_day
  )

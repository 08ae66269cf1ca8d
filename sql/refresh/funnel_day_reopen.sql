-- The day maps of the funnel chains that have new rows in funnel_day_steps (days on or after
-- $since), from their earlier days: a chain's reach and prev_day are computed over all its
-- days, so after an import its earlier rows are rebuilt together with the new ones. Member
-- chains are picked by member, session chains by session (its other members' rows too).
select
    chain,
    member_key,
    event_device,
    session_id,
    day,
    steps_from_0,
    steps_from_1,
    steps_from_2,
    steps_from_3
from funnel_day
where day < $since::date
  and (
      (chain <> 'session' and member_key in (
          select funnel_day_steps.member_key from funnel_day_steps
      ))
      or (chain = 'session' and session_id in (
          select funnel_day_steps.session_id from funnel_day_steps
          where funnel_day_steps.chain = 'session'
      ))
  )

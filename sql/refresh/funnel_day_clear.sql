-- Deletes the funnel_day rows about to be rebuilt from funnel_day_steps: the days on or after
-- $since and every row of a chain in funnel_day_steps (see funnel_day_reopen.sql).
delete from funnel_day
where day >= $since::date
   or (chain <> 'session' and member_key in (
       select funnel_day_steps.member_key from funnel_day_steps
   ))
   or (chain = 'session' and session_id in (
       select funnel_day_steps.session_id from funnel_day_steps
       where funnel_day_steps.chain = 'session'
   ))

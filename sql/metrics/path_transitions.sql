-- Transitions between consecutive steps of a session (read from `path_steps`,
-- sql/metrics/path_steps.sql): every step is followed by the next step of its session, or by the
-- pseudo-step $exit when it is the session's last, so the shares of one from_step's exits sum
-- to 1. Consecutive repeats of a step count as one step unless $keep_repeats.
--   transitions  how many times from_step was followed by to_step
--   sessions     sessions holding the pair at least once
--   share        transitions ÷ all transitions out of from_step
with steps as (
    select session_key, event_time, event_uid, step
    from path_steps
    where $keep_repeats or not repeat
),

pairs as (
    select
        session_key,
        step as from_step,
        coalesce(
            lead(step) over (partition by session_key order by event_time, event_uid), $exit
        ) as to_step
    from steps
),

final as (
    select
        from_step,
        to_step,
        count(*) as transitions,
        count(distinct session_key) as sessions
    from pairs
    group by from_step, to_step
)

select
    from_step,
    to_step,
    transitions,
    sessions,
    transitions / sum(transitions) over (partition by from_step) as share
from final

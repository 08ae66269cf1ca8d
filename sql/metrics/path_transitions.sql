-- Transitions between consecutive steps of a session (read from `path_steps`,
-- sql/metrics/path_steps.sql): every step is followed by the next step of its session, or by the
-- pseudo-step $exit when it is the session's last, so the shares of one from_step's exits sum
-- to 1. Consecutive repeats of a step count as one step unless $keep_repeats.
--   transitions  how many times from_step was followed by to_step
--   sessions     sessions holding the pair at least once
--   share        transitions ÷ all transitions out of from_step
with steps as (
    select member_key, session_key, ordinal, step
    from path_steps
    where $keep_repeats or not repeat
),

-- the next step is the member's next row when it belongs to the same session
pairs as (
    select
        session_key,
        step as from_step,
        case
            when lead(session_key) over member_order = session_key
                then lead(step) over member_order
            else $exit
        end as to_step
    from steps
    window member_order as (partition by member_key order by ordinal)
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

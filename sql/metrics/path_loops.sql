-- Loops A → B → A in the collapsed path of a session (read from `path_steps`,
-- sql/metrics/path_steps.sql): a step, the next one and a return to the first, the sign of someone
-- going back and forth (a product page and its size chart, a checkout that sends them back
-- to the cart). Overlapping loops each count (A → B → A → B holds A→B→A and B→A→B).
--   loops     how many times the loop occurs
--   sessions  sessions holding it at least once
with steps as (
    select member_key, session_key, ordinal, step
    from path_steps
    where not repeat
),

-- the member's next two rows, when they belong to the same session
triples as (
    select
        session_key,
        step as from_step,
        lead(step, 1) over member_order as via_step,
        lead(step, 2) over member_order as back_step
    from steps
    window member_order as (partition by member_key order by ordinal)
    qualify lead(session_key, 2) over member_order = session_key
),

final as (
    select
        from_step,
        via_step,
        count(*) as loops,
        count(distinct session_key) as sessions
    from triples
    where back_step = from_step
    group by from_step, via_step
)

select * from final

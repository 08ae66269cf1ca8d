-- The paths after (or before, $forward false) the first occurrence of the step $anchor in
-- each session, as Sankey links (read from `path_steps`, sql/metrics/path_steps.sql; collapsed
-- paths). Position 0 is the anchor; position p is the p-th step after it (before it); one
-- place past the session's end is the pseudo-step $exit (before its start: $start_mark).
-- At each position the $top steps held by most sessions keep their name and the rest become
-- $other (the pseudo-steps keep theirs).
--   depth      forward: the link from position depth − 1 to position depth; backward: the
--              link from position depth (earlier) to position depth − 1
--   sessions   sessions taking that link (a session takes one link per depth)
-- seq numbers a member's collapsed steps, session after session (path_steps' ordinal), so
-- a session's steps are seq first_seq … last_seq of its member
with steps as (
    select
        member_key,
        session_key,
        step,
        row_number() over (partition by member_key order by ordinal) as seq
    from path_steps
    where not repeat
),

anchored as (
    select
        member_key,
        session_key,
        min(seq) filter (where step = $anchor) as anchor_seq,
        min(seq) as first_seq,
        max(seq) as last_seq
    from steps
    group by member_key, session_key
    having min(seq) filter (where step = $anchor) is not null
),

positions as (
    select
        anchored.member_key,
        anchored.session_key,
        place.position,
        case
            when $forward then anchored.anchor_seq + place.position
            else anchored.anchor_seq - place.position
        end as target_seq,
        anchored.first_seq,
        anchored.last_seq
    from anchored
    cross join range(0, $depth + 1) as place(position)
),

placed as (
    select
        positions.session_key,
        positions.position,
        case
            when positions.target_seq between positions.first_seq and positions.last_seq
                then steps.step
            when $forward and positions.target_seq = positions.last_seq + 1 then $exit
            when not $forward and positions.target_seq = positions.first_seq - 1 then $start_mark
        end as step
    from positions
    left join steps
        on steps.member_key = positions.member_key
        and steps.seq = positions.target_seq
),

ranked as (
    select
        position,
        step,
        row_number() over (partition by position order by count(*) desc, step) as step_rank
    from placed
    where step is not null
      and step not in ($exit, $start_mark)
    group by position, step
),

folded as (
    select
        placed.session_key,
        placed.position,
        case
            when ranked.step_rank is null or ranked.step_rank <= $top then placed.step
            else $other
        end as step
    from placed
    left join ranked
        on ranked.position = placed.position
        and ranked.step = placed.step
    where placed.step is not null
),

links as (
    select
        position as depth,
        lag(step) over (partition by session_key order by position) as nearer_step,
        step as farther_step
    from folded
),

final as (
    select
        depth,
        case when $forward then nearer_step else farther_step end as from_step,
        case when $forward then farther_step else nearer_step end as to_step,
        count(*) as sessions
    from links
    where depth >= 1
    group by all
)

select * from final

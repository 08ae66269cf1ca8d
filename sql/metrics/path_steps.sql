-- The events of the members in the filter scope in [$start, $end], each placed in a session
-- and given its step (core/paths.py; issue 15 items 1 and 3). Every path_* query in sql/metrics/
-- reads this one as the table `path_steps` (core.paths wraps it round the query), so the
-- session rule and the step rule have one definition.
--   session   the member's session_id when the event has one (a session is per member: one
--             id shared by two members is two sessions); otherwise derived from the member's
--             events without an id: a new session at the first one and after any gap of more
--             than $session_gap_s seconds. session_key is a hash of (member, session id,
--             derived number): one integer to sort and count sessions by (the windows
--             also split by member, so only a 64-bit collision within one member's
--             sessions could merge two of them).
--   step      the page for a page_view that names one, else the event type.
--   order     event_time, then event_uid: events of the same second have no true order, so
--             they take a fixed (hash) order that is the same on every run. ordinal numbers
--             a member's events session by session in that order (see `ordered`).
--   dwell_s   duration_s when the event has one, else the seconds to the next event of the
--             session, at most $dwell_cap_s; none for a session's last event, and none from
--             times when the store's events are dates without times ($timed false).
--   repeat    the same step as the event before it in the session (the collapsed path
--             leaves these out).
-- Member attributes (tier, channel) are the current ones; device is the event's, else the
-- member's.
with scoped as (
    select
        events.member_key,
        events.event_time,
        events.event_uid,
        nullif(trim(events.session_id), '') as session_id,
        case
            when events.event_type = 'page_view' and nullif(trim(events.page), '') is not null
                then trim(events.page)
            else events.event_type
        end as step,
        events.event_type = 'page_view' and nullif(trim(events.page), '') is not null as is_page,
        events.duration_s,
        members.tier,
        members.channel,
        coalesce(events.device, members.device) as device
    from events
    join members on members.member_key = events.member_key
    where events.event_time >= cast($start as date)
      and events.event_time < cast($end as date) + 1
      and member_in_scope(
          members.region, members.device, members.tier, members.channel,
          members.member_key, $regions, $devices, $tiers, $channels, $segment
      )
),

-- The windows are all partitioned by member, with the session inside the sort key: DuckDB
-- sorts a few large partitions several times faster than one tiny partition per session.
-- The gap rule runs over the events without a session id alone (none, in most stores): a
-- new session at the member's first such event and after a long gap.
gapped as (
    select
        *,
        lag(event_time) over unnamed_order is null
            or event_time > lag(event_time) over unnamed_order + to_seconds($session_gap_s)
            as starts_session
    from scoped
    where session_id is null
    window unnamed_order as (partition by member_key order by event_time, event_uid)
),

numbered as (
    select
        * exclude (starts_session),
        sum(cast(starts_session as integer)) over (
            partition by member_key order by event_time, event_uid
            rows between unbounded preceding and current row
        ) as derived_no
    from gapped
),

keyed as (
    select
        * exclude (derived_no),
        hash(member_key, session_id, derived_no) as session_key
    from numbered
    union all by name
    select
        *,
        hash(member_key, session_id, 0) as session_key
    from scoped
    where session_id is not null
),

-- ordinal: the place of the event in its member's sessions, one session after another in
-- a fixed order, the session's events in time order, so that the next event of a session
-- is the member's next row when it has the same session_key
ordered as (
    select
        *,
        row_number() over member_order as ordinal,
        case
            when lead(session_key) over member_order = session_key
                then lead(event_time) over member_order
        end as next_time,
        case
            when lag(session_key) over member_order = session_key
                then lag(step) over member_order
        end as previous_step
    from keyed
    window member_order as (partition by member_key order by session_key, event_time, event_uid)
),

final as (
    select
        member_key,
        session_key,
        ordinal,
        event_time,
        step,
        is_page,
        tier,
        channel,
        device,
        coalesce(
            duration_s,
            case
                when $timed and next_time is not null then least(
                    date_diff('millisecond', event_time, next_time) / 1000.0,
                    $dwell_cap_s
                )
            end
        ) as dwell_s,
        coalesce(previous_step = step, false) as repeat
    from ordered
)

select * from final

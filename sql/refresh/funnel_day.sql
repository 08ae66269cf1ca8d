-- funnel_day rows from the day maps in the temp table funnel_day_steps (built by
-- sql/refresh/funnel_day_steps.sql; complete chains only), with what a query needs to answer
-- the funnel over any range of days without reading events:
--   prev_day      the chain's previous day with funnel events (null on its first)
--   reach_k       entering this day with 0 steps, the day the chain has reached k steps
--                 (this day or later; null when it never does), for k = 1..4
--   shared        a session split over more than one (member, device) chain; the funnel
--                 reads such sessions from events
-- Over [start, end] a chain's funnel starts on its first day in range (prev_day before start
-- or null) and has reached step k when reach_k <= end: the days compose in order, the state
-- never goes down, and every map is monotone.
--
-- reach is computed backwards with windows over the chain's later days: with j steps on
-- entering day r, write e for the day's steps_from_j. The day reaches k (> j) on r when
-- e >= k; when e = j it is the answer of the next day that moves from j; otherwise (j < e <
-- k) the answer of the next day entered with e. The levels below resolve k - j = 1, 2, 3, 4
-- in turn; '9999-12-31' stands for "never" where a null would mean "look further".
with counted as (
    select
        *,
        count(*) over chain_rows as chain_days,
        case when chain = 'session' then
            min(member_key) over sessions <> max(member_key) over sessions
            or min(event_device) over sessions <> max(event_device) over sessions
        else false end as shared
    from funnel_day_steps
    window
        chain_rows as (partition by chain, member_key, event_device, session_id),
        sessions as (partition by chain, session_id)
),

-- a chain of one day (most sessions) needs no window
single as (
    select
        * exclude (chain_days),
        cast(null as date) as prev_day,
        case when steps_from_0 >= 1 then day end as r01,
        case when steps_from_0 >= 2 then day end as r02,
        case when steps_from_0 >= 3 then day end as r03,
        case when steps_from_0 >= 4 then day end as r04
    from counted
    where chain_days = 1
),

level1 as (
    select
        * exclude (chain_days),
        lag(day) over chain_days as prev_day,
        min(case when steps_from_0 >= 1 then day end) over rest as r01,
        min(case when steps_from_1 >= 2 then day end) over later as n12,
        min(case when steps_from_2 >= 3 then day end) over later as n23,
        min(case when steps_from_3 >= 4 then day end) over later as n34
    from counted
    where chain_days > 1
    window
        chain_days as (partition by chain, member_key, event_device, session_id order by day),
        rest as (
            partition by chain, member_key, event_device, session_id order by day
            rows between current row and unbounded following
        ),
        later as (
            partition by chain, member_key, event_device, session_id order by day
            rows between 1 following and unbounded following
        )
),

values2 as (
    select
        *,
        case
            when steps_from_0 >= 2 then day
            when steps_from_0 = 1 then coalesce(n12, date '9999-12-31')
        end as v02,
        case
            when steps_from_1 >= 3 then day
            when steps_from_1 = 2 then coalesce(n23, date '9999-12-31')
        end as v13,
        case
            when steps_from_2 >= 4 then day
            when steps_from_2 = 3 then coalesce(n34, date '9999-12-31')
        end as v24
    from level1
),

level2 as (
    select
        *,
        min(v02) over rest as r02,
        min(v13) over later as n13,
        min(v24) over later as n24
    from values2
    window
        rest as (
            partition by chain, member_key, event_device, session_id order by day
            rows between current row and unbounded following
        ),
        later as (
            partition by chain, member_key, event_device, session_id order by day
            rows between 1 following and unbounded following
        )
),

values3 as (
    select
        *,
        case
            when steps_from_0 >= 3 then day
            when steps_from_0 = 2 then coalesce(n23, date '9999-12-31')
            when steps_from_0 = 1 then coalesce(n13, date '9999-12-31')
        end as v03,
        case
            when steps_from_1 >= 4 then day
            when steps_from_1 = 3 then coalesce(n34, date '9999-12-31')
            when steps_from_1 = 2 then coalesce(n24, date '9999-12-31')
        end as v14
    from level2
),

level3 as (
    select
        *,
        min(v03) over rest as r03,
        min(v14) over later as n14
    from values3
    window
        rest as (
            partition by chain, member_key, event_device, session_id order by day
            rows between current row and unbounded following
        ),
        later as (
            partition by chain, member_key, event_device, session_id order by day
            rows between 1 following and unbounded following
        )
),

values4 as (
    select
        *,
        case
            when steps_from_0 >= 4 then day
            when steps_from_0 = 3 then coalesce(n34, date '9999-12-31')
            when steps_from_0 = 2 then coalesce(n24, date '9999-12-31')
            when steps_from_0 = 1 then coalesce(n14, date '9999-12-31')
        end as v04
    from level3
),

level4 as (
    select
        *,
        min(v04) over (
            partition by chain, member_key, event_device, session_id order by day
            rows between current row and unbounded following
        ) as r04
    from values4
),

chained as (
    select * exclude (n12, n23, n34, v02, v13, v24, n13, n24, v03, v14, n14, v04)
    from level4
    union all by name
    select * from single
),

final as (
    select
        chained.chain,
        chained.member_key,
        chained.event_device,
        chained.session_id,
        chained.day,
        chained.steps_from_0,
        chained.steps_from_1,
        chained.steps_from_2,
        chained.steps_from_3,
        chained.prev_day,
        nullif(chained.r01, date '9999-12-31') as reach_1,
        nullif(chained.r02, date '9999-12-31') as reach_2,
        nullif(chained.r03, date '9999-12-31') as reach_3,
        nullif(chained.r04, date '9999-12-31') as reach_4,
        chained.shared,
        cast(members.signup_at as date) as signup_day,
        members.region,
        members.device,
        members.tier,
        members.channel
    from chained
    left join members on members.member_key = chained.member_key
)

select * from final
order by chain, day, member_key

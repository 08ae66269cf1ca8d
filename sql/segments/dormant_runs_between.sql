-- The dormant tag (SPEC §5; member_tags_on.sql) over [$start, $end] as runs of consecutive
-- days: signed up at least D days before the day, not cancelled, no activity in the D days
-- up to the day. A member is inactive for D days on every day from D days after an active day
-- until the day before the next one (member_day.next_day; none: for good), and before the
-- first active day (member_day.prev_day null), or always without activity; each such gap cut
-- to the days signed up long enough and to [$start, $end] is one run.
-- Parameters: $start, $end (dates), $dormant_inactive_days. Returns tag, member_key,
-- first_day, last_day.
with bounds as (
    select
        cast($start as date) as start_day,
        cast($end as date) as end_day,
        cast($dormant_inactive_days as integer) as inactive_days
),

eligible as (
    select
        members.member_key,
        cast(members.signup_at as date) + bounds.inactive_days as from_day
    from members
    cross join bounds
    where members.status <> 'cancelled'
),

-- gap_start null: since ever; gap_end null: for good
gaps as (
    select
        member_day.member_key,
        member_day.day + bounds.inactive_days as gap_start,
        member_day.next_day - 1 as gap_end
    from member_day
    cross join bounds
    where member_day.day <= bounds.end_day - bounds.inactive_days
      and (member_day.next_day is null or member_day.next_day > bounds.start_day)
    union all
    select
        eligible.member_key,
        cast(null as date) as gap_start,
        first_active.day - 1 as gap_end
    from eligible
    cross join bounds
    left join member_day as first_active
        on first_active.member_key = eligible.member_key
        and first_active.prev_day is null
    where first_active.day is null or first_active.day > bounds.start_day
),

runs as (
    select
        gaps.member_key,
        greatest(coalesce(gaps.gap_start, eligible.from_day), eligible.from_day, bounds.start_day)
            as first_day,
        least(coalesce(gaps.gap_end, bounds.end_day), bounds.end_day) as last_day
    from gaps
    inner join eligible on eligible.member_key = gaps.member_key
    cross join bounds
),

final as (
    select 'dormant' as tag, member_key, first_day, last_day
    from runs
    where first_day <= last_day
)

select * from final

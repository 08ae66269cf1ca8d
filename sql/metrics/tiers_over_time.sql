-- Members per tier at the end of each snapshot day, replaying tier_history (a member's
-- tier at a moment is the to_tier of their latest change at or before it; the signup row
-- gives the first tier). Snapshot days are the last day of each $grain ('day', 'week',
-- 'month') inside [$start, $end], plus $end itself. Members in the filter scope only (the
-- tier filter is on the current tier).
with bounds as (
    select cast($start as date) as start_day, cast($end as date) as end_day
),

snapshots as (
    select distinct day
    from (
        select cast(generate_series as date) as day
        from bounds, generate_series(bounds.start_day, bounds.end_day, interval 1 day)
    ) as days
    cross join bounds
    where $grain = 'day'
       or day = bounds.end_day
       or ($grain = 'week' and isodow(day) = 7)
       or ($grain = 'month' and day = last_day(day))
),

spans as (
    select
        tier_spans.to_tier,
        cast(tier_spans.valid_from as date) as from_day,
        cast(tier_spans.valid_to as date) as to_day
    from tier_spans
    where member_in_scope(
        tier_spans.region, tier_spans.device, tier_spans.tier, tier_spans.channel,
        tier_spans.member_key, $regions, $devices, $tiers, $channels, $segment
    )
),

-- A span (tier_spans: from a change to the member's next change) holds its member in its
-- tier at the end of day d when it started on or before d and ended after d: members per
-- tier at d = spans started by d minus spans ended by d, a running sum over the days the
-- spans start and end on (no join of every span with every snapshot day).
steps as (
    select to_tier, from_day as day, 1 as delta from spans
    union all
    select to_tier, to_day, -1 from spans where to_day is not null
),

running as (
    select
        tier_code,
        day,
        sum(delta) over (partition by tier_code order by day) as members
    from (
        select to_tier as tier_code, day, sum(delta) as delta
        from steps
        group by to_tier, day
    ) as per_day
),

final as (
    select snapshots.day, running.tier_code, arg_max(running.members, running.day) as members
    from snapshots
    join running on running.day <= snapshots.day
    group by snapshots.day, running.tier_code
    having arg_max(running.members, running.day) > 0
)

select final.day, final.tier_code, tiers.rank, final.members
from final
join tiers on tiers.tier_code = final.tier_code
order by final.day, tiers.rank

-- Members per tier at the end of each snapshot day, replaying tier_history (a member's
-- tier at a moment is the to_tier of their latest change at or before it; the signup row
-- gives the first tier). Snapshot days are the last day of each $grain ('day', 'week',
-- 'month') inside [$start, $end], plus $end itself. Members in the filter scope only (the
-- tier filter is on the current tier).
with bounds as (
    select cast($start as date) as start_day, cast($end as date) as end_day
),

scoped_members as (
    select member_key
    from members
    where member_in_scope(
        region, device, tier, channel, member_key,
        $regions, $devices, $tiers, $channels, $segment
    )
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
        tier_history.member_key,
        tier_history.to_tier,
        tier_history.changed_at as valid_from,
        coalesce(
            lead(tier_history.changed_at) over (
                partition by tier_history.member_key order by tier_history.changed_at
            ),
            timestamp '9999-12-31'
        ) as valid_to
    from tier_history
    semi join scoped_members on scoped_members.member_key = tier_history.member_key
),

final as (
    select snapshots.day, spans.to_tier as tier_code, count(*) as members
    from snapshots
    join spans
        on spans.valid_from < snapshots.day + 1
        and spans.valid_to >= snapshots.day + 1
    group by all
)

select final.day, final.tier_code, tiers.rank, final.members
from final
join tiers on tiers.tier_code = final.tier_code
order by final.day, tiers.rank

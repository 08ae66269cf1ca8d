-- Migration matrix: members in the filter scope by their tier at the end of $from_day and
-- at the end of $to_day (replaying tier_history). Members who had no tier yet at $from_day
-- (not signed up) are left out.
with bounds as (
    select cast($from_day as date) + 1 as from_end, cast($to_day as date) + 1 as to_end
),

scoped_members as (
    select member_key
    from members
    where member_in_scope(
        region, device, tier, channel, member_key,
        $regions, $devices, $tiers, $channels, $segment
    )
),

history as (
    select tier_history.*
    from tier_history
    semi join scoped_members on scoped_members.member_key = tier_history.member_key
),

tier_then as (
    select
        history.member_key,
        arg_max(history.to_tier, history.changed_at) filter (
            where history.changed_at < bounds.from_end
        ) as from_tier,
        arg_max(history.to_tier, history.changed_at) filter (
            where history.changed_at < bounds.to_end
        ) as to_tier
    from history
    cross join bounds
    group by history.member_key
),

final as (
    select from_tier, to_tier, count(*) as members
    from tier_then
    where from_tier is not null and to_tier is not null
    group by from_tier, to_tier
)

select
    final.from_tier,
    final.to_tier,
    final.members,
    final.members / sum(final.members) over (partition by final.from_tier) as share_of_from
from final
join tiers as f on f.tier_code = final.from_tier
join tiers as t on t.tier_code = final.to_tier
order by f.rank, t.rank

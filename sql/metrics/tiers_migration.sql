-- Migration matrix: members in the filter scope by their tier at the end of $from_day and
-- at the end of $to_day (replaying tier_history). Members who had no tier yet at $from_day
-- (not signed up) are left out.
with bounds as (
    select cast($from_day as date) + 1 as from_end, cast($to_day as date) + 1 as to_end
),

-- each member's tier at the end of both days: the to_tier of the span holding that moment
tier_then as (
    select
        tier_spans.member_key,
        max(tier_spans.to_tier) filter (
            where tier_spans.valid_from < bounds.from_end
              and (tier_spans.valid_to is null or tier_spans.valid_to >= bounds.from_end)
        ) as from_tier,
        max(tier_spans.to_tier) filter (
            where tier_spans.valid_from < bounds.to_end
              and (tier_spans.valid_to is null or tier_spans.valid_to >= bounds.to_end)
        ) as to_tier
    from tier_spans
    cross join bounds
    where tier_spans.valid_from < greatest(bounds.from_end, bounds.to_end)
      and (
          tier_spans.valid_to is null
          or tier_spans.valid_to >= least(bounds.from_end, bounds.to_end)
      )
      and member_in_scope(
          tier_spans.region, tier_spans.device, tier_spans.tier, tier_spans.channel,
          tier_spans.member_key, $regions, $devices, $tiers, $channels, $segment
      )
    group by tier_spans.member_key
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

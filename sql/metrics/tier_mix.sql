-- Members in the filter scope who signed up by $end, by their current tier, with every
-- tier listed (zero members included) in tier rank order.
with scoped_members as (
    select tier
    from members
    where cast(signup_at as date) <= cast($end as date)
      and member_in_scope(
          region, device, tier, channel, member_key,
          $regions, $devices, $tiers, $channels, $segment
      )
),

tier_counts as (
    select tier, count(*) as members
    from scoped_members
    group by tier
),

final as (
    select
        tiers.tier_code,
        tiers.name_zh,
        tiers.name_en,
        tiers.rank,
        coalesce(tier_counts.members, 0) as members,
        coalesce(tier_counts.members, 0)
            / nullif(sum(coalesce(tier_counts.members, 0)) over (), 0) as share
    from tiers
    left join tier_counts on tier_counts.tier = tiers.tier_code
)

select * from final
order by rank

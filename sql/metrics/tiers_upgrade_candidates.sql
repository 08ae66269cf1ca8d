-- Upgrade opportunities: members in the filter scope (not cancelled) whose paid spend in
-- the 12 months ending $as_of is within $margin (0.10) below the threshold of the tier
-- right above their current tier: next threshold × (1 − margin) <= spend < next threshold.
with bounds as (
    select cast($as_of as date) + 1 as as_of_end
),

scoped_members as (
    select member_key, member_id, tier
    from members
    where status <> 'cancelled'
      and member_in_scope(
          region, device, tier, channel, member_key,
          $regions, $devices, $tiers, $channels, $segment
      )
),

spend as (
    select orders.member_key, sum(orders.amount) as spend
    from orders
    semi join scoped_members on scoped_members.member_key = orders.member_key
    cross join bounds
    where orders.status = 'paid'
      and orders.paid_at >= bounds.as_of_end - interval 12 month
      and orders.paid_at < bounds.as_of_end
    group by orders.member_key
),

next_tier as (
    select
        current_tier.tier_code,
        arg_min(higher.tier_code, higher.rank) as next_tier,
        arg_min(higher.threshold, higher.rank) as next_threshold
    from tiers as current_tier
    join tiers as higher on higher.rank > current_tier.rank
    group by current_tier.tier_code
),

final as (
    select
        scoped_members.member_key,
        scoped_members.member_id,
        scoped_members.tier,
        next_tier.next_tier,
        spend.spend,
        next_tier.next_threshold,
        next_tier.next_threshold - spend.spend as gap
    from scoped_members
    join spend on spend.member_key = scoped_members.member_key
    join next_tier on next_tier.tier_code = scoped_members.tier
    where spend.spend >= next_tier.next_threshold * (1 - $margin)
      and spend.spend < next_tier.next_threshold
)

select * from final
order by gap, member_key

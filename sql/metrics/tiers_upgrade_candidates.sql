-- Upgrade opportunities: members in the filter scope (not cancelled) whose paid spend in
-- the 12 months ending $as_of is within $margin (0.10) below the threshold of the tier
-- right above their current tier: next threshold × (1 − margin) <= spend < next threshold.
with bounds as (
    select cast($as_of as date) + 1 as as_of_end
),

-- paid spend over the 12 months of the members in scope, from the paid_orders rollup (which
-- carries the member's current tier and attributes); members are looked up only for the
-- few whose spend falls in the band below the next tier
spend as (
    select orders.member_key, orders.tier, sum(orders.amount) as spend
    from paid_orders as orders
    cross join bounds
    where orders.paid_at >= bounds.as_of_end - interval 12 month
      and orders.paid_at < bounds.as_of_end
      and member_in_scope(
          orders.region, orders.device, orders.tier, orders.channel,
          orders.member_key, $regions, $devices, $tiers, $channels, $segment
      )
    group by orders.member_key, orders.tier
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
        members.member_key,
        members.member_id,
        members.tier,
        next_tier.next_tier,
        spend.spend,
        next_tier.next_threshold,
        next_tier.next_threshold - spend.spend as gap
    from spend
    join next_tier on next_tier.tier_code = spend.tier
    join members on members.member_key = spend.member_key
    where spend.spend >= next_tier.next_threshold * (1 - $margin)
      and spend.spend < next_tier.next_threshold
      and members.status <> 'cancelled'
)

select * from final
order by gap, member_key

-- Each member's tier under the tier rules as of $as_of (exclusive end of the as-of day):
-- the highest tier whose threshold the member's paid spend reaches, over the trailing
-- 12 months or the whole lifetime ($spend_basis), unless a manual override is set.
with members_then as (
    select member_key, tier, tier_override
    from members
    where signup_at < $as_of
),

spend as (
    select
        member_key,
        sum(amount) as spend
    from orders
    where status = 'paid'
        and paid_at < $as_of
        and ($spend_basis = 'lifetime' or paid_at >= $as_of - interval 12 month)
    group by member_key
),

ranked_tiers as (
    select tier_code, rank, threshold from tiers
),

rule_tier as (
    select
        m.member_key,
        arg_max(t.tier_code, t.rank) as tier_code
    from members_then m
    left join spend s on s.member_key = m.member_key
    join ranked_tiers t on t.threshold <= coalesce(s.spend, 0)
    group by m.member_key
),

final as (
    select
        m.member_key,
        m.tier as current_tier,
        coalesce(m.tier_override, r.tier_code) as new_tier,
        m.tier_override is not null as is_override
    from members_then m
    join rule_tier r on r.member_key = m.member_key
)

select * from final

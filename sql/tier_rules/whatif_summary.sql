-- What a tier-rule change does to each tier, from _whatif (member_key, current_tier,
-- new_tier: sql/tiers/member_tiers.sql run under the proposed rules, the very query a
-- recompute applies). Per tier: members in it now and after, and members moving up or
-- down out of it and into it. Tier ranks are not part of a rule change.
with ranked_moves as (
    select
        w.member_key,
        w.current_tier,
        w.new_tier,
        now_tier.rank as rank_now,
        new_tier.rank as rank_new
    from _whatif as w
    join tiers as now_tier on now_tier.tier_code = w.current_tier
    join tiers as new_tier on new_tier.tier_code = w.new_tier
),

per_tier as (
    select
        t.tier_code,
        t.rank,
        count(*) filter (where m.current_tier = t.tier_code) as members_now,
        count(*) filter (where m.new_tier = t.tier_code) as members_new,
        count(*) filter (where m.current_tier = t.tier_code and m.rank_new > m.rank_now) as up_out,
        count(*) filter (where m.current_tier = t.tier_code and m.rank_new < m.rank_now) as down_out,
        count(*) filter (where m.new_tier = t.tier_code and m.rank_new > m.rank_now) as up_in,
        count(*) filter (where m.new_tier = t.tier_code and m.rank_new < m.rank_now) as down_in
    from tiers as t
    left join ranked_moves as m
        on m.current_tier = t.tier_code or m.new_tier = t.tier_code
    group by t.tier_code, t.rank
),

final as (
    select * from per_tier
    order by rank
)

select * from final

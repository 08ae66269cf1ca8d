-- Tier mix of a segment's members ($keys) and of every member signed up by $as_of, every
-- tier listed in rank order (current tiers).
with everyone as (
    select member_key, tier, 'everyone' as grp
    from members
    where cast(signup_at as date) <= cast($as_of as date)
),

grouped as (
    select * from everyone
    union all
    select everyone.member_key, everyone.tier, 'segment'
    from everyone
    semi join (select unnest($keys::integer[]) as member_key) as k
        on k.member_key = everyone.member_key
),

counts as (
    select grp, tier, count(*) as members
    from grouped
    group by grp, tier
),

final as (
    select
        groups.grp,
        tiers.tier_code,
        tiers.name_zh,
        tiers.name_en,
        tiers.rank,
        coalesce(counts.members, 0) as members,
        coalesce(counts.members, 0)
            / nullif(sum(coalesce(counts.members, 0)) over (partition by groups.grp), 0) as share
    from (select unnest(['segment', 'everyone']) as grp) as groups
    cross join tiers
    left join counts on counts.grp = groups.grp and counts.tier = tiers.tier_code
)

select * from final
order by grp desc, rank

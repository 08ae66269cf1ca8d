-- The benefits catalogue with the tiers that get each benefit (retired ones last).
with assigned as (
    select
        tb.benefit_code,
        list(tb.tier_code order by t.rank) as tiers
    from tier_benefits as tb
    join tiers as t on t.tier_code = tb.tier_code
    group by tb.benefit_code
),

final as (
    select
        b.benefit_code,
        b.name_zh,
        b.name_en,
        b.retired_at,
        coalesce(a.tiers, []) as tiers
    from benefits as b
    left join assigned as a on a.benefit_code = b.benefit_code
    order by b.retired_at is not null, b.benefit_code
)

select * from final

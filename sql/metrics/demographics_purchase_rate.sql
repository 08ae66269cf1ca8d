-- Purchase rate by gender and age band per category: of the members in the filter scope
-- who signed up by $end (per gender × age band at $end), the share with a paid order in
-- that category in [$start, $end]. Categories are those with any paid order in the period.
with bounds as (
    select cast($start as date) as start_day, cast($end as date) as end_day
),

scoped_members as (
    select
        member_key,
        coalesce(nullif(gender, ''), 'U') as gender,
        -- whole years at the period's end: one less when the birthday is still to come
        date_diff('year', birth_date, bounds.end_day)
            - case
                when strftime(bounds.end_day, '%m%d') < strftime(birth_date, '%m%d') then 1
                else 0
            end as age
    from members
    cross join bounds
    where cast(signup_at as date) <= bounds.end_day
      and member_in_scope(
          region, device, tier, channel, member_key,
          $regions, $devices, $tiers, $channels, $segment
      )
),

aged as (
    select
        member_key,
        gender,
        case
            when age is null then 'unknown'
            when age < 18 then '<18'
            when age < 25 then '18-24'
            when age < 35 then '25-34'
            when age < 45 then '35-44'
            when age < 55 then '45-54'
            else '55+'
        end as age_band
    from scoped_members
),

groups as (
    select gender, age_band, count(*) as members
    from aged
    group by gender, age_band
),

buyers as (
    select aged.gender, aged.age_band, orders.category, count(distinct orders.member_key) as buyers
    from orders
    join aged on aged.member_key = orders.member_key
    cross join bounds
    where orders.status = 'paid'
      and orders.category is not null
      and cast(orders.paid_at as date) between bounds.start_day and bounds.end_day
    group by all
),

categories as (
    select distinct category from buyers
),

final as (
    select
        groups.gender,
        groups.age_band,
        categories.category,
        groups.members,
        coalesce(buyers.buyers, 0) as buyers
    from groups
    cross join categories
    left join buyers
        on buyers.gender = groups.gender
        and buyers.age_band = groups.age_band
        and buyers.category = categories.category
)

select *, buyers / members as purchase_rate
from final
order by category, gender, age_band

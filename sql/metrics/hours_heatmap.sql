-- Weekday × hour activity of the members in the filter scope over [$start, $end]: events
-- and distinct members per ISO weekday (1 = Monday) and hour of day, for everyone
-- ($group = 'all') or the high-value members ($group = 'high_value': the top
-- $high_value_share of the members signed up by $as_of by paid spend in the 12 months
-- ending $as_of, spenders only). Read from the member_hour rollup: a member counts once in a
-- cell, on its first day in range in that weekday and hour (prev_slot_day before $start);
-- spend from the paid_orders rollup.
with population as (
    select count(*) as members
    from members
    where $group = 'high_value' and members.signup_at < cast($as_of as date) + 1
),

spend as (
    select
        paid_orders.member_key,
        sum(paid_orders.amount) as spend
    from paid_orders
    where $group = 'high_value'
      and paid_orders.paid_at >= cast($as_of as date) + 1 - interval 12 month
      and paid_orders.paid_at < cast($as_of as date) + 1
      and paid_orders.signup_day <= cast($as_of as date)
    group by paid_orders.member_key
),

-- ranked among every member signed up by $as_of: those without spend rank last and are out
high_value as (
    select member_key
    from (
        select
            member_key,
            spend,
            row_number() over (order by spend desc, member_key) as spend_rank
        from spend
    )
    where spend > 0
      and spend_rank <= ceil((select population.members from population) * $high_value_share)
),

-- one branch per group: the optimizer drops the other one, so everyone's heatmap does not
-- compute the spend ranking
group_rows as (
    select member_hour.*
    from member_hour
    where $group = 'all'
    union all
    select member_hour.*
    from member_hour
    where $group = 'high_value'
      and member_hour.member_key in (select high_value.member_key from high_value)
),

final as (
    select
        isodow(member_hour.day) as weekday,
        cast(member_hour.hour as bigint) as hour,
        cast(sum(member_hour.events) as bigint) as events,
        count(*) filter (
            where member_hour.prev_slot_day is null
               or member_hour.prev_slot_day < cast($start as date)
        ) as members
    from group_rows as member_hour
    where member_hour.day >= cast($start as date)
      and member_hour.day <= cast($end as date)
      and member_in_scope(
          member_hour.region, member_hour.device, member_hour.tier, member_hour.channel,
          member_hour.member_key, $regions, $devices, $tiers, $channels, $segment
      )
    group by all
)

select * from final
order by weekday, hour

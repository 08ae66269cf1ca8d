-- Per acquisition channel, over the members in the filter scope:
--   signups     members who signed up in [$start, $end]
--   activated   of those whose 7 days after signup ended by $as_of (signup day + 7 <= $as_of),
--               the ones with a paid order within 7 days (168 h) of signing up
--   ltv_90d     of those whose 90 days ended by $as_of, paid revenue within 90 days of signup
--   revenue     paid revenue in [$start, $end] of all the channel's members in scope
--   cost        channel_costs of the months overlapping the period, each prorated by the
--               share of its days inside the period
-- Members without a channel are reported under ''.
with bounds as (
    select
        cast($start as date) as start_day,
        cast($end as date) as end_day,
        cast($as_of as date) as as_of_day
),

-- members in scope who signed up in the period, with their 7-day activation and 90-day
-- revenue precomputed per member (the member_facts rollup)
channel_signups as (
    select
        coalesce(facts.channel, '') as channel,
        count(*) as signups,
        count(*) filter (where facts.signup_day + 7 <= bounds.as_of_day) as activation_eligible,
        count(*) filter (
            where facts.signup_day + 7 <= bounds.as_of_day and facts.activated_7d
        ) as activated,
        count(*) filter (where facts.signup_day + 90 <= bounds.as_of_day) as ltv_eligible,
        sum(facts.revenue_90d) filter (
            where facts.signup_day + 90 <= bounds.as_of_day
        ) as revenue_90d
    from member_facts as facts
    cross join bounds
    where facts.signup_day between bounds.start_day and bounds.end_day
      and member_in_scope(
          facts.region, facts.device, facts.tier, facts.channel,
          facts.member_key, $regions, $devices, $tiers, $channels, $segment
      )
    group by all
),

channel_revenue as (
    select coalesce(orders.channel, '') as channel, sum(orders.amount) as revenue
    from paid_orders as orders
    cross join bounds
    where orders.day between bounds.start_day and bounds.end_day
      and member_in_scope(
          orders.region, orders.device, orders.tier, orders.channel,
          orders.member_key, $regions, $devices, $tiers, $channels, $segment
      )
    group by all
),

channel_cost as (
    select
        channel_costs.channel,
        sum(
            channel_costs.cost
            * (least(bounds.end_day, cast(channel_costs.month + interval 1 month - interval 1 day as date))
                - greatest(bounds.start_day, channel_costs.month) + 1)
            / (cast(channel_costs.month + interval 1 month as date) - channel_costs.month)
        ) as cost
    from channel_costs
    cross join bounds
    where channel_costs.month <= bounds.end_day
      and channel_costs.month + interval 1 month > bounds.start_day
    group by channel_costs.channel
),

channels as (
    select distinct coalesce(members.channel, '') as channel
    from members
    where member_in_scope(
      members.region, members.device, members.tier, members.channel,
      members.member_key, $regions, $devices, $tiers, $channels, $segment
  )
),

final as (
    select
        channels.channel,
        coalesce(channel_signups.signups, 0) as signups,
        coalesce(channel_signups.activation_eligible, 0) as activation_eligible,
        coalesce(channel_signups.activated, 0) as activated,
        coalesce(channel_signups.ltv_eligible, 0) as ltv_eligible,
        channel_signups.revenue_90d,
        coalesce(channel_revenue.revenue, 0) as revenue,
        channel_cost.cost
    from channels
    left join channel_signups on channel_signups.channel = channels.channel
    left join channel_revenue on channel_revenue.channel = channels.channel
    left join channel_cost on channel_cost.channel = channels.channel
)

select * from final
order by channel

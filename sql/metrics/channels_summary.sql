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

scoped_members as (
    select member_key, coalesce(channel, '') as channel, signup_at
    from members
    where (len($regions::varchar[]) = 0 or list_contains($regions::varchar[], region))
      and (len($devices::varchar[]) = 0 or list_contains($devices::varchar[], device))
      and (len($tiers::varchar[]) = 0 or list_contains($tiers::varchar[], tier))
      and (len($channels::varchar[]) = 0 or list_contains($channels::varchar[], channel))
      and ($segment::integer is null or member_key in (
          select segment_members.member_key from segment_members
          where segment_members.segment_id = $segment::integer
      ))
),

signups as (
    select scoped_members.*
    from scoped_members
    cross join bounds
    where cast(signup_at as date) between bounds.start_day and bounds.end_day
),

paid_orders as (
    select member_key, paid_at, amount
    from orders
    where status = 'paid'
),

signup_outcomes as (
    select
        signups.channel,
        signups.member_key,
        cast(signups.signup_at as date) + 7 <= bounds.as_of_day as activation_known,
        cast(signups.signup_at as date) + 90 <= bounds.as_of_day as ltv_known,
        count(paid_orders.member_key) filter (
            where paid_orders.paid_at < signups.signup_at + interval 7 day
        ) > 0 as activated,
        coalesce(sum(paid_orders.amount) filter (
            where paid_orders.paid_at < signups.signup_at + interval 90 day
        ), 0) as revenue_90d
    from signups
    cross join bounds
    left join paid_orders
        on paid_orders.member_key = signups.member_key
        and paid_orders.paid_at >= signups.signup_at
    group by all
),

channel_signups as (
    select
        channel,
        count(*) as signups,
        count(*) filter (where activation_known) as activation_eligible,
        count(*) filter (where activation_known and activated) as activated,
        count(*) filter (where ltv_known) as ltv_eligible,
        sum(revenue_90d) filter (where ltv_known) as revenue_90d
    from signup_outcomes
    group by channel
),

channel_revenue as (
    select scoped_members.channel, sum(paid_orders.amount) as revenue
    from paid_orders
    join scoped_members on scoped_members.member_key = paid_orders.member_key
    cross join bounds
    where cast(paid_orders.paid_at as date) between bounds.start_day and bounds.end_day
    group by scoped_members.channel
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
    select distinct channel from scoped_members
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

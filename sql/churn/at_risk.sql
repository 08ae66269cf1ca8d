-- At-risk list: active members of one run in the filter scope whose churn probability is at
-- least $min_probability, most value at risk first (value at risk = churn probability in the
-- next 30 days x predicted 12-month LTV), then by churn probability, then member id.
-- No personal columns: the list can be exported by every role that may open it.
with scored as (
    select *
    from churn_member_scores
    where run_id = $run_id
      and active
      and churn_probability_30d >= $min_probability
),

final as (
    select
        members.member_id,
        members.tier,
        members.channel,
        members.device,
        scored.churn_probability_30d,
        scored.predicted_ltv_12m,
        scored.value_at_risk,
        scored.p_alive,
        scored.best_hour,
        scored.drivers,
        scored.action
    from scored
    join members on members.member_key = scored.member_key
    where member_in_scope(
        members.region, members.device, members.tier, members.channel,
        members.member_key, $regions, $devices, $tiers, $channels, $segment
    )
)

select * from final
order by value_at_risk desc, churn_probability_30d desc, member_id

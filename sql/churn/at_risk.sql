-- At-risk list: active members of one run (every scored member with $every_member) in the
-- filter scope whose churn probability is at least $min_probability, most value at risk first
-- (value at risk = probability of no activity within the churn window x predicted 12-month
-- LTV), then by churn probability, then member id.
-- No personal columns: the list can be exported by every role that may open it.
with scored as (
    select *
    from churn_member_scores
    where run_id = $run_id
      and (active or $every_member)
      and (churn_probability >= $min_probability or $every_member)
),

final as (
    select
        members.member_id,
        members.tier,
        members.channel,
        members.device,
        scored.active,
        scored.churn_probability,
        runs.churn_days as churn_window_days,
        scored.predicted_ltv_12m,
        scored.value_at_risk,
        scored.p_alive,
        scored.best_hour,
        scored.drivers,
        scored.action
    from scored
    join members on members.member_key = scored.member_key
    join churn_model_runs as runs on runs.run_id = scored.run_id
    where member_in_scope(
        members.region, members.device, members.tier, members.channel,
        members.member_key, $regions, $devices, $tiers, $channels, $segment
    )
)

select * from final
order by value_at_risk desc nulls last, churn_probability desc nulls last, member_id

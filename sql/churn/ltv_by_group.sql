-- Predicted 12-month LTV of one run per $dimension: 'cohort' (signup month), 'channel',
-- 'tier' or 'device', for members in the filter scope. Non-buyers count in the members
-- denominator with a predicted LTV of 0; p_alive is averaged over buyers only.
with scoped as (
    select
        case $dimension
            when 'cohort' then strftime(date_trunc('month', members.signup_at), '%Y-%m')
            when 'channel' then coalesce(members.channel, '')
            when 'tier' then coalesce(members.tier, '')
            else coalesce(members.device, '')
        end as grp,
        scores.predicted_ltv_12m,
        scores.p_alive
    from churn_member_scores as scores
    join members on members.member_key = scores.member_key
    where scores.run_id = $run_id
      and member_in_scope(
          members.region, members.device, members.tier, members.channel,
          members.member_key, $regions, $devices, $tiers, $channels, $segment
      )
),

final as (
    select
        grp as "group",
        count(*) as members,
        count(p_alive) as buyers,
        sum(predicted_ltv_12m) as predicted_ltv_12m,
        sum(predicted_ltv_12m) / count(*) as ltv_per_member,
        avg(p_alive) as mean_p_alive
    from scoped
    group by grp
)

select * from final
order by "group"

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
      and (len($regions::varchar[]) = 0 or list_contains($regions::varchar[], members.region))
      and (len($devices::varchar[]) = 0 or list_contains($devices::varchar[], members.device))
      and (len($tiers::varchar[]) = 0 or list_contains($tiers::varchar[], members.tier))
      and (len($channels::varchar[]) = 0 or list_contains($channels::varchar[], members.channel))
      and ($segment::integer is null or members.member_key in (
          select segment_members.member_key from segment_members
          where segment_members.segment_id = $segment::integer
      ))
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

-- The "at risk" alert group: active members whose churn probability (no activity within the
-- churn window) in the latest stored churn fit (core/churn.py) is at least $threshold.
-- No fit: no members.
with latest_run as (
    select max(run_id) as run_id from churn_model_runs
),

final as (
    select scores.member_key
    from churn_member_scores as scores
    inner join latest_run on latest_run.run_id = scores.run_id
    where scores.active and scores.churn_probability >= $threshold
)

select * from final order by member_key

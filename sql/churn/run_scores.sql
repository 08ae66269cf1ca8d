-- Every member score of one fitted run.
select member_key, active, churn_probability, p_alive, expected_purchases_12m,
    predicted_ltv_12m, value_at_risk, drivers, best_hour, action
from churn_member_scores
where run_id = $run_id
order by member_key

-- One member's score in one fitted run (the member profile reads it; it never fits).
select member_key, active, churn_probability, p_alive, predicted_ltv_12m, value_at_risk,
    drivers, best_hour, action
from churn_member_scores
where run_id = $run_id and member_key = $member_key

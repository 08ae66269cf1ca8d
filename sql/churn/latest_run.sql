-- The latest fitted churn/LTV run for the store's current data stamp and as-of date.
select run_id, data_stamp, as_of, churn_days, horizon_days, fitted_at, fit_seconds,
    fitted_by, summary
from churn_model_runs
where data_stamp = $stamp
  and as_of = cast($as_of as date)
  and churn_days = $churn_days
order by run_id desc
limit 1

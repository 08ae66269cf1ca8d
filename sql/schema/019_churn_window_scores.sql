-- Schema version 19: the churn score covers every member and the window is the store's
-- (setting or chosen from the data, core/churn_window.py), no longer a fixed 30 days. The
-- score column is renamed; runs stored before keep their rows (their churn_days says 30).
alter table churn_member_scores rename column churn_probability_30d to churn_probability;

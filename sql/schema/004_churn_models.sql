-- Schema version 4: fitted churn and LTV models (core/churn.py), kept until the data changes.
-- A run is keyed by the store's data stamp (imports, member days, members) and the as-of
-- date; the pages read the latest finished run whose stamp matches the store. Times are UTC.

create table churn_model_runs (
    run_id integer primary key,
    data_stamp varchar not null,
    as_of date not null,
    churn_days integer not null,
    horizon_days integer not null,
    fitted_at timestamp not null,
    fit_seconds double not null,
    fitted_by varchar,
    summary varchar not null                  -- JSON: parameters, hazard ratios, holdout
);

-- One row per member who signed up by the run's as-of date.
create table churn_member_scores (
    run_id integer not null,
    member_key integer not null,
    active boolean not null,                  -- not churned and not cancelled on as_of
    churn_probability_30d double,             -- Cox, active members only
    p_alive double,                           -- BG/NBD, members with a paid order
    expected_purchases_12m double,
    predicted_ltv_12m double not null,        -- CNY; 0 for members without a paid order
    value_at_risk double,                     -- churn_probability_30d x predicted_ltv_12m
    drivers varchar,                          -- covariates raising the hazard most, '|'-joined
    best_hour integer,
    action varchar,
    primary key (run_id, member_key)
);

"""The churn fit at 1 M members (issue 8): each speed-up gives the answers of the slow path.

- the proportional-hazards check computes Schoenfeld residuals with cumulative sums instead
  of lifelines' row-by-row loop (quadratic: it did not finish in 15 minutes on 285,673
  rows) and must give lifelines' statistics, on every training row, every time;
- BG/NBD and Gamma-Gamma are fitted with analytic gradients on distinct (x, t_x, T) rows,
  LTV is forecast per distinct row, drivers are labelled per distinct combination;
- the baseline classifier is fitted on a fixed-seed sample of the training rows;
- scores are stored with the run and read back: no page view refits or rescores.
"""

from __future__ import annotations

import time
import warnings
from datetime import timedelta

import numpy as np
import numpy.testing as npt
import pandas as pd
import pytest
import streamlit as st
from lifelines import CoxPHFitter
from lifelines.datasets import load_rossi
from lifelines.statistics import proportional_hazard_test
from lifelines.utils import concordance_index
from scipy.optimize import approx_fprime
from streamlit.testing.v1 import AppTest

from core import auth, churn, churn_score
from core.config import PROJECT_ROOT
from core.store import close_store, open_store
from data.generate import DEMO_END
from tests.fixtures_app import COOKIE_KEY, add_accounts
from tests.fixtures_churn import fitted_demo_copy

APP = str(PROJECT_ROOT / "app.py")


def lifelines_ph_test(model: churn.CoxChurnModel) -> pd.DataFrame:
    """lifelines' own test on every training row (its quadratic residual loop)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = proportional_hazard_test(model.lifelines_, model._training, "rank")
    return result.summary


@pytest.fixture(scope="module")
def demo_training(demo_store_path):
    """The full fit's Cox training frame on the demo store: features on DEMO_END − 90 days,
    outcomes up to DEMO_END."""
    store = open_store(demo_store_path, read_only=True)
    try:
        return churn.landmark_frame(store, DEMO_END - timedelta(days=90), DEMO_END)
    finally:
        close_store(demo_store_path)


@pytest.fixture(scope="module")
def demo_cox(demo_training) -> churn.CoxChurnModel:
    return churn.make_cox_model().fit(demo_training, "duration_days", "churned")


# -- proportional-hazards check -----------------------------------------------------------------


def test_schoenfeld_residuals_equal_lifelines_on_rossi():
    rossi = load_rossi()
    fitted = CoxPHFitter().fit(rossi, "week", "arrest")
    design = rossi[fitted.params_.index].to_numpy(dtype=float)
    residuals, rows = churn.schoenfeld_residuals(
        design,
        rossi["week"].to_numpy(dtype=float),
        rossi["arrest"].to_numpy(dtype=bool),
        fitted.params_.to_numpy(),
    )
    expected = fitted.compute_residuals(rossi, "schoenfeld")
    npt.assert_allclose(residuals, expected.to_numpy(), rtol=1e-9, atol=1e-12)
    assert list(rows) == list(expected.index)


def test_ph_check_on_every_row_equals_lifelines_on_the_demo_store(demo_cox, demo_training):
    check = demo_cox.check_proportional_hazards().set_index("covariate")
    expected = lifelines_ph_test(demo_cox)
    expected.index = [str(name) for name in expected.index]
    assert len(demo_training) > 5000 and check.index.tolist() == expected.index.tolist()
    npt.assert_allclose(check["test_statistic"], expected["test_statistic"], rtol=1e-8)
    npt.assert_allclose(check["p"], expected["p"], rtol=1e-6, atol=1e-300)
    # the same covariates flagged (measured: recency, tenure, orders and two channels)
    flagged = sorted(check.index[check["fails"]])
    assert flagged == sorted(expected.index[expected["p"] < 0.01])
    assert "recency_days" in flagged


def test_ph_check_is_deterministic(demo_cox):
    first = demo_cox.check_proportional_hazards()
    second = demo_cox.check_proportional_hazards()
    pd.testing.assert_frame_equal(first, second)


def test_ph_check_time_grows_linearly_with_rows():
    # lifelines' residual loop appends to an array once per row: about 0.5 s at 6,500 rows
    # and 40 s or more at 60,000; the cumulative sums take a fraction of a second
    rng = np.random.default_rng(8)
    rows = 60_000
    frame = pd.DataFrame(
        {
            "x1": rng.normal(size=rows),
            "x2": rng.integers(0, 2, size=rows).astype(float),
            "days": rng.integers(1, 120, size=rows).astype(float),  # many tied days
            "event": rng.random(rows) < 0.4,
        }
    )
    model = churn.CoxChurnModel(numeric=["x1", "x2"]).fit(frame, "days", "event")
    started = time.perf_counter()
    check = model.check_proportional_hazards()
    assert time.perf_counter() - started < 10
    assert len(check) == 2 and check["p"].between(0, 1).all()


# -- concordance -------------------------------------------------------------------------------


def test_concordance_counts_pairs_as_lifelines_does():
    # small frames full of tied times, tied scores and censoring: exact equality
    rng = np.random.default_rng(11)
    for _ in range(200):
        rows = int(rng.integers(2, 60))
        durations = rng.integers(0, int(rng.integers(1, 10)), rows).astype(float)
        scores = rng.integers(0, int(rng.integers(1, 8)), rows).astype(float)
        events = rng.random(rows) < rng.random()
        try:
            expected = concordance_index(durations, scores, events)
        except ZeroDivisionError:
            with pytest.raises(churn.ChurnModelError):
                churn.concordance(durations, scores, events)
            continue
        assert churn.concordance(durations, scores, events) == expected


def test_training_concordance_equals_lifelines(demo_cox):
    rossi = churn.CoxChurnModel().fit(load_rossi(), "week", "arrest")
    assert rossi.concordance_ == float(rossi.lifelines_.concordance_index_)
    assert demo_cox.concordance_ == float(demo_cox.lifelines_.concordance_index_)


# -- baseline sample, drivers, LTV ----------------------------------------------------------


def test_trees_are_fitted_on_a_fixed_seed_sample(demo_store_path, monkeypatch):
    monkeypatch.setattr(churn_score, "BOOSTING_SAMPLE_ROWS", 2000)
    store = open_store(demo_store_path, read_only=True)
    try:
        runs = [churn.holdout_evaluation(store, DEMO_END, 28) for _ in range(2)]
    finally:
        close_store(demo_store_path)
    first, second = (pd.DataFrame(run.as_rows()).set_index("model") for run in runs)
    assert first.loc["boosting_btyd", "train_rows"] == 2000
    assert first.loc["logistic", "train_rows"] == runs[0].train_members > 2000
    for model in ("boosting_btyd", "logistic", "cox"):
        assert first.loc[model, "concordance"] == second.loc[model, "concordance"]
        assert first.loc[model, "auc_active"] == second.loc[model, "auc_active"]


def test_sample_rows_keeps_small_frames_whole():
    frame = pd.DataFrame({"a": range(10)})
    assert churn_score.sample_rows(frame, 10) is frame
    assert churn_score.sample_rows(frame, None) is frame
    sample = churn_score.sample_rows(frame, 4)
    assert len(sample) == 4 and sample["a"].is_monotonic_increasing
    pd.testing.assert_frame_equal(sample, churn_score.sample_rows(frame, 4))


def test_driver_text_joins_the_drivers_of_each_row(demo_cox, demo_training):
    rows = demo_training.head(500)
    expected = ["|".join(names) for names in demo_cox.drivers(rows)]
    assert demo_cox.driver_text(rows).tolist() == expected
    assert len(set(expected)) > 10  # many different combinations, so the mapping is exercised


def test_bgnbd_and_gamma_gamma_gradients_match_finite_differences():
    rng = np.random.default_rng(3)
    x = rng.integers(0, 6, 300).astype(float)
    big_t = rng.uniform(5, 40, 300)
    t_x = np.where(x > 0, rng.uniform(0, 1, 300) * big_t, 0.0)
    params = np.array([0.6, 4.0, 0.8, 2.4])
    _, gradient = churn.BetaGeoModel._log_likelihood_and_gradient(*params, x, t_x, big_t)
    numeric = approx_fprime(
        params, lambda p: churn.BetaGeoModel._log_likelihood(*p, x, t_x, big_t).sum(), 1e-7
    )
    npt.assert_allclose(gradient.sum(axis=1), numeric, rtol=1e-4)

    repeat = x[x > 0]
    spend = rng.gamma(2.0, 20.0, len(repeat))
    params = np.array([6.0, 3.7, 15.0])
    numeric = approx_fprime(
        params, lambda p: churn.GammaGammaModel._log_likelihood(*p, repeat, spend).sum(), 1e-7
    )
    gradient = churn.GammaGammaModel._gradient(*params, repeat, spend).sum(axis=1)
    npt.assert_allclose(gradient, numeric, rtol=1e-4)


def test_predicted_ltv_per_distinct_row_equals_per_customer():
    bgnbd, gamma_gamma = churn.BetaGeoModel(), churn.GammaGammaModel()
    bgnbd.r_, bgnbd.alpha_, bgnbd.a_, bgnbd.b_ = 0.243, 4.414, 0.793, 2.426
    gamma_gamma.p_, gamma_gamma.q_, gamma_gamma.gamma_ = 6.25, 3.74, 15.44
    x = np.array([0.0, 2.0, 2.0, 2.0, 5.0, 0.0])
    t_x = np.array([0.0, 20.0, 20.0, 10.0, 30.0, 0.0])
    big_t = np.array([38.0, 38.0, 38.0, 38.0, 35.0, 30.0])
    spend = np.array([0.0, 30.0, 50.0, 30.0, 12.0, 0.0])  # rows 1 and 2 share a triple
    ltv = churn.predicted_ltv(bgnbd, gamma_gamma, x, t_x, big_t, spend)
    month = churn.MONTH_DAYS / 7
    for i in range(len(x)):
        row = (x[i : i + 1], t_x[i : i + 1], big_t[i : i + 1])
        cumulative = [bgnbd.conditional_expected_purchases(k * month, *row)[0] for k in range(13)]
        value = gamma_gamma.conditional_expected_value(x[i : i + 1], spend[i : i + 1])[0]
        npt.assert_allclose(ltv[i], float(np.diff(cumulative).sum()) * value, rtol=1e-12)


# -- progress and stored scores ---------------------------------------------------------------


def test_fit_reports_every_step_in_order(demo_store_path):
    calls = []
    store = open_store(demo_store_path, read_only=True)
    try:
        fit = churn.fit_churn_models(
            store, DEMO_END, progress=lambda fraction, step: calls.append((fraction, step))
        )
    finally:
        close_store(demo_store_path)
    steps = [step for _, step in calls]
    assert list(dict.fromkeys(steps)) == [*churn.FIT_STEP_SHARES, "done"]
    fractions = [fraction for fraction, _ in calls]
    assert fractions == sorted(fractions) and fractions[0] == 0 and fractions[-1] == 1
    assert list(fit.timings) == list(churn.FIT_STEP_SHARES)
    table = churn.fit_steps(fit).set_index("step")
    assert table.loc["ph_test", "rows"] == fit.summary["cox"]["training_members"]
    assert table.loc["scores", "rows"] == len(fit.scores)


def test_scores_are_stored_with_the_run_and_read_back(demo_store_path):
    path, fit = fitted_demo_copy(demo_store_path)
    store = open_store(path)
    try:
        loaded = churn.load_fit(store, DEMO_END)
    finally:
        close_store(path)
    assert loaded.run_id == fit.run_id
    expected = fit.scores.sort_values("member_key").reset_index(drop=True)
    pd.testing.assert_frame_equal(loaded.scores, expected, check_dtype=False)


@pytest.mark.parametrize("page", ["pages/models.py", "pages/churn.py", "pages/ltv_forecast.py"])
def test_pages_read_the_stored_run_and_never_fit_or_score(demo_store_path, monkeypatch, page):
    path, fit = fitted_demo_copy(demo_store_path)

    def refuse(*args, **kwargs):
        raise AssertionError("a page view fitted or scored")

    for name in ("fit_churn_models", "score_members", "features_at", "fit_ltv_models"):
        monkeypatch.setattr(churn, name, refuse)
    monkeypatch.setattr(auth, "BCRYPT_ROUNDS", 4)
    monkeypatch.setenv("MEMBERLENS_DB", str(path))
    monkeypatch.setenv(auth.COOKIE_KEY_ENV_VAR, COOKIE_KEY)
    store = open_store(path)
    if not auth.has_accounts(store):
        add_accounts(store)
    st.cache_data.clear()
    st.cache_resource.clear()  # the app's store handle may point at an earlier copy
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["ml_session"] = {"username": "analyst", "issued_at": time.time()}
    at.run()
    at = at.switch_page(page).run()
    assert not at.exception
    assert at.dataframe

"""Survival models of core/churn.py: a hand-worked survival frame and landmark labels,
Cox on lifelines' Rossi data, and the fitted models on the demo store (planted web hazard,
time-based holdout, scores, the at-risk order and stored runs)."""

from __future__ import annotations

from datetime import date

import numpy as np
import numpy.testing as npt
import pandas as pd
import pytest
from lifelines.datasets import load_rossi

from core import churn
from core.store import close_store, open_store
from data.generate import DEMO_END, PLANTED
from tests.fixtures_churn import fitted_demo_copy

AS_OF = date(2026, 6, 30)


# -- survival frame on a hand-built fixture ---------------------------------------------------

SPANS = pd.DataFrame(
    {
        "member_id": ["A", "B", "C", "D", "E"],
        "signup_day": ["2026-01-01", "2026-05-01", "2026-06-10", "2026-03-01", "2026-07-05"],
        "last_active_day": ["2026-05-31", "2026-05-31", "2026-06-29", "2026-03-01", "2026-07-05"],
    }
)


def test_survival_frame_observes_churn_and_censors_the_rest():
    frame = churn.survival_from_activity(SPANS, AS_OF, churn_days=30).set_index("member_id")
    # A: last active 05-31, 30 days before 06-30 -> churned, 150 days from signup
    # B: same last day, signed up 05-01 -> churned after 30 days
    # C: active yesterday -> censored at as-of, 20 days since signup
    # D: never back after the signup day -> churned with duration 0
    # E: signed up after the as-of date -> not in the frame
    assert frame["churned"].to_dict() == {"A": True, "B": True, "C": False, "D": True}
    assert frame["duration_days"].to_dict() == {"A": 150.0, "B": 30.0, "C": 20.0, "D": 0.0}


def test_churn_days_is_configurable():
    frame = churn.survival_from_activity(SPANS, AS_OF, churn_days=31).set_index("member_id")
    # 30 idle days are no longer enough: A and B are censored at the as-of date
    assert frame["churned"].to_dict() == {"A": False, "B": False, "C": False, "D": True}
    assert frame.loc["A", "duration_days"] == 180.0


def test_activity_after_the_as_of_date_is_not_seen():
    frame = churn.survival_from_activity(SPANS, date(2026, 6, 15), 30).set_index("member_id")
    # C's activity on 06-29 is after the as-of date: the last day is cut to 06-15
    assert not frame.loc["C", "churned"]
    assert frame.loc["C", "duration_days"] == 5.0


def test_landmark_labels_on_a_hand_built_fixture():
    features = pd.DataFrame(
        {
            "member_key": [1, 2, 3, 4],
            "recency_days": [0, 29, 10, 45],
            "last_active_day": pd.to_datetime(
                ["2026-04-01", "2026-03-03", "2026-03-22", "2026-02-15"]
            ),
        }
    )
    # last activity up to the outcome end 2026-06-30
    last = pd.Series(
        pd.to_datetime(["2026-06-20", "2026-03-03", "2026-05-10", "2026-02-15"]), index=[1, 2, 3, 4]
    )
    frame = churn.label_outcomes(features, last, date(2026, 4, 1), AS_OF, 30).set_index(
        "member_key"
    )
    # member 4 was already churned on the landmark and is left out
    assert list(frame.index) == [1, 2, 3]
    # 1: still active (06-20 + 30 > 06-30): censored after 90 days
    # 2: never back: churn visible on 04-02, 1 day after the landmark, within 30 days
    # 3: back until 05-10: churn visible on 06-09, 69 days after the landmark
    assert frame["churned"].tolist() == [False, True, True]
    assert frame["duration_days"].tolist() == [90.0, 1.0, 69.0]
    assert frame["churn_in_window"].tolist() == [False, True, False]


# -- Kaplan-Meier ------------------------------------------------------------------------------


def test_kaplan_meier_median_and_logrank_on_a_small_frame():
    frame = pd.DataFrame(
        {
            "group": ["a"] * 10 + ["b"] * 10,
            "duration_days": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] + [10, 20, 30, 40, 50] * 2,
            "churned": [True] * 10 + [True, True, True, False, False] * 2,
        }
    )
    result = churn.kaplan_meier(frame, "group")
    medians = result.groups.set_index("group")["median_days"]
    # a: all 10 churn on days 1..10 -> S is 0.5 from day 5
    # b: 2 of 10 churn on each of days 10, 20, 30 -> S 0.8, 0.6, 0.4: median 30
    assert medians["a"] == 5.0
    assert medians["b"] == 30.0
    assert result.logrank_p < 0.01
    curve = result.curves[result.curves["group"] == "a"]
    assert (curve["lower"] <= curve["survival"]).all() and (
        curve["survival"] <= curve["upper"]
    ).all()


def test_kaplan_meier_compares_a_saved_segment_with_everyone_else(tmp_path):
    # the same 20 durations as above; members 1..10 (group a's durations) are the segment
    store = open_store(tmp_path / "km.duckdb")
    try:
        with store.transaction() as cur:
            cur.execute("insert into segment_members select 7, range from range(1, 11)")
        frame = pd.DataFrame(
            {
                "member_key": range(1, 21),
                "duration_days": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] + [10, 20, 30, 40, 50] * 2,
                "churned": [True] * 10 + [True, True, True, False, False] * 2,
            }
        )
        labelled = churn.label_segment(store, frame, 7, "夜猫子", "others")
        assert list(labelled["segment"]) == ["夜猫子"] * 10 + ["others"] * 10
        result = churn.kaplan_meier(labelled, "segment")
        groups = result.groups.set_index("group")
        assert groups.loc["夜猫子", "members"] == 10 and groups.loc["夜猫子", "median_days"] == 5
        assert groups.loc["others", "median_days"] == 30
        assert result.logrank_p < 0.01
    finally:
        close_store(store.path)


# -- Cox on Rossi ------------------------------------------------------------------------------


def test_cox_wrapper_reproduces_lifelines_rossi_concordance():
    model = churn.CoxChurnModel().fit(load_rossi(), "week", "arrest")
    assert model.concordance_ == pytest.approx(0.640, abs=0.001)
    ratios = model.hazard_ratios_.set_index("covariate")
    # lifelines' documented Rossi fit: exp(coef) of prio 1.10, fin 0.68
    npt.assert_allclose(ratios.loc["prio", "hazard_ratio"], 1.0958, atol=1e-3)
    npt.assert_allclose(ratios.loc["fin", "hazard_ratio"], 0.6843, atol=1e-3)
    assert (ratios["lower"] < ratios["hazard_ratio"]).all()


def test_ph_check_names_the_covariates_that_fail_on_rossi():
    model = churn.CoxChurnModel().fit(load_rossi(), "week", "arrest")
    check = model.check_proportional_hazards(p_threshold=0.05).set_index("covariate")
    # lifelines' check_assumptions on Rossi flags age and wexp (rank transform)
    assert sorted(check.index[check["fails"]]) == ["age", "wexp"]


def test_cox_wrapper_one_hot_encodes_against_the_reference():
    rossi = load_rossi().assign(group=lambda f: np.where(f["race"] == 1, "x", "y"))
    model = churn.CoxChurnModel(categorical=["group"], numeric=["prio"], reference={"group": "y"})
    model.fit(rossi, "week", "arrest")
    assert model.feature_names_ == ["prio", "group=x"]


# -- the demo store ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_fit(demo_store_path):
    return fitted_demo_copy(demo_store_path)


def test_planted_high_hazard_device_gets_a_hazard_ratio_above_one(demo_fit):
    _, fit = demo_fit
    ratios = fit.hazard_ratios.set_index("covariate")
    web = ratios.loc[f"device={PLANTED.high_hazard_device}"]
    assert web["hazard_ratio"] > 1
    assert web["lower"] > 1  # the whole confidence interval is above 1


def test_km_shows_the_shorter_web_lifetime(demo_store_path):
    store = open_store(demo_store_path, read_only=True)
    try:
        result = churn.kaplan_meier(churn.survival_frame(store, DEMO_END), "device")
    finally:
        close_store(demo_store_path)
    medians = result.groups.set_index("group")["median_days"]
    assert medians["web"] < 0.75 * medians.drop("web").min()
    assert result.logrank_p < 1e-6


def test_holdout_is_reported_for_every_model_side_by_side(demo_fit):
    _, fit = demo_fit
    holdout = fit.holdout.set_index("model")
    print("\nholdout (demo store):\n", holdout.to_string())
    assert list(holdout.index) == [
        "logistic", "logistic_btyd", "boosting_btyd", "cox", "bgnbd", "recency"
    ]  # fmt: skip
    # the demo's churn window is 28 days (90th percentile of the gaps: 25 days)
    assert fit.churn_days == 28 and fit.window["source"] == "data"
    assert fit.summary["holdout"]["test_landmark"] == "2026-05-31"  # DEMO_END − 28 days
    assert fit.summary["holdout"]["train_landmark"] == "2026-05-03"
    # measured: Cox concordance 0.713 (follow-up 56 days); the target is 0.70
    assert holdout.loc["cox", "concordance"] >= 0.70
    # every candidate and reference scores every member of the test landmark
    candidates = holdout[holdout["kind"] != "survival"]
    assert (candidates["members"] == fit.summary["holdout"]["test_members"]).all()
    assert (candidates["auc"] > 0.9).all()  # most of the test landmark had already lapsed
    # the candidate in use is the one with the best holdout AUC
    best = candidates[candidates["kind"] == "candidate"]["auc"].idxmax()
    assert fit.summary["score"]["model"] == best == fit.summary["holdout"]["selected"]


def test_every_member_has_a_churn_probability(demo_fit):
    _, fit = demo_fit
    active = fit.scores[fit.scores["active"]]
    assert len(active) > 1000
    assert fit.scores["churn_probability"].between(0, 1).all()
    assert len(fit.scores) == fit.summary["scored_members"] > len(active)
    # members who lapsed long ago are far likelier to stay away than active ones
    lapsed = fit.scores.loc[~fit.scores["active"], "churn_probability"]
    assert lapsed.mean() > active["churn_probability"].mean() + 0.3
    buyers = fit.scores["p_alive"].notna()
    assert fit.scores.loc[buyers, "p_alive"].between(0, 1).all()
    assert (fit.scores["predicted_ltv_12m"] >= 0).all()
    assert set(active["action"]) <= set(churn.ACTIONS)


def test_at_risk_list_is_ordered_by_value_at_risk(demo_fit):
    path, fit = demo_fit
    store = open_store(path, read_only=True)
    try:
        frame = churn.at_risk_list(store, fit.run_id)
    finally:
        close_store(path)
    assert len(frame) == fit.summary["active_members"]
    npt.assert_allclose(
        frame["value_at_risk"], frame["churn_probability"] * frame["predicted_ltv_12m"]
    )
    keys = list(
        zip(
            -frame["value_at_risk"],
            -frame["churn_probability"],
            frame["member_id"],
            strict=True,
        )
    )
    assert keys == sorted(keys)
    assert not {"phone", "email", "name", "address"} & set(frame.columns)


def test_stored_run_is_reused_until_the_data_changes(demo_fit):
    path, fit = demo_fit
    store = open_store(path)
    try:
        loaded = churn.load_fit(store, DEMO_END)
        assert loaded.run_id == fit.run_id
        assert loaded.summary == fit.summary
        assert churn.load_fit(store, date(2026, 6, 27)) is None  # another as-of date
        with store.transaction() as cur:
            cur.execute(
                "insert into members (member_key, member_id, signup_at) "
                "values (999999, 'NEW', '2026-06-28 10:00:00')"
            )
        assert churn.load_fit(store, DEMO_END) is None
        with store.transaction() as cur:
            cur.execute("delete from members where member_key = 999999")
        assert churn.load_fit(store, DEMO_END).run_id == fit.run_id
    finally:
        close_store(path)


def test_model_report_lists_every_parameter(demo_fit):
    _, fit = demo_fit
    rows = churn.model_parameters(fit)
    names = set(zip(rows["model"], rows["parameter"], strict=True))
    assert {("bgnbd", "r"), ("bgnbd", "alpha"), ("gamma_gamma", "gamma")} <= names
    assert ("holdout_cox", "concordance") in names and ("holdout_logistic", "auc") in names
    assert {("churn_window", "days"), ("score", "model")} <= names
    assert (rows["parameter"].str.startswith("hazard_ratio[")).sum() == len(fit.hazard_ratios)


def test_member_scores_read_the_stored_fit_and_never_fit(demo_fit, tmp_path):
    path, fit = demo_fit
    store = open_store(path)
    try:
        top = churn.at_risk_list(store, fit.run_id, limit=1).iloc[0]
        key = int(store.scalar("select member_key from members where member_id = $m",
                               {"m": top["member_id"]}))  # fmt: skip
        score = churn.member_scores(store, key, DEMO_END)
        assert score["churn_probability"] == pytest.approx(top["churn_probability"])
        assert score["predicted_ltv_12m"] == pytest.approx(top["predicted_ltv_12m"])
        assert score["action"] == top["action"]
        assert churn.member_scores(store, key, date(2026, 6, 27)) is None  # no fit for that day
    finally:
        close_store(path)

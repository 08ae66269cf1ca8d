"""BG/NBD and Gamma-Gamma (core/churn.py) against the published CDNOW results.

Fader, Hardie & Lee (2005), "Counting your customers the easy way": on the CDNOW 1/10
sample (2,357 customers) with a 39-week calibration period (1997-01-01 … 1997-09-30, weeks
as the time unit) the BG/NBD estimates are r 0.243, α 4.414, a 0.793, b 2.426 with a
log-likelihood of −9582.4; the Gamma-Gamma estimates on the 946 repeat customers are
p 6.25, q 3.74, γ 15.44. The data ships inside the ``lifetimes`` wheel, which is downloaded
(never imported) into the git-ignored ``.cache/lifetimes`` folder and read with zipfile
(data/cdnow.py).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import numpy.testing as npt
import pandas as pd
import pytest

from core import churn
from data import cdnow

CALIBRATION_END = date(1997, 9, 30)


@pytest.fixture(scope="module")
def cdnow_transactions() -> pd.DataFrame:
    return cdnow.read_transactions("sample")


@pytest.fixture(scope="module")
def cdnow_summary(cdnow_transactions) -> pd.DataFrame:
    return churn.rfm_summary(
        cdnow_transactions, "customer_id", "date", "amount", CALIBRATION_END, unit_days=7
    )


@pytest.fixture(scope="module")
def bgnbd(cdnow_summary) -> churn.BetaGeoModel:
    s = cdnow_summary
    return churn.BetaGeoModel().fit(s["frequency"], s["recency"], s["T"])


@pytest.fixture(scope="module")
def gamma_gamma(cdnow_summary) -> churn.GammaGammaModel:
    return churn.GammaGammaModel().fit(cdnow_summary["frequency"], cdnow_summary["monetary_value"])


def test_cdnow_summary_has_the_published_shape(cdnow_summary):
    assert len(cdnow_summary) == 2357
    assert (cdnow_summary["frequency"] > 0).sum() == 946
    # everybody made their first purchase in the first quarter of 1997
    assert cdnow_summary["T"].min() == pytest.approx(27.0)
    assert cdnow_summary["T"].max() == pytest.approx(38 + 6 / 7)


def test_bgnbd_reproduces_the_published_cdnow_estimates(bgnbd):
    assert bgnbd.converged_
    npt.assert_allclose(bgnbd.r_, 0.243, atol=0.002)
    npt.assert_allclose(bgnbd.alpha_, 4.414, atol=0.01)
    npt.assert_allclose(bgnbd.a_, 0.793, atol=0.002)
    npt.assert_allclose(bgnbd.b_, 2.426, atol=0.002)
    npt.assert_allclose(bgnbd.log_likelihood_, -9582.4, atol=0.1)


def test_gamma_gamma_reproduces_the_published_cdnow_estimates(gamma_gamma):
    assert gamma_gamma.converged_
    assert gamma_gamma.n_customers_ == 946
    npt.assert_allclose(gamma_gamma.p_, 6.25, atol=0.02)
    npt.assert_allclose(gamma_gamma.q_, 3.74, atol=0.02)
    npt.assert_allclose(gamma_gamma.gamma_, 15.44, atol=0.02)


def test_bgnbd_forecasts_the_holdout_period(bgnbd, cdnow_summary, cdnow_transactions):
    # The sample runs to 1998-06-30: 39 weeks after calibration. Repeat purchases (distinct
    # customer-days) there: 1,882; the conditional forecast from the fitted parameters gives
    # 1,653 (12% low); a wrong likelihood or forecast formula lands far from both.
    s = cdnow_summary
    expected = bgnbd.conditional_expected_purchases(39.0, s["frequency"], s["recency"], s["T"])
    later = cdnow_transactions[cdnow_transactions["date"] > pd.Timestamp(CALIBRATION_END)]
    actual = later.drop_duplicates(["customer_id", "date"]).shape[0]
    assert actual == 1882
    npt.assert_allclose(expected.sum(), 1653.4, atol=1.0)
    # a new customer's expected repeat purchases in their first 39 weeks
    assert 0 < bgnbd.expected_purchases(39.0) < 2


def test_probability_alive_is_one_without_repeats_and_falls_with_silence(bgnbd):
    p = bgnbd.probability_alive([0, 2, 2], [0, 30.0, 5.0], [38.0, 38.0, 38.0])
    assert p[0] == 1.0
    assert 0 < p[2] < p[1] < 1


def test_ltv_is_spend_times_purchases(bgnbd, gamma_gamma, cdnow_summary):
    s = cdnow_summary.head(50)
    ltv = churn.predicted_ltv(
        bgnbd, gamma_gamma, s["frequency"], s["recency"], s["T"], s["monetary_value"]
    )
    purchases = bgnbd.conditional_expected_purchases(
        12 * churn.MONTH_DAYS / 7, s["frequency"], s["recency"], s["T"]
    )
    spend = gamma_gamma.conditional_expected_value(s["frequency"], s["monetary_value"])
    npt.assert_allclose(ltv, purchases * spend, rtol=1e-9)
    assert np.all(ltv > 0)


def test_rfm_summary_on_a_hand_worked_log():
    log = pd.DataFrame(
        {
            "c": ["A", "A", "A", "A", "B"],
            "t": [
                "2024-01-01 00:00:00",
                "2024-01-01 18:00:00",
                "2024-01-15 09:00:00",
                "2024-01-29 10:00:00",
                "2024-01-08 11:00:00",
            ],
            "v": [10.0, 5.0, 20.0, 40.0, 7.0],
        }
    )
    s = churn.rfm_summary(log, "c", "t", "v", date(2024, 1, 29), unit_days=7)
    # A: first day 01-01 (15), repeats on 01-15 and 01-29; B: one purchase only
    assert s.loc["A"].tolist() == [2.0, 4.0, 4.0, 30.0]
    assert s.loc["B"].tolist() == [0.0, 0.0, 3.0, 0.0]


def test_gamma_gamma_refuses_non_positive_spend():
    with pytest.raises(churn.ChurnModelError):
        churn.GammaGammaModel().fit([1, 2, 3], [10.0, 0.0, 5.0])

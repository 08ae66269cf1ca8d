"""Churn prediction and LTV forecast (SPEC §6): survival models, BG/NBD and Gamma-Gamma.

Two families of models live here.

Survival (lifelines)
    :func:`survival_frame` turns the store into one row per member: the time from signup to
    the last activity (churned: no activity for ``churn_days``, the event is observed) or to
    the as-of date (censored). :func:`kaplan_meier` fits a Kaplan-Meier curve per group with
    its confidence band, median lifetime and a log-rank test; :class:`CoxChurnModel` wraps
    lifelines' ``CoxPHFitter`` with a proportional-hazards check; :func:`holdout_evaluation`
    fits the Cox model and a scikit-learn baseline on what was known ``horizon`` days before
    the as-of date and scores both on what happened after (concordance and the AUC of
    "churned in the next 30 days").

Purchases and spend (scipy)
    :class:`BetaGeoModel` (BG/NBD, Fader, Hardie & Lee 2005) and :class:`GammaGammaModel`
    (Fader, Hardie & Lee 2005, "RFM and CLV") are fitted by maximum likelihood with
    L-BFGS-B on log-parameters. lifelines has neither, and the ``lifetimes`` package is
    unmaintained (it pins old pandas/scipy), so the likelihoods are written here with
    ``gammaln``/``betaln`` and a log-sum-exp; ``tests/test_ltv_models.py`` checks them
    against the published CDNOW estimates.

Every function takes the as-of date explicitly; nothing reads the wall clock.
"""

from __future__ import annotations

import json
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd
from lifelines import CoxPHFitter, KaplanMeierFitter
from lifelines.statistics import multivariate_logrank_test, proportional_hazard_test
from lifelines.utils import concordance_index
from scipy import optimize
from scipy.special import betaln, digamma, gammaln, hyp2f1
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from threadpoolctl import threadpool_limits

from core.filters import GlobalFilters
from core.store import Store

WEEK_DAYS = 7.0
MONTH_DAYS = 365.25 / 12
DEFAULT_CHURN_DAYS = 30
DEFAULT_HORIZON_DAYS = 90
BASELINE_SAMPLE_ROWS = 50_000
PREDICTION_DAYS = 30
KM_GROUPS = ("tier", "channel", "device", "segment")
CATEGORICAL_FEATURES = ("tier", "channel", "device")
NUMERIC_FEATURES = (
    "recency_days",
    "active_days_90",
    "log_active_days_90",
    "orders_365",
    "log_monetary_365",
    "coupon_share",
    "cart_abandonment",
    "session_minutes",
    "log_tenure_days",
)
ACTIONS = ("vip_care", "incentive_coupon", "cart_reminder", "care_sms", "keep_warm")


class ChurnModelError(ValueError):
    """A model cannot be fitted or used on the data given (the message says why)."""


class NotFittedError(ChurnModelError):
    """A prediction was asked of a model before :meth:`fit`."""


# -- RFM summary ----------------------------------------------------------------------------


def rfm_summary(
    transactions: pd.DataFrame,
    customer_col: str,
    time_col: str,
    value_col: str | None,
    calibration_end,
    unit_days: float = WEEK_DAYS,
) -> pd.DataFrame:
    """The standard RFM summary of a transaction log, one row per customer.

    Transactions on the same calendar day are one purchase (their values summed).

    Parameters
    ----------
    transactions : DataFrame
        One row per transaction; rows after ``calibration_end`` are ignored.
    customer_col, time_col, value_col : str
        Column names; ``value_col`` may be None when only counts are needed.
    calibration_end : date-like
        The last day of the calibration period (inclusive).
    unit_days : float
        Length of the time unit in days (7: weeks).

    Returns
    -------
    DataFrame
        Indexed by customer: ``frequency`` (repeat purchases on distinct days), ``recency``
        (time of the last repeat purchase since the first; 0 without repeats), ``T`` (time
        from the first purchase to ``calibration_end``) and, with ``value_col``,
        ``monetary_value`` (mean value of the repeat purchases; 0 without repeats).
    """
    end = pd.Timestamp(calibration_end).normalize()
    frame = transactions[[customer_col, time_col] + ([value_col] if value_col else [])].copy()
    frame["_day"] = pd.to_datetime(frame[time_col]).dt.normalize()
    frame = frame[frame["_day"] <= end]
    if frame.empty:
        raise ChurnModelError("no transactions on or before the calibration end")
    value = value_col or "_one"
    if value_col is None:
        frame[value] = 1.0
    daily = frame.groupby([customer_col, "_day"], sort=True)[value].sum().reset_index()
    grouped = daily.groupby(customer_col, sort=True)
    first = grouped["_day"].min()
    last = grouped["_day"].max()
    purchases = grouped["_day"].count()
    total = grouped[value].sum().astype(float)
    first_value = daily.drop_duplicates(customer_col).set_index(customer_col)[value].astype(float)
    frequency = (purchases - 1).astype(float)
    summary = pd.DataFrame(
        {
            "frequency": frequency,
            "recency": (last - first).dt.days / unit_days,
            "T": (end - first).dt.days / unit_days,
        }
    )
    if value_col is not None:
        repeat_total = total - first_value
        summary["monetary_value"] = np.where(
            frequency > 0, repeat_total / frequency.where(frequency > 0, 1.0), 0.0
        )
    summary.index.name = customer_col
    return summary


# -- shared fitting helper ------------------------------------------------------------------


def _maximise(negative_ll, n_params: int, initial: np.ndarray | None = None):
    """Minimise ``negative_ll`` over log-parameters with L-BFGS-B from a few starts.

    ``negative_ll`` returns the value and its gradient with respect to the log-parameters.
    """
    starts = [np.zeros(n_params)] if initial is None else [np.log(initial)]
    starts.append(np.full(n_params, np.log(0.5)))
    best = None
    for start in starts:
        result = optimize.minimize(
            negative_ll,
            start,
            jac=True,
            method="L-BFGS-B",
            bounds=[(-12.0, 12.0)] * n_params,
            options={"maxiter": 2000, "ftol": 1e-14, "gtol": 1e-9},
        )
        if best is None or result.fun < best.fun:
            best = result
    return best


def _as_arrays(*columns) -> list[np.ndarray]:
    arrays = [np.asarray(column, dtype=float) for column in columns]
    lengths = {len(array) for array in arrays}
    if len(lengths) != 1:
        raise ChurnModelError("inputs must have the same length")
    return arrays


# -- BG/NBD ---------------------------------------------------------------------------------


class BetaGeoModel:
    """The BG/NBD model of repeat purchasing (Fader, Hardie & Lee 2005).

    While alive, a customer buys at a Poisson rate λ ~ Gamma(r, α); after each purchase
    they drop out with probability p ~ Beta(a, b).

    Attributes
    ----------
    r_, alpha_, a_, b_ : float
        Fitted parameters (time unit: that of the inputs).
    log_likelihood_ : float
        Total log-likelihood at the optimum.
    n_customers_ : int
    converged_ : bool
    """

    param_names = ("r", "alpha", "a", "b")

    def fit(self, frequency, recency, T) -> BetaGeoModel:
        """Fit by maximum likelihood.

        Parameters
        ----------
        frequency, recency, T : array-like
            The RFM summary (see :func:`rfm_summary`).

        Returns
        -------
        self
        """
        x, t_x, big_t = _as_arrays(frequency, recency, T)
        if len(x) < 4:
            raise ChurnModelError("BG/NBD needs at least four customers")
        if np.any(x < 0) or np.any(t_x < 0) or np.any(t_x > big_t + 1e-9):
            raise ChurnModelError("need frequency >= 0 and 0 <= recency <= T")
        scale = max(float(np.mean(big_t)), 1e-9)
        # customers with the same (x, t_x, T) share one likelihood term: 518,029 buyers are
        # 174,515 distinct triples at 1 M members
        triples, counts = np.unique(np.column_stack([x, t_x, big_t]), axis=0, return_counts=True)
        ux, ut_x, ubig_t = triples.T
        weights = counts / len(x)

        def negative_ll(log_params):
            r, alpha, a, b = np.exp(log_params)
            alpha = alpha * scale
            terms, gradient = self._log_likelihood_and_gradient(r, alpha, a, b, ux, ut_x, ubig_t)
            return -weights @ terms, -(gradient @ weights) * np.array([r, alpha, a, b])

        result = _maximise(negative_ll, 4)
        r, alpha, a, b = np.exp(result.x)
        self.r_, self.alpha_, self.a_, self.b_ = float(r), float(alpha * scale), float(a), float(b)
        self.log_likelihood_ = float(-result.fun * len(x))
        self.n_customers_ = len(x)
        self.converged_ = bool(result.success)
        return self

    @staticmethod
    def _log_likelihood(r, alpha, a, b, x, t_x, big_t) -> np.ndarray:
        common = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + betaln(a, b + x) - betaln(a, b)
        still_alive = -(r + x) * np.log(alpha + big_t)
        with np.errstate(divide="ignore", invalid="ignore"):
            dropped = np.where(
                x > 0,
                np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) - (r + x) * np.log(alpha + t_x),
                -np.inf,
            )
        return common + np.logaddexp(still_alive, dropped)

    @staticmethod
    def _log_likelihood_and_gradient(r, alpha, a, b, x, t_x, big_t):
        """Per-customer log-likelihood and its gradient (rows: r, α, a, b)."""
        common = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + betaln(a, b + x) - betaln(a, b)
        still_alive = -(r + x) * np.log(alpha + big_t)
        repeat = x > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            dropped = np.where(
                repeat,
                np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) - (r + x) * np.log(alpha + t_x),
                -np.inf,
            )
        mixture = np.logaddexp(still_alive, dropped)
        # the weights of the two terms of the mixture in its derivative
        w_dropped = np.where(repeat, np.exp(dropped - mixture), 0.0)
        w_alive = 1.0 - w_dropped
        psi_ab = digamma(a + b)
        psi_abx = digamma(a + b + x)
        gradient = np.vstack(
            [
                digamma(r + x)
                - digamma(r)
                + np.log(alpha)
                - w_alive * np.log(alpha + big_t)
                - w_dropped * np.log(alpha + t_x),
                r / alpha
                - w_alive * (r + x) / (alpha + big_t)
                - w_dropped * (r + x) / (alpha + t_x),
                psi_ab - psi_abx + w_dropped / a,
                digamma(b + x)
                - digamma(b)
                + psi_ab
                - psi_abx
                - w_dropped / np.maximum(b + x - 1, 1e-300),
            ]
        )
        return common + mixture, gradient

    @property
    def params_(self) -> dict[str, float]:
        self._check()
        return {"r": self.r_, "alpha": self.alpha_, "a": self.a_, "b": self.b_}

    def _check(self) -> None:
        if not hasattr(self, "r_"):
            raise NotFittedError("fit the BG/NBD model first")

    def log_likelihood(self, frequency, recency, T) -> np.ndarray:
        """Per-customer log-likelihood under the fitted parameters."""
        self._check()
        x, t_x, big_t = _as_arrays(frequency, recency, T)
        return self._log_likelihood(self.r_, self.alpha_, self.a_, self.b_, x, t_x, big_t)

    def probability_alive(self, frequency, recency, T) -> np.ndarray:
        """P(alive at T | x, t_x, T); 1 for customers without a repeat purchase."""
        self._check()
        x, t_x, big_t = _as_arrays(frequency, recency, T)
        r, alpha, a, b = self.r_, self.alpha_, self.a_, self.b_
        with np.errstate(divide="ignore", invalid="ignore"):
            log_ratio = (
                np.log(a)
                - np.log(np.maximum(b + x - 1, 1e-300))
                + (r + x) * (np.log(alpha + big_t) - np.log(alpha + t_x))
            )
        return np.where(x > 0, 1.0 / (1.0 + np.exp(np.minimum(log_ratio, 700))), 1.0)

    def expected_purchases(self, t) -> np.ndarray:
        """E[X(t)]: expected purchases of a new customer in a period of length ``t``."""
        self._check()
        t = np.asarray(t, dtype=float)
        r, alpha, a, b = self.r_, self.alpha_, self.a_, self.b_
        hyp = hyp2f1(r, b, a + b - 1, t / (alpha + t))
        return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp)

    def conditional_expected_purchases(self, t, frequency, recency, T) -> np.ndarray:
        """E[Y(t) | x, t_x, T]: expected purchases in the next ``t`` time units."""
        self._check()
        x, t_x, big_t = _as_arrays(frequency, recency, T)
        t = np.asarray(t, dtype=float)
        r, alpha, a, b = self.r_, self.alpha_, self.a_, self.b_
        hyp = hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + big_t + t))
        first = (a + b + x - 1) / (a - 1)
        second = 1 - ((alpha + big_t) / (alpha + big_t + t)) ** (r + x) * hyp
        with np.errstate(divide="ignore", invalid="ignore"):
            odds = np.where(
                x > 0,
                a
                / np.maximum(b + x - 1, 1e-300)
                * np.exp(np.minimum((r + x) * (np.log(alpha + big_t) - np.log(alpha + t_x)), 700)),
                0.0,
            )
        return first * second / (1 + odds)


# -- Gamma-Gamma ----------------------------------------------------------------------------


class GammaGammaModel:
    """The Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee 2005).

    A customer's transaction values are Gamma(p, ν) around their mean, with ν ~ Gamma(q, γ)
    across customers. Fit on customers with at least one repeat purchase.

    Attributes
    ----------
    p_, q_, gamma_ : float
        Fitted parameters (``gamma_`` is in the currency of the inputs).
    log_likelihood_ : float
    n_customers_ : int
    converged_ : bool
    """

    param_names = ("p", "q", "gamma")

    def fit(self, frequency, monetary_value) -> GammaGammaModel:
        """Fit by maximum likelihood on customers with ``frequency > 0``.

        Parameters
        ----------
        frequency : array-like
            Repeat purchases per customer.
        monetary_value : array-like
            Mean value of each customer's repeat purchases (must be positive).

        Returns
        -------
        self
        """
        x, m = _as_arrays(frequency, monetary_value)
        keep = x > 0
        x, m = x[keep], m[keep]
        if len(x) < 3:
            raise ChurnModelError("Gamma-Gamma needs at least three repeat customers")
        if np.any(m <= 0):
            raise ChurnModelError("Gamma-Gamma needs positive monetary values")
        scale = float(np.mean(m))

        def negative_ll(log_params):
            p, q, gamma = np.exp(log_params)
            gamma = gamma * scale
            value = -self._log_likelihood(p, q, gamma, x, m).sum() / len(x)
            gradient = self._gradient(p, q, gamma, x, m).mean(axis=1)
            return value, -gradient * np.array([p, q, gamma])

        result = _maximise(negative_ll, 3, initial=np.array([1.0, 1.0, 1.0]))
        p, q, gamma = np.exp(result.x)
        self.p_, self.q_, self.gamma_ = float(p), float(q), float(gamma * scale)
        self.log_likelihood_ = float(-result.fun * len(x))
        self.n_customers_ = len(x)
        self.converged_ = bool(result.success)
        return self

    @staticmethod
    def _log_likelihood(p, q, gamma, x, m) -> np.ndarray:
        return (
            gammaln(p * x + q)
            - gammaln(p * x)
            - gammaln(q)
            + q * np.log(gamma)
            + (p * x - 1) * np.log(m)
            + p * x * np.log(x)
            - (p * x + q) * np.log(gamma + m * x)
        )

    @staticmethod
    def _gradient(p, q, gamma, x, m) -> np.ndarray:
        """Gradient of each customer's log-likelihood (rows: p, q, γ)."""
        psi_pxq = digamma(p * x + q)
        log_total = np.log(gamma + m * x)
        return np.vstack(
            [
                x * (psi_pxq - digamma(p * x) + np.log(m) + np.log(x) - log_total),
                psi_pxq - digamma(q) + np.log(gamma) - log_total,
                q / gamma - (p * x + q) / (gamma + m * x),
            ]
        )

    @property
    def params_(self) -> dict[str, float]:
        self._check()
        return {"p": self.p_, "q": self.q_, "gamma": self.gamma_}

    def _check(self) -> None:
        if not hasattr(self, "p_"):
            raise NotFittedError("fit the Gamma-Gamma model first")

    def conditional_expected_value(self, frequency, monetary_value) -> np.ndarray:
        """E[spend per transaction | x, m]; the population mean pγ/(q−1) when x = 0."""
        self._check()
        x, m = _as_arrays(frequency, monetary_value)
        p, q, gamma = self.p_, self.q_, self.gamma_
        if q <= 1:
            raise ChurnModelError("the population mean spend is infinite (q <= 1)")
        population = p * gamma / (q - 1)
        weight = p * x / (p * x + q - 1)
        return (1 - weight) * population + weight * np.where(x > 0, m, 0.0)


def predicted_ltv(
    bgnbd: BetaGeoModel,
    gamma_gamma: GammaGammaModel,
    frequency,
    recency,
    T,
    monetary_value,
    months: int = 12,
    unit_days: float = WEEK_DAYS,
    monthly_discount_rate: float = 0.0,
) -> np.ndarray:
    """Predicted value of each customer's purchases over the next ``months`` months.

    Expected purchases per month (BG/NBD, conditional on the customer's history) times the
    expected spend per purchase (Gamma-Gamma), discounted at ``monthly_discount_rate``.

    Parameters
    ----------
    unit_days : float
        Length of the time unit that ``recency`` and ``T`` were measured in, in days.
    """
    x, t_x, big_t, m = _as_arrays(frequency, recency, T, monetary_value)
    spend = gamma_gamma.conditional_expected_value(x, m)
    if len(x) == 0:
        return spend
    # expected purchases depend on (x, t_x, T) only: once per distinct triple
    triples, inverse = np.unique(np.column_stack([x, t_x, big_t]), axis=0, return_inverse=True)
    month = MONTH_DAYS / unit_days
    total = np.zeros(len(triples))
    previous = np.zeros(len(triples))
    for i in range(1, months + 1):
        cumulative = bgnbd.conditional_expected_purchases(i * month, *triples.T)
        total += (cumulative - previous) / (1 + monthly_discount_rate) ** i
        previous = cumulative
    return total[inverse.reshape(-1)] * spend


# -- survival frame and Kaplan-Meier --------------------------------------------------------


def survival_from_activity(
    spans: pd.DataFrame, as_of: date, churn_days: int = DEFAULT_CHURN_DAYS
) -> pd.DataFrame:
    """Durations and churn events from each member's signup day and last active day.

    A member is churned when ``as_of`` is at least ``churn_days`` days after their last
    activity: the event is observed and the duration runs from signup to the last active
    day. Everyone else is censored at ``as_of`` (duration: signup to ``as_of``). Members who
    signed up after ``as_of`` are dropped.

    Parameters
    ----------
    spans : DataFrame
        ``signup_day`` and ``last_active_day`` (dates) plus any other columns, kept as is.
    as_of : date
        The day the data is read as of; passed explicitly, never the wall clock.
    churn_days : int
        Days without activity after which a member counts as churned.

    Returns
    -------
    DataFrame
        ``spans`` with ``duration_days`` (float) and ``churned`` (bool) added.
    """
    if churn_days < 1:
        raise ChurnModelError("churn_days must be at least 1")
    end = pd.Timestamp(as_of)
    frame = spans.copy()
    signup = pd.to_datetime(frame["signup_day"])
    last = pd.to_datetime(frame["last_active_day"]).clip(upper=end)
    last = last.where(last >= signup, signup)
    keep = signup <= end
    frame, signup, last = frame[keep].copy(), signup[keep], last[keep]
    churned = (end - last).dt.days >= churn_days
    frame["churned"] = churned.to_numpy()
    frame["duration_days"] = np.where(
        churned, (last - signup).dt.days, (end - signup).dt.days
    ).astype(float)
    return frame.reset_index(drop=True)


def survival_frame(
    store: Store,
    as_of: date,
    churn_days: int = DEFAULT_CHURN_DAYS,
    filters: GlobalFilters | None = None,
) -> pd.DataFrame:
    """One row per member in the filter scope: attributes, ``duration_days``, ``churned``."""
    params = {"as_of": as_of, **(filters or GlobalFilters()).sql_params()}
    return survival_from_activity(store.query("churn/activity_span", params), as_of, churn_days)


def label_segment(
    store: Store, frame: pd.DataFrame, segment_id: int, name: str, others: str
) -> pd.DataFrame:
    """``frame`` with a ``segment`` column: ``name`` for members of the saved segment
    ``segment_id`` (as materialised on the last refresh or save), ``others`` for the rest,
    so Kaplan-Meier and the log-rank test compare a segment against everyone else."""
    members = store.query("churn/segment_member_keys", {"segment_id": segment_id})
    inside = frame["member_key"].isin(members["member_key"])
    return frame.assign(segment=np.where(inside, name, others))


@dataclass(frozen=True)
class KaplanMeierResult:
    """Kaplan-Meier curves of several groups and the log-rank test between them.

    ``curves`` has one row per group and time: ``group``, ``days``, ``survival``,
    ``lower``, ``upper`` (the confidence band). ``groups`` has one row per group:
    ``group``, ``members``, ``churned``, ``median_days`` (NaN when the curve never falls
    to 0.5: the median lifetime is longer than the data).
    """

    by: str
    curves: pd.DataFrame
    groups: pd.DataFrame
    logrank_statistic: float | None
    logrank_p: float | None
    alpha: float


def kaplan_meier(
    frame: pd.DataFrame, by: str | None = None, alpha: float = 0.05, min_members: int = 10
) -> KaplanMeierResult:
    """Kaplan-Meier survival per group of a :func:`survival_frame`, with median lifetime.

    Groups with fewer than ``min_members`` members are left out (their curves are noise).
    The log-rank test compares the remaining groups (None with fewer than two).
    """
    data = frame.copy()
    data["_group"] = data[by].astype(str) if by else "all"
    sizes = data["_group"].value_counts()
    data = data[data["_group"].isin(sizes[sizes >= min_members].index)]
    curves, rows = [], []
    for group, part in data.groupby("_group", sort=True):
        kmf = KaplanMeierFitter(alpha=alpha).fit(
            part["duration_days"], part["churned"], label=str(group)
        )
        survival = kmf.survival_function_.iloc[:, 0]
        band = kmf.confidence_interval_
        curves.append(
            pd.DataFrame(
                {
                    "group": str(group),
                    "days": survival.index.to_numpy(dtype=float),
                    "survival": survival.to_numpy(),
                    "lower": band.iloc[:, 0].to_numpy(),
                    "upper": band.iloc[:, 1].to_numpy(),
                }
            )
        )
        median = float(kmf.median_survival_time_)
        rows.append(
            {
                "group": str(group),
                "members": len(part),
                "churned": int(part["churned"].sum()),
                "median_days": median if np.isfinite(median) else float("nan"),
            }
        )
    statistic = p_value = None
    if len(rows) >= 2:
        test = multivariate_logrank_test(data["duration_days"], data["_group"], data["churned"])
        statistic, p_value = float(test.test_statistic), float(test.p_value)
    columns = ["group", "days", "survival", "lower", "upper"]
    return KaplanMeierResult(
        by=by or "all",
        curves=pd.concat(curves, ignore_index=True) if curves else pd.DataFrame(columns=columns),
        groups=pd.DataFrame(rows, columns=["group", "members", "churned", "median_days"]),
        logrank_statistic=statistic,
        logrank_p=p_value,
        alpha=alpha,
    )


# -- Cox proportional hazards ---------------------------------------------------------------


def _column(frame: pd.DataFrame, prefix: str) -> str:
    return next(column for column in frame.columns if str(column).startswith(prefix))


def schoenfeld_residuals(
    design: np.ndarray, durations: np.ndarray, events: np.ndarray, coefs: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Schoenfeld residuals of a Cox fit with Efron's tie correction, for every event.

    The numbers of lifelines' ``CoxPHFitter.compute_residuals(kind="schoenfeld")``, in the
    same order (rows sorted by duration, then event, stably), but from cumulative sums over
    the sorted rows instead of a loop that grows an array row by row.

    Parameters
    ----------
    design : ndarray, shape (n, d)
        Covariates of every row (the training rows of the fit).
    durations, events : ndarray, shape (n,)
    coefs : ndarray, shape (d,)
        The fitted coefficients.

    Returns
    -------
    residuals : ndarray, shape (events, d)
        ``x_i`` minus the Efron-weighted mean of the covariates over the risk set at the
        event time, one row per event in sorted order.
    rows : ndarray
        The row of ``design`` each residual belongs to.
    """
    order = np.lexsort((events, durations))
    design, durations, events = design[order], durations[order], events[order].astype(bool)
    linear = design @ coefs
    weight = np.exp(linear - linear.max())  # a constant factor cancels in every ratio
    weighted = weight[:, None] * design
    # the risk set at time t: every row with a duration >= t (sums from the end)
    risk = np.cumsum(weight[::-1])[::-1]
    risk_x = np.cumsum(weighted[::-1], axis=0)[::-1]
    event_rows = np.flatnonzero(events)
    times = durations[event_rows]
    starts = np.flatnonzero(np.r_[True, times[1:] != times[:-1]])
    group = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(times)]))
    ties = np.diff(np.r_[starts, len(times)])[group]
    first_at_time = np.searchsorted(durations, times[starts], side="left")[group]
    tied = np.add.reduceat(weight[event_rows], starts)[group]
    tied_x = np.add.reduceat(weighted[event_rows], starts, axis=0)[group]
    share = (np.arange(len(times)) - starts[group]) / ties
    numerator = risk_x[first_at_time] - share[:, None] * tied_x
    denominator = (risk[first_at_time] - share * tied) * ties
    mean = np.add.reduceat(numerator / denominator[:, None], starts, axis=0)[group]
    return design[event_rows] - mean, order[event_rows]


def concordance(durations, scores, events) -> float:
    """Harrell's concordance index, exactly as lifelines' ``concordance_index`` counts it.

    A death at time t is compared with every earlier death, a censored row at time t with
    every death at or before t; a pair is correct when the earlier death has the lower score
    (``scores`` rank survival: higher, longer) and counts one half when the scores tie.
    lifelines walks the rows one by one through a Python binary tree (6 s per call on
    285,673 rows); here the deaths of each distinct time are counted at once against a
    running histogram of the earlier deaths' scores. With more than 2,000 distinct death
    times (continuous times) lifelines' own function is used.
    """
    durations = np.asarray(durations, dtype=float)
    scores = np.asarray(scores, dtype=float)
    events = np.asarray(events).astype(bool)
    died_times, died_scores = durations[events], scores[events]
    times = np.unique(died_times)
    if len(times) > 2000:
        return float(concordance_index(durations, scores, events))
    levels = np.unique(died_scores)
    died_level = np.searchsorted(levels, died_scores)
    died_group = np.searchsorted(times, died_times)
    # censored rows are compared after the deaths at or before their time are counted in
    censored = ~events
    censored_group = np.searchsorted(times, durations[censored], side="right") - 1
    censored_scores = scores[censored]
    counts = np.zeros(len(levels), dtype=np.int64)
    pairs = correct = tied = 0

    def compare(query: np.ndarray) -> None:
        nonlocal pairs, correct, tied
        if len(query) == 0:
            return
        below = np.concatenate([[0], np.cumsum(counts)])
        position = np.searchsorted(levels, query, side="left")
        correct += int(below[position].sum())
        found = position < len(levels)
        equal = found & (levels[np.minimum(position, len(levels) - 1)] == query)
        tied += int(counts[position[equal]].sum())
        pairs += int(below[-1]) * len(query)

    death_order = np.argsort(died_group, kind="stable")
    death_bounds = np.searchsorted(died_group[death_order], np.arange(len(times) + 1))
    censored_order = np.argsort(censored_group, kind="stable")
    censored_bounds = np.searchsorted(
        censored_group[censored_order], np.arange(len(times) + 1), side="left"
    )
    for k in range(len(times)):
        rows = death_order[death_bounds[k] : death_bounds[k + 1]]
        compare(died_scores[rows])
        np.add.at(counts, died_level[rows], 1)
        later = censored_order[censored_bounds[k] : censored_bounds[k + 1]]
        compare(censored_scores[later])
    if pairs == 0:
        raise ChurnModelError("no admissible pairs for a concordance index")
    return (correct + tied / 2) / pairs


class CoxChurnModel:
    """Cox proportional hazards on member features (a thin wrapper of lifelines' CoxPHFitter).

    Categorical features are one-hot encoded against a reference level (the most common one
    unless given), so each hazard ratio reads "this level against the reference".

    Parameters
    ----------
    categorical : sequence of str
        Categorical columns.
    numeric : sequence of str or None
        Numeric columns; None means every other column except duration and event.
    penalizer : float
        L2 penalty passed to lifelines (0: the plain partial likelihood).
    reference : dict or None
        Reference level per categorical column.
    alpha : float
        1 − confidence level of the hazard-ratio intervals.

    Attributes
    ----------
    lifelines_ : CoxPHFitter
    hazard_ratios_ : DataFrame
        ``covariate``, ``coef``, ``hazard_ratio``, ``lower``, ``upper``, ``p``.
    concordance_ : float
        Concordance on the training data.
    reference_ : dict
    feature_names_ : list of str
    means_ : Series
        Design-matrix column means (drivers are measured against the average member).
    """

    def __init__(
        self,
        categorical: Sequence[str] = (),
        numeric: Sequence[str] | None = None,
        penalizer: float = 0.0,
        reference: dict[str, str] | None = None,
        alpha: float = 0.05,
    ):
        self.categorical = tuple(categorical)
        self.numeric = None if numeric is None else tuple(numeric)
        self.penalizer = penalizer
        self.reference = dict(reference or {})
        self.alpha = alpha

    def fit(self, frame: pd.DataFrame, duration_col: str, event_col: str) -> CoxChurnModel:
        """Fit on ``frame`` (one row per member).

        Returns
        -------
        self
        """
        if frame.empty:
            raise ChurnModelError("no rows to fit the Cox model on")
        numeric = self.numeric
        if numeric is None:
            skip = {duration_col, event_col, *self.categorical}
            numeric = tuple(column for column in frame.columns if column not in skip)
        self.numeric_ = numeric
        self.levels_ = {}
        self.reference_ = {}
        for column in self.categorical:
            counts = frame[column].astype(str).value_counts()
            reference = self.reference.get(column, counts.index[0])
            self.reference_[column] = reference
            self.levels_[column] = sorted(level for level in counts.index if level != reference)
        design = self.design(frame)
        design = design.loc[:, design.std() > 0]
        self.feature_names_ = list(design.columns)
        self.means_ = design.mean()
        data = design.assign(
            _duration=frame[duration_col].to_numpy(dtype=float),
            _event=frame[event_col].to_numpy(dtype=bool),
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.lifelines_ = CoxPHFitter(penalizer=self.penalizer, alpha=self.alpha).fit(
                data, "_duration", "_event"
            )
        self._training = data
        summary = self.lifelines_.summary
        self.hazard_ratios_ = pd.DataFrame(
            {
                "covariate": summary.index.to_list(),
                "coef": summary["coef"].to_numpy(),
                "hazard_ratio": summary["exp(coef)"].to_numpy(),
                "lower": summary[_column(summary, "exp(coef) lower")].to_numpy(),
                "upper": summary[_column(summary, "exp(coef) upper")].to_numpy(),
                "p": summary["p"].to_numpy(),
            }
        )
        return self

    @property
    def concordance_(self) -> float:
        """Concordance on the training data (lifelines' ``concordance_index_``, counted by
        :func:`concordance`; on first use, as the holdout's model never needs it)."""
        self._check()
        fitted = getattr(self.lifelines_, "_predicted_partial_hazards_", None)
        if fitted is None:
            return float(self.lifelines_.concordance_index_)
        return concordance(fitted["T"], -fitted["P"], fitted["E"])

    def _check(self) -> None:
        if not hasattr(self, "lifelines_"):
            raise NotFittedError("fit the Cox model first")

    def design(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The design matrix: numeric columns, then one 0/1 column per non-reference level."""
        columns = {name: frame[name].to_numpy(dtype=float) for name in self.numeric_}
        for column in self.categorical:
            values = frame[column].astype(str).to_numpy()
            for level in self.levels_[column]:
                columns[f"{column}={level}"] = (values == level).astype(float)
        design = pd.DataFrame(columns, index=frame.index)
        if hasattr(self, "feature_names_"):
            design = design.reindex(columns=self.feature_names_, fill_value=0.0)
        return design

    def risk_score(self, frame: pd.DataFrame) -> np.ndarray:
        """The partial hazard of each row (higher: churns sooner)."""
        self._check()
        return self.lifelines_.predict_partial_hazard(self.design(frame)).to_numpy(dtype=float)

    def churn_probability(self, frame: pd.DataFrame, days: float) -> np.ndarray:
        """P(churn within ``days``) = 1 − S(days | x) for each row."""
        self._check()
        survival = self.lifelines_.predict_survival_function(self.design(frame), times=[days])
        return np.clip(1.0 - survival.to_numpy(dtype=float)[0], 0.0, 1.0)

    def concordance(self, frame: pd.DataFrame, duration_col: str, event_col: str) -> float:
        """Concordance of the model's risk ordering with the durations of ``frame``."""
        return concordance(frame[duration_col], -self.risk_score(frame), frame[event_col])

    def check_proportional_hazards(self, p_threshold: float = 0.01) -> pd.DataFrame:
        """Schoenfeld-residual test of the PH assumption per covariate (rank time transform),
        on every training row.

        The statistic is lifelines' ``proportional_hazard_test``; the scaled Schoenfeld
        residuals it needs come from :func:`schoenfeld_residuals` (the same numbers as
        lifelines' own, in time linear in the rows: lifelines' takes quadratic time and did
        not finish in 15 minutes on 285,673 rows).

        Returns ``covariate``, ``test_statistic``, ``p`` and ``fails`` (p below
        ``p_threshold``: the covariate's effect changes over time, so its hazard ratio is an
        average over the follow-up rather than a constant).
        """
        self._check()
        fitted = self.lifelines_
        covariates = fitted.params_.index
        durations = self._training["_duration"].to_numpy(dtype=float)
        events = self._training["_event"].to_numpy(dtype=bool)
        residuals, _ = schoenfeld_residuals(
            self._training[covariates].to_numpy(dtype=float),
            durations,
            events,
            fitted.params_.to_numpy(dtype=float),
        )
        scaled = pd.DataFrame(
            events.sum() * residuals @ fitted.variance_matrix_.to_numpy(dtype=float),
            columns=covariates,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = proportional_hazard_test(fitted, None, "rank", precomputed_residuals=scaled)
        summary = result.summary
        return pd.DataFrame(
            {
                "covariate": summary.index.to_list(),
                "test_statistic": summary["test_statistic"].to_numpy(dtype=float),
                "p": summary["p"].to_numpy(dtype=float),
                "fails": (summary["p"] < p_threshold).to_numpy(),
            }
        )

    def drivers(self, frame: pd.DataFrame, top: int = 3) -> list[list[str]]:
        """Per row, the covariates that raise its hazard most against the average member
        (at most ``top``, largest first; none when nothing raises it)."""
        names, codes = self._driver_codes(frame, top)
        return [[names[j] for j in row if j >= 0] for row in codes]

    def driver_text(self, frame: pd.DataFrame, top: int = 3) -> np.ndarray:
        """:meth:`drivers` of each row joined with ``|`` (an empty string for none)."""
        names, codes = self._driver_codes(frame, top)
        if len(codes) == 0:
            return np.array([], dtype=object)
        combinations, inverse = np.unique(codes, axis=0, return_inverse=True)
        texts = np.array(
            ["|".join(names[j] for j in row if j >= 0) for row in combinations], dtype=object
        )
        return texts[inverse.reshape(-1)]

    def _driver_codes(self, frame: pd.DataFrame, top: int) -> tuple[list[str], np.ndarray]:
        self._check()
        design = self.design(frame)
        coefs = self.lifelines_.params_.reindex(design.columns).to_numpy()
        contributions = (design.to_numpy() - self.means_.to_numpy()) * coefs
        order = np.argsort(-contributions, axis=1, kind="stable")[:, :top]
        raises = np.take_along_axis(contributions, order, axis=1) > 0
        return list(design.columns), np.where(raises, order, -1)


# -- landmark frames and the time-based holdout ---------------------------------------------


def features_at(store: Store, landmark: date) -> pd.DataFrame:
    """Member features as known on ``landmark`` (``sql/churn/member_features.sql``)."""
    frame = store.query("churn/member_features", {"landmark": landmark})
    frame["log_monetary_365"] = np.log1p(frame["monetary_365"].astype(float))
    frame["log_tenure_days"] = np.log1p(frame["tenure_days"].astype(float))
    frame["log_active_days_90"] = np.log1p(frame["active_days_90"].astype(float))
    for column in ("tier", "channel", "device"):
        frame[column] = frame[column].astype(str)
    return frame


def label_outcomes(
    features: pd.DataFrame,
    last_active: pd.Series,
    landmark: date,
    outcome_end: date,
    churn_days: int = DEFAULT_CHURN_DAYS,
    window_days: int = PREDICTION_DAYS,
) -> pd.DataFrame:
    """The members active on ``landmark`` with what happened to them up to ``outcome_end``.

    A member is active on the landmark when their last activity is fewer than
    ``churn_days`` days before it. Their churn date is the day the churn becomes visible:
    the last activity up to ``outcome_end`` plus ``churn_days``. ``duration_days`` runs from
    the landmark to the churn date (``churned`` True) or to ``outcome_end`` (censored).
    ``churn_30d`` says whether the churn date falls within ``window_days`` of the landmark,
    i.e. the member never came back after the landmark.

    Parameters
    ----------
    features : DataFrame
        :func:`features_at` on ``landmark`` (``member_key``, ``recency_days``, ...).
    last_active : Series
        Last active day up to ``outcome_end``, indexed by ``member_key``.
    """
    if (pd.Timestamp(outcome_end) - pd.Timestamp(landmark)).days < window_days:
        raise ChurnModelError("the outcome window must be at least the prediction window")
    frame = features[features["recency_days"] < churn_days].copy()
    last = pd.to_datetime(frame["member_key"].map(last_active))
    last = last.fillna(pd.to_datetime(frame["last_active_day"]))
    churn_date = last + pd.Timedelta(days=churn_days)
    start, end = pd.Timestamp(landmark), pd.Timestamp(outcome_end)
    observed = churn_date <= end
    frame["churned"] = observed.to_numpy()
    frame["duration_days"] = ((churn_date.where(observed, end) - start).dt.days).astype(float)
    frame["churn_30d"] = (churn_date <= start + pd.Timedelta(days=window_days)).to_numpy()
    return frame.reset_index(drop=True)


def landmark_frame(
    store: Store,
    landmark: date,
    outcome_end: date,
    churn_days: int = DEFAULT_CHURN_DAYS,
    window_days: int = PREDICTION_DAYS,
) -> pd.DataFrame:
    """Features on ``landmark`` and outcomes up to ``outcome_end`` (:func:`label_outcomes`)."""
    features = features_at(store, landmark)
    spans = store.query(
        "churn/activity_span",
        {"as_of": outcome_end, **GlobalFilters().sql_params()},
    ).set_index("member_key")["last_active_day"]
    return label_outcomes(features, spans, landmark, outcome_end, churn_days, window_days)


def make_cox_model(penalizer: float = 0.01) -> CoxChurnModel:
    """The Cox model on the standard churn features (references: normal, most common)."""
    return CoxChurnModel(
        categorical=CATEGORICAL_FEATURES,
        numeric=NUMERIC_FEATURES,
        penalizer=penalizer,
        reference={"tier": "normal"},
    )


def make_baseline_model(random_state: int = 0) -> Pipeline:
    """The scikit-learn baseline: one-hot + scaling, then gradient-boosted trees that
    classify "churns within the prediction window" from the same features as the Cox model."""
    preprocess = ColumnTransformer(
        [
            ("categorical", OneHotEncoder(handle_unknown="ignore"), list(CATEGORICAL_FEATURES)),
            ("numeric", StandardScaler(), list(NUMERIC_FEATURES)),
        ]
    )
    classifier = HistGradientBoostingClassifier(
        max_iter=200, learning_rate=0.05, max_leaf_nodes=31, random_state=random_state
    )
    return Pipeline([("features", preprocess), ("classifier", classifier)])


def _auc(labels: np.ndarray, scores: np.ndarray) -> float | None:
    if len(np.unique(labels)) < 2:
        return None
    return float(roc_auc_score(labels, scores))


@dataclass(frozen=True)
class HoldoutResult:
    """Time-based holdout: models fitted on what was known on ``train_outcome_end`` and
    scored on the members active on ``test_landmark`` against what happened by ``as_of``."""

    as_of: date
    train_landmark: date
    train_outcome_end: date
    test_landmark: date
    train_members: int
    test_members: int
    test_churn_rate: float
    cox_concordance: float
    cox_auc: float | None
    baseline_concordance: float
    baseline_auc: float | None
    cox_seconds: float
    baseline_seconds: float
    cox_train_rows: int
    baseline_train_rows: int

    def as_rows(self) -> list[dict]:
        return [
            {
                "model": "cox",
                "concordance": self.cox_concordance,
                "auc_30d": self.cox_auc,
                "fit_seconds": self.cox_seconds,
                "train_rows": self.cox_train_rows,
            },
            {
                "model": "baseline",
                "concordance": self.baseline_concordance,
                "auc_30d": self.baseline_auc,
                "fit_seconds": self.baseline_seconds,
                "train_rows": self.baseline_train_rows,
            },
        ]


def holdout_evaluation(
    store: Store,
    as_of: date,
    churn_days: int = DEFAULT_CHURN_DAYS,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
    penalizer: float = 0.01,
    frames: tuple[pd.DataFrame, pd.DataFrame] | None = None,
    baseline_rows: int | None = BASELINE_SAMPLE_ROWS,
    progress: Callable[[str], None] | None = None,
) -> HoldoutResult:
    """Fit the Cox model and the baseline on data up to ``as_of − horizon_days`` and score
    them on what happened after.

    Training: features on ``as_of − 2·horizon``, outcomes up to ``as_of − horizon``. Test:
    features on ``as_of − horizon`` (nothing later is read), outcomes up to ``as_of``. Both
    models are scored the same way: concordance of their risk ordering with the test
    durations, and ROC AUC for "churned within 30 days of the test landmark".

    Parameters
    ----------
    frames : (train, test) or None
        The two :func:`landmark_frame` results when the caller has them already (the full
        fit reuses the test frame to train its Cox model); read from the store if None.
    baseline_rows : int or None
        The baseline classifier is fitted on a random sample of this many training rows
        (fixed seed; all rows when there are fewer or None): at 1 M members, gradient
        boosting on all 222,981 training rows took 99 s (two OpenMP threads, load 7) for a
        test AUC 0.003 higher than on 50,000. The Cox model always uses every row.
    progress : callable or None
        Called with ``"cox"`` and ``"baseline"`` as each model's fit starts.
    """
    report = progress or (lambda step: None)
    test_landmark = as_of - timedelta(days=horizon_days)
    train_landmark = test_landmark - timedelta(days=horizon_days)
    if frames is None:
        train = landmark_frame(store, train_landmark, test_landmark, churn_days)
        test = landmark_frame(store, test_landmark, as_of, churn_days)
    else:
        train, test = frames
    if len(train) < 50 or len(test) < 50:
        raise ChurnModelError("too few active members for a holdout (need 50 on each landmark)")

    report("cox")
    started = time.perf_counter()
    cox = make_cox_model(penalizer).fit(train, "duration_days", "churned")
    cox_seconds = time.perf_counter() - started
    cox_risk = cox.risk_score(test)
    cox_probability = cox.churn_probability(test, PREDICTION_DAYS)

    report("baseline")
    sample = _sample_rows(train, baseline_rows)
    # one OpenMP thread: on a busy two-core machine, two threads spin against each other
    # and the fit took 6x longer (20.7 s against 3.5 s at load 8.6)
    with threadpool_limits(limits=1, user_api="openmp"):
        started = time.perf_counter()
        baseline = make_baseline_model().fit(sample, sample["churn_30d"])
        baseline_seconds = time.perf_counter() - started
        baseline_probability = baseline.predict_proba(test)[:, 1]

    durations, events = test["duration_days"], test["churned"]
    labels = test["churn_30d"].to_numpy(dtype=int)
    return HoldoutResult(
        as_of=as_of,
        train_landmark=train_landmark,
        train_outcome_end=test_landmark,
        test_landmark=test_landmark,
        train_members=len(train),
        test_members=len(test),
        test_churn_rate=float(labels.mean()),
        cox_concordance=concordance(durations, -cox_risk, events),
        cox_auc=_auc(labels, cox_probability),
        baseline_concordance=concordance(durations, -baseline_probability, events),
        baseline_auc=_auc(labels, baseline_probability),
        cox_seconds=cox_seconds,
        baseline_seconds=baseline_seconds,
        cox_train_rows=len(train),
        baseline_train_rows=len(sample),
    )


def _sample_rows(frame: pd.DataFrame, rows: int | None, seed: int = 0) -> pd.DataFrame:
    """``rows`` rows of ``frame`` drawn without replacement with a fixed seed (in their
    original order), or ``frame`` itself when it is not longer than that."""
    if rows is None or len(frame) <= rows:
        return frame
    chosen = np.sort(np.random.default_rng(seed).choice(len(frame), size=rows, replace=False))
    return frame.iloc[chosen]


# -- LTV forecast for the store -------------------------------------------------------------


def fit_ltv_models(
    store: Store, as_of: date, unit_days: float = WEEK_DAYS
) -> tuple[BetaGeoModel, GammaGammaModel, pd.DataFrame]:
    """BG/NBD and Gamma-Gamma on the paid orders up to ``as_of`` (calibration end).

    Returns the two fitted models and the RFM summary indexed by ``member_key``.
    """
    orders = store.query("churn/paid_order_days", {"as_of": as_of})
    if orders.empty:
        raise ChurnModelError("no paid orders on or before the as-of date")
    summary = rfm_summary(orders, "member_key", "day", "amount", as_of, unit_days)
    bgnbd = BetaGeoModel().fit(summary["frequency"], summary["recency"], summary["T"])
    gamma_gamma = GammaGammaModel().fit(summary["frequency"], summary["monetary_value"])
    return bgnbd, gamma_gamma, summary


def ltv_forecast(
    bgnbd: BetaGeoModel,
    gamma_gamma: GammaGammaModel,
    summary: pd.DataFrame,
    months: int = 12,
    unit_days: float = WEEK_DAYS,
) -> pd.DataFrame:
    """Per customer of ``summary``: ``p_alive``, ``expected_purchases_12m``,
    ``expected_order_value`` and ``predicted_ltv_12m`` over the next ``months`` months."""
    args = (summary["frequency"], summary["recency"], summary["T"])
    horizon = months * MONTH_DAYS / unit_days
    return pd.DataFrame(
        {
            "p_alive": bgnbd.probability_alive(*args),
            "expected_purchases_12m": bgnbd.conditional_expected_purchases(horizon, *args),
            "expected_order_value": gamma_gamma.conditional_expected_value(
                summary["frequency"], summary["monetary_value"]
            ),
            "predicted_ltv_12m": predicted_ltv(
                bgnbd, gamma_gamma, *args, summary["monetary_value"], months, unit_days
            ),
        },
        index=summary.index,
    )


# -- scores, actions and the full fit ---------------------------------------------------------


def suggest_action(
    churn_probability: np.ndarray,
    predicted_ltv: np.ndarray,
    coupon_share: np.ndarray,
    cart_abandonment: np.ndarray,
    high_value_ltv: float,
) -> np.ndarray:
    """A suggested action code per member (translated as ``churn.action.<code>``).

    In order of precedence: ``vip_care`` (churn probability ≥ 0.3 and predicted LTV at least
    ``high_value_ltv``: a personal call or an exclusive offer), ``incentive_coupon``
    (probability ≥ 0.5 and at least half of their orders used a coupon), ``cart_reminder``
    (probability ≥ 0.2 and at least half of their recent add-to-carts abandoned),
    ``care_sms`` (probability ≥ 0.5), otherwise ``keep_warm`` (regular programme).
    """
    probability = np.asarray(churn_probability, dtype=float)
    high = probability >= 0.5
    return np.select(
        [
            (probability >= 0.3) & (np.asarray(predicted_ltv, dtype=float) >= high_value_ltv),
            high & (np.asarray(coupon_share, dtype=float) >= 0.5),
            (probability >= 0.2) & (np.asarray(cart_abandonment, dtype=float) >= 0.5),
            high,
        ],
        ["vip_care", "incentive_coupon", "cart_reminder", "care_sms"],
        default="keep_warm",
    )


@dataclass
class ChurnFit:
    """Everything one fit produces: model summaries (JSON-able) and per-member scores."""

    as_of: date
    churn_days: int
    horizon_days: int
    data_stamp: str
    fitted_at: datetime
    fit_seconds: float
    summary: dict
    scores: pd.DataFrame
    run_id: int | None = None
    timings: dict = field(default_factory=dict)
    fitted_by: str | None = None

    @property
    def hazard_ratios(self) -> pd.DataFrame:
        return pd.DataFrame(self.summary["cox"]["hazard_ratios"])

    @property
    def ph_test(self) -> pd.DataFrame:
        return pd.DataFrame(self.summary["cox"]["ph_test"])

    @property
    def holdout(self) -> pd.DataFrame:
        return pd.DataFrame(self.summary["holdout"]["models"])


def data_stamp(store: Store) -> str:
    """Changes whenever data is imported or refreshed (same facts as ``ui.data_stamp``)."""
    row = store.df(
        "select (select max(import_id) from imports) as last_import, "
        "(select count(*) from member_day) as member_days, "
        "(select count(*) from members) as members"
    ).iloc[0]
    return "/".join(str(None if pd.isna(value) else int(value)) for value in row)


FIT_STEP_SHARES = {
    "features": 0.34,
    "holdout": 0.14,
    "cox": 0.05,
    "ph_test": 0.01,
    "ltv": 0.15,
    "scores": 0.31,
}
"""Share of the fit's CPU time per step at 1 M members (docs/PERFORMANCE.md), for the
progress bar."""


def score_members(
    store: Store,
    as_of: date,
    churn_days: int,
    cox: CoxChurnModel,
    bgnbd: BetaGeoModel,
    gamma_gamma: GammaGammaModel,
    rfm: pd.DataFrame,
) -> tuple[pd.DataFrame, float]:
    """Scores of every member who signed up by ``as_of`` from their features then.

    Returns the scores (the columns of ``churn_member_scores`` but ``run_id``) and the
    predicted-LTV threshold of a high-value member (the 80th percentile among buyers).
    Churn probability, drivers and action are set for active members only (last activity
    fewer than ``churn_days`` days before ``as_of``, not cancelled).
    """
    current = features_at(store, as_of)
    ltv = ltv_forecast(bgnbd, gamma_gamma, rfm).reindex(current["member_key"])
    active = (
        (current["recency_days"] < churn_days) & (current["status"] != "cancelled")
    ).to_numpy()
    probability = np.full(len(current), np.nan)
    drivers = np.full(len(current), None, dtype=object)
    if active.any():
        scored = current[active]
        probability[active] = cox.churn_probability(scored, PREDICTION_DAYS)
        drivers[active] = cox.driver_text(scored)
    predicted = ltv["predicted_ltv_12m"].fillna(0.0).to_numpy()
    buyers = predicted[predicted > 0]
    high_value_ltv = float(np.quantile(buyers, 0.8)) if len(buyers) else float("inf")
    action = suggest_action(
        probability,
        predicted,
        current["coupon_share"],
        current["cart_abandonment"],
        high_value_ltv,
    )
    scores = pd.DataFrame(
        {
            "member_key": current["member_key"].to_numpy(),
            "active": active,
            "churn_probability_30d": probability,
            "p_alive": ltv["p_alive"].to_numpy(),
            "expected_purchases_12m": ltv["expected_purchases_12m"].to_numpy(),
            "predicted_ltv_12m": predicted,
            "value_at_risk": probability * predicted,
            "drivers": drivers,
            "best_hour": current["best_hour"].astype("Int64").to_numpy(),
            "action": np.where(active, action, None),
        }
    )
    return scores, high_value_ltv


def fit_churn_models(
    store: Store,
    as_of: date,
    churn_days: int = DEFAULT_CHURN_DAYS,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
    penalizer: float = 0.01,
    progress: Callable[[float, str], None] | None = None,
) -> ChurnFit:
    """Fit every model on the store as of ``as_of`` and score every member.

    Steps (``progress`` receives the fraction done and the step name, translation key
    ``models.step.<name>``; ``timings`` in the result has the seconds of each):

    ``features``
        Features on ``as_of − 2·horizon_days`` and on ``as_of − horizon_days`` with the
        outcomes that followed each (:func:`landmark_frame`).
    ``holdout``
        The time-based holdout (:func:`holdout_evaluation`) on those two frames.
    ``cox``, ``ph_test``
        The Cox model on the latest complete window (the second frame) and its
        proportional-hazards check on every training row.
    ``ltv``
        BG/NBD and Gamma-Gamma on all paid orders up to ``as_of``.
    ``scores``
        Every member scored from their features on ``as_of`` (:func:`score_members`).
    """
    report = progress or (lambda fraction, step: None)
    started = time.perf_counter()
    stamp = data_stamp(store)
    timings: dict[str, float] = {}
    cpu_timings: dict[str, float] = {}
    done = 0.0

    def timed(name, function, *args, **kwargs):
        nonlocal done
        report(done, name)
        begin, cpu_begin = time.perf_counter(), time.process_time()
        value = function(*args, **kwargs)
        timings[name] = round(time.perf_counter() - begin, 3)
        cpu_timings[name] = round(time.process_time() - cpu_begin, 3)
        done += FIT_STEP_SHARES[name]
        return value

    landmark = as_of - timedelta(days=horizon_days)
    holdout_landmark = landmark - timedelta(days=horizon_days)

    def landmark_frames():
        return (
            landmark_frame(store, holdout_landmark, landmark, churn_days),
            landmark_frame(store, landmark, as_of, churn_days),
        )

    # the holdout's test frame (features on as_of − horizon, outcomes to as_of) is also the
    # final Cox model's training frame: read once
    holdout_train, training = timed("features", landmark_frames)
    holdout = timed(
        "holdout",
        holdout_evaluation,
        store,
        as_of,
        churn_days,
        horizon_days,
        penalizer,
        frames=(holdout_train, training),
        progress=lambda model: report(done + (0.06 if model == "baseline" else 0.0), "holdout"),
    )
    del holdout_train

    def fit_cox():
        model = make_cox_model(penalizer).fit(training, "duration_days", "churned")
        return model, model.concordance_

    cox, concordance_train = timed("cox", fit_cox)
    ph_test = timed("ph_test", cox.check_proportional_hazards)
    bgnbd, gamma_gamma, rfm = timed("ltv", fit_ltv_models, store, as_of)
    scores, high_value_ltv = timed(
        "scores", score_members, store, as_of, churn_days, cox, bgnbd, gamma_gamma, rfm
    )
    active = scores["active"].to_numpy()

    failing = ph_test.loc[ph_test["fails"], "covariate"].tolist()
    summary = {
        "as_of": as_of.isoformat(),
        "churn_days": churn_days,
        "horizon_days": horizon_days,
        "prediction_days": PREDICTION_DAYS,
        "cox": {
            "training_landmark": landmark.isoformat(),
            "training_members": len(training),
            "training_events": int(training["churned"].sum()),
            "ph_test_rows": len(training),
            "penalizer": penalizer,
            "concordance_train": concordance_train,
            "reference": cox.reference_,
            "hazard_ratios": cox.hazard_ratios_.to_dict(orient="list"),
            "ph_test": ph_test.to_dict(orient="list"),
            "ph_failing": failing,
        },
        "holdout": {
            "train_landmark": holdout.train_landmark.isoformat(),
            "train_outcome_end": holdout.train_outcome_end.isoformat(),
            "test_landmark": holdout.test_landmark.isoformat(),
            "train_members": holdout.train_members,
            "test_members": holdout.test_members,
            "test_churn_rate": holdout.test_churn_rate,
            "models": holdout.as_rows(),
        },
        "bgnbd": {
            **bgnbd.params_,
            "log_likelihood": bgnbd.log_likelihood_,
            "customers": bgnbd.n_customers_,
            "converged": bgnbd.converged_,
            "time_unit_days": WEEK_DAYS,
        },
        "gamma_gamma": {
            **gamma_gamma.params_,
            "log_likelihood": gamma_gamma.log_likelihood_,
            "customers": gamma_gamma.n_customers_,
            "converged": gamma_gamma.converged_,
        },
        "active_members": int(active.sum()),
        "scored_members": len(scores),
        "high_value_ltv": high_value_ltv if np.isfinite(high_value_ltv) else None,
        "timings": timings,
        "cpu_timings": cpu_timings,
    }
    report(1.0, "done")
    return ChurnFit(
        as_of=as_of,
        churn_days=churn_days,
        horizon_days=horizon_days,
        data_stamp=stamp,
        fitted_at=datetime.now(UTC).replace(tzinfo=None),
        fit_seconds=round(time.perf_counter() - started, 3),
        summary=_json_safe(summary),
        scores=scores,
        timings=timings,
    )


def _json_safe(value):
    """``value`` with numpy scalars unwrapped and NaN as None (so it round-trips as JSON)."""
    if isinstance(value, dict):
        return {str(key): _json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(item) for item in value]
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


# -- persistence ----------------------------------------------------------------------------


def save_fit(store: Store, fit: ChurnFit, fitted_by: str | None = None) -> int:
    """Store ``fit`` as a new run (one transaction) and return its ``run_id``."""
    scores = fit.scores.copy()
    scores["best_hour"] = scores["best_hour"].astype("Int64")
    with store.transaction() as cur:
        run_id = int(
            cur.execute("select coalesce(max(run_id), 0) + 1 from churn_model_runs").fetchone()[0]
        )
        cur.execute(
            "insert into churn_model_runs values ($run_id, $stamp, $as_of, $churn_days, "
            "$horizon_days, $fitted_at, $fit_seconds, $fitted_by, $summary)",
            {
                "run_id": run_id,
                "stamp": fit.data_stamp,
                "as_of": fit.as_of,
                "churn_days": fit.churn_days,
                "horizon_days": fit.horizon_days,
                "fitted_at": fit.fitted_at,
                "fit_seconds": fit.fit_seconds,
                "fitted_by": fitted_by,
                "summary": json.dumps(fit.summary, ensure_ascii=False),
            },
        )
        scores.insert(0, "run_id", run_id)
        cur.register("new_scores", scores)
        cur.execute(
            "insert into churn_member_scores select run_id, member_key, active, "
            "churn_probability_30d, p_alive, expected_purchases_12m, predicted_ltv_12m, "
            "value_at_risk, drivers, best_hour, action from new_scores"
        )
        cur.unregister("new_scores")
    fit.run_id = run_id
    fit.fitted_by = fitted_by
    return run_id


def load_fit(
    store: Store, as_of: date, churn_days: int = DEFAULT_CHURN_DAYS, with_scores: bool = True
) -> ChurnFit | None:
    """The latest stored run for ``as_of`` whose data stamp matches the store, else None."""
    runs = store.query(
        "churn/latest_run",
        {"stamp": data_stamp(store), "as_of": as_of, "churn_days": churn_days},
    )
    if runs.empty:
        return None
    run = runs.iloc[0]
    scores = (
        store.query("churn/run_scores", {"run_id": int(run["run_id"])})
        if with_scores
        else pd.DataFrame()
    )
    summary = json.loads(run["summary"])
    return ChurnFit(
        as_of=pd.Timestamp(run["as_of"]).date(),
        churn_days=int(run["churn_days"]),
        horizon_days=int(run["horizon_days"]),
        data_stamp=str(run["data_stamp"]),
        fitted_at=pd.Timestamp(run["fitted_at"]).to_pydatetime(),
        fit_seconds=float(run["fit_seconds"]),
        summary=summary,
        scores=scores,
        run_id=int(run["run_id"]),
        timings=summary.get("timings", {}),
        fitted_by=None if pd.isna(run["fitted_by"]) else str(run["fitted_by"]),
    )


def fitted_models(
    store: Store, as_of: date, churn_days: int = DEFAULT_CHURN_DAYS, fitted_by: str | None = None
) -> ChurnFit:
    """The stored fit for the store's current data and ``as_of``; fitted and saved if none."""
    fit = load_fit(store, as_of, churn_days)
    if fit is None:
        fit = fit_churn_models(store, as_of, churn_days)
        save_fit(store, fit, fitted_by)
    return fit


def member_scores(store: Store, member_key: int, as_of: date) -> dict | None:
    """The member's churn score from the stored fit for ``as_of``, or None.

    Never fits: the member profile shows a score only when the Models page (or a report)
    has fitted the current data. ``churn_probability_30d`` is None for a member who is not
    active on ``as_of``.
    """
    fit = load_fit(store, as_of, with_scores=False)
    if fit is None:
        return None
    rows = store.query("churn/member_score", {"run_id": fit.run_id, "member_key": member_key})
    if rows.empty:
        return None
    row = rows.iloc[0]
    probability = row["churn_probability_30d"]
    return {
        "churn_probability_30d": None if pd.isna(probability) else float(probability),
        "predicted_ltv_12m": float(row["predicted_ltv_12m"]),
        "drivers": None if pd.isna(row["drivers"]) else str(row["drivers"]),
        "action": None if pd.isna(row["action"]) else str(row["action"]),
        "fitted_at": fit.fitted_at,
    }


# -- at-risk list, LTV by group, reports ------------------------------------------------------

AT_RISK_ORDER = "value_at_risk desc, churn_probability_30d desc, member_id"
LTV_DIMENSIONS = ("cohort", "channel", "tier", "device")


def at_risk_list(
    store: Store,
    run_id: int,
    filters: GlobalFilters | None = None,
    min_probability: float = 0.0,
    limit: int | None = None,
) -> pd.DataFrame:
    """Active members of run ``run_id`` in the filter scope, most value at risk first.

    The order is documented and tested: ``value_at_risk`` (churn probability in the next 30
    days × predicted 12-month LTV) descending, then churn probability descending, then
    ``member_id``. Columns: ``member_id``, ``tier``, ``channel``, ``device``,
    ``churn_probability_30d``, ``predicted_ltv_12m``, ``value_at_risk``, ``p_alive``,
    ``best_hour``, ``drivers``, ``action``. No personal data.
    """
    params = {
        "run_id": run_id,
        "min_probability": float(min_probability),
        **(filters or GlobalFilters()).sql_params(),
    }
    frame = store.query("churn/at_risk", params)
    return frame.head(limit) if limit is not None else frame


def ltv_by_group(
    store: Store, run_id: int, dimension: str, filters: GlobalFilters | None = None
) -> pd.DataFrame:
    """Predicted 12-month LTV of run ``run_id`` per signup-month cohort, channel, tier or
    device: ``group``, ``members``, ``buyers``, ``predicted_ltv_12m`` (total),
    ``ltv_per_member`` (non-buyers in the denominator), ``mean_p_alive`` (buyers)."""
    if dimension not in LTV_DIMENSIONS:
        raise ChurnModelError(f"dimension must be one of {', '.join(LTV_DIMENSIONS)}")
    params = {
        "run_id": run_id,
        "dimension": dimension,
        **(filters or GlobalFilters()).sql_params(),
    }
    return store.query("churn/ltv_by_group", params)


def model_parameters(fit: ChurnFit) -> pd.DataFrame:
    """Every fitted parameter and holdout figure of ``fit`` as rows
    ``model``, ``parameter``, ``value``, ``lower``, ``upper``, ``p`` (report ``model``)."""
    rows: list[dict] = []

    def add(model, parameter, value, lower=None, upper=None, p=None):
        rows.append(
            {
                "model": model,
                "parameter": parameter,
                "value": value,
                "lower": lower,
                "upper": upper,
                "p": p,
            }
        )

    summary = fit.summary
    for name in ("r", "alpha", "a", "b", "log_likelihood", "customers"):
        add("bgnbd", name, summary["bgnbd"][name])
    for name in ("p", "q", "gamma", "log_likelihood", "customers"):
        add("gamma_gamma", name, summary["gamma_gamma"][name])
    ratios = fit.hazard_ratios
    for row in ratios.itertuples(index=False):
        add("cox", f"hazard_ratio[{row.covariate}]", row.hazard_ratio, row.lower, row.upper, row.p)
    for row in fit.ph_test.itertuples(index=False):
        add("cox", f"ph_test[{row.covariate}]", row.test_statistic, p=row.p)
    cox = summary["cox"]
    for name in ("concordance_train", "training_members", "training_events", "penalizer"):
        add("cox", name, cox[name])
    holdout = summary["holdout"]
    for name in ("train_members", "test_members", "test_churn_rate"):
        add("holdout", name, holdout[name])
    for row in holdout["models"]:
        for name in ("concordance", "auc_30d", "fit_seconds"):
            add(f"holdout_{row['model']}", name, row[name])
    add("run", "fit_seconds", fit.fit_seconds)
    return pd.DataFrame(rows)


def fit_steps(fit: ChurnFit) -> pd.DataFrame:
    """The steps of ``fit`` in order: ``step`` (``models.step.<step>``), ``seconds`` (wall
    clock), ``cpu_seconds`` (the process's CPU time, all threads) and ``rows`` (what the step
    ran on: landmark rows read, holdout training rows, Cox training rows, rows in the PH
    test, BG/NBD customers, members scored). Runs stored before these were recorded show
    None where a figure is missing."""
    summary = fit.summary
    cox, holdout = summary["cox"], summary["holdout"]
    rows = {
        "features": holdout["train_members"] + cox["training_members"],
        "holdout": holdout["train_members"],
        "cox": cox["training_members"],
        "ph_test": cox.get("ph_test_rows"),
        "ltv": summary["bgnbd"]["customers"],
        "scores": summary.get("scored_members"),
    }
    cpu = summary.get("cpu_timings", {})
    return pd.DataFrame(
        {
            "step": list(fit.timings),
            "seconds": list(fit.timings.values()),
            "cpu_seconds": [cpu.get(step) for step in fit.timings],
            "rows": [rows.get(step) for step in fit.timings],
        }
    )


# -- background fitting ---------------------------------------------------------------------


@dataclass
class FitJob:
    """A fit running in a worker thread: its progress, and the run id or error at the end.

    The page that started it polls :attr:`fraction`, :attr:`step` and :attr:`done`; other
    pages keep reading the last stored run meanwhile (the new run is written in one
    transaction at the end).
    """

    fraction: float = 0.0
    step: str = "queued"
    done: bool = False
    run_id: int | None = None
    error: str | None = None

    def run(self, store: Store, as_of: date, churn_days: int, fitted_by: str | None) -> None:
        def progress(fraction: float, step: str) -> None:
            self.fraction, self.step = fraction, step

        try:
            fit = fit_churn_models(store, as_of, churn_days, progress=progress)
            self.run_id = save_fit(store, fit, fitted_by)
        except (ChurnModelError, ValueError, np.linalg.LinAlgError) as exc:
            self.error = str(exc)
        finally:
            self.done = True

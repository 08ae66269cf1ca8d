"""Churn prediction and LTV forecast (SPEC §6): survival models, the churn score, BG/NBD.

The churn window W (:mod:`core.churn_window`) is the store's setting or is chosen from the
data; "churned" means no activity (an event or a paid order) for W days.

Survival (lifelines)
    :func:`survival_frame` turns the store into one row per member: the time from signup to
    the last activity (churned: no activity for W days, the event is observed) or to the
    as-of date (censored). :func:`kaplan_meier` fits a Kaplan-Meier curve per group with
    its confidence band, median lifetime and a log-rank test; :class:`CoxChurnModel` wraps
    lifelines' ``CoxPHFitter`` with a proportional-hazards check (hazard ratios, drivers).

The churn score (scikit-learn, :mod:`core.churn_score`)
    Every member's probability of no activity in the W days after the as-of date, from a
    classifier trained one window earlier. :func:`holdout_evaluation` trains every candidate,
    the Cox model and the references on an earlier landmark and scores them on a later one;
    :func:`fit_churn_models` uses the best candidate.

Purchases and spend (:mod:`core.btyd`)
    BG/NBD and Gamma-Gamma on paid orders (:func:`fit_ltv_models`) give P(alive), expected
    purchases and the predicted 12-month LTV; data they cannot use is left out and reported.

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
from lifelines.exceptions import ConvergenceError
from lifelines.statistics import multivariate_logrank_test, proportional_hazard_test
from lifelines.utils import concordance_index

from core import churn_score
from core.btyd import (
    MONTH_DAYS,
    WEEK_DAYS,
    BetaGeoModel,
    GammaGammaModel,
    predicted_ltv,
    rfm_summary,
)
from core.churn_window import GAP_PERCENTILE, ChurnWindow, churn_window
from core.filters import GlobalFilters
from core.model_errors import ChurnModelError, NotFittedError
from core.store import Store

DEFAULT_CHURN_DAYS = 30
PREDICTION_DAYS = 30
KM_GROUPS = ("tier", "channel", "device", "segment")
CATEGORICAL_FEATURES = ("tier", "channel", "device")
NUMERIC_FEATURES = churn_score.MEMBER_NUMERIC
ACTIONS = ("vip_care", "incentive_coupon", "cart_reminder", "care_sms", "keep_warm")


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
    to 0.5: the median lifetime is longer than the data) and ``first_day_only`` (the share of
    members churned without any activity after their first day: when it passes one half,
    as with most one-time buyers of a shop, the median lifetime is 0 days).
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
                "first_day_only": float((part["churned"] & (part["duration_days"] == 0)).mean()),
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
        groups=pd.DataFrame(
            rows, columns=["group", "members", "churned", "median_days", "first_day_only"]
        ),
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
    constant_ : list of str
        Design columns left out because they do not vary in the training data.
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
        constant = design.std() > 0
        self.constant_ = [str(name) for name in design.columns[~constant.to_numpy()]]
        design = design.loc[:, constant]
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

    def release_training(self) -> None:
        """Drop the training rows kept for :meth:`check_proportional_hazards` and
        :attr:`concordance_` (hundreds of MB at 1 M members); predictions and drivers stay."""
        self._training = None
        self.lifelines_._predicted_partial_hazards_ = None

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

MIN_HOLDOUT_MEMBERS = 50
MIN_COX_EVENTS = 10
EXAMPLES = 5


def features_at(store: Store, landmark: date) -> pd.DataFrame:
    """Member features as known on ``landmark`` (``sql/churn/member_features.sql``), with
    the log-scaled columns of the Cox model and the churn score."""
    frame = store.query("churn/member_features", {"landmark": landmark})
    frame["status"] = frame["status"].astype("category")
    frame["log_monetary_365"] = np.log1p(frame["monetary_365"].astype(float).clip(lower=0))
    frame["log_tenure_days"] = np.log1p(frame["tenure_days"].astype(float).clip(lower=0))
    frame["log_active_days_90"] = np.log1p(frame["active_days_90"].astype(float))
    return churn_score.add_score_features(frame)


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
    ``churn_in_window`` says whether the churn date falls within ``window_days`` of the
    landmark.

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
    frame["churn_in_window"] = (churn_date <= start + pd.Timedelta(days=window_days)).to_numpy()
    return frame.reset_index(drop=True)


def landmark_frame(
    store: Store,
    landmark: date,
    outcome_end: date,
    churn_days: int = DEFAULT_CHURN_DAYS,
    window_days: int = PREDICTION_DAYS,
    features: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Features on ``landmark`` (``features``: :func:`features_at` already read) and outcomes
    up to ``outcome_end`` (:func:`label_outcomes`)."""
    return label_outcomes(
        features_at(store, landmark) if features is None else features,
        _last_active(store, outcome_end),
        landmark,
        outcome_end,
        churn_days,
        window_days,
    )


def _last_active(store: Store, through: date) -> pd.Series:
    spans = store.query("churn/activity_span", {"as_of": through, **GlobalFilters().sql_params()})
    return spans.set_index("member_key")["last_active_day"]


@dataclass
class Landmark:
    """What was known on ``day`` and what followed up to ``outcome_end`` (one window later).

    ``members``: everyone who signed up by ``day``, with their features then, the BG/NBD
    activity features (:func:`core.churn_score.add_btyd_features`) and ``stays_away`` (no
    active day after ``day`` up to ``outcome_end``), the churn score's label.
    ``cox``: the members active on ``day`` with survival outcomes (:func:`label_outcomes`).
    ``bgnbd_note``: why BG/NBD on active days could not be fitted (None when it was).
    """

    day: date
    outcome_end: date
    members: pd.DataFrame
    cox: pd.DataFrame
    bgnbd_note: str | None


def landmark_data(
    store: Store,
    day: date,
    outcome_end: date,
    window_days: int,
    features: pd.DataFrame | None = None,
) -> Landmark:
    """The :class:`Landmark` on ``day`` with outcomes up to ``outcome_end`` (``features``:
    :func:`features_at` on ``day`` already read)."""
    features = features_at(store, day) if features is None else features
    features, _, note = churn_score.add_btyd_features(features, day, window_days)
    features["stays_away"] = churn_score.stays_away(store, features["member_key"], day, outcome_end)
    cox = label_outcomes(
        features, _last_active(store, outcome_end), day, outcome_end, window_days, window_days
    )
    return Landmark(day, outcome_end, features, cox, note)


def make_cox_model(penalizer: float = 0.01) -> CoxChurnModel:
    """The Cox model on the standard churn features (references: normal, most common)."""
    return CoxChurnModel(
        categorical=CATEGORICAL_FEATURES,
        numeric=NUMERIC_FEATURES,
        penalizer=penalizer,
        reference={"tier": "normal"},
    )


COX_FOLLOW_UP_DAYS = 90


def cox_follow_up(window_days: int) -> int:
    """Days from the Cox model's landmark to the end of its outcomes: two churn windows, at
    most :data:`COX_FOLLOW_UP_DAYS` unless one window is longer.

    A follow-up of one window holds only the members who never came back, so the model
    learns little beyond recency: on the demo store (window 28 days) the planted short-lived
    device's hazard ratio had a confidence interval reaching below 1 (0.96 … ); with two
    windows (56 days) it is 1.23 … and the holdout concordance 0.713; with 90 days, 0.684.
    """
    return min(2 * window_days, max(window_days, COX_FOLLOW_UP_DAYS))


COX_PENALIZERS = (0.1, 1.0)
"""Stronger L2 penalties tried in turn when the Cox fit does not converge."""


def fit_cox_model(
    frame: pd.DataFrame, penalizer: float = 0.01
) -> tuple[CoxChurnModel | None, str | None]:
    """The Cox model on ``frame`` (members active on a landmark), or None and a reason code:
    ``too_few_members`` (under 50), ``too_few_events`` (under 10 churned) or
    ``not_converged`` (also with the penalties of :data:`COX_PENALIZERS`)."""
    if len(frame) < MIN_HOLDOUT_MEMBERS:
        return None, "too_few_members"
    if int(frame["churned"].sum()) < MIN_COX_EVENTS:
        return None, "too_few_events"
    for strength in (penalizer, *COX_PENALIZERS):
        try:
            return make_cox_model(strength).fit(frame, "duration_days", "churned"), None
        except (ConvergenceError, np.linalg.LinAlgError, ValueError, ZeroDivisionError):
            continue
    return None, "not_converged"


def holdout_history(store: Store, train_landmark: date, window_days: int) -> str | None:
    """Why no holdout can be run with this training landmark (a reason code), or None.

    The training landmark needs one churn window of history before it, so that its
    recency and activity features mean what they mean on the later landmarks."""
    first = store.scalar("select min(day) from member_day")
    if first is None:
        return "no_activity"
    if train_landmark - timedelta(days=window_days) < first:
        return "short_history"
    return None


@dataclass(frozen=True)
class HoldoutResult:
    """Time-based holdout: every model trained on the earlier landmark and scored on the
    later one against what happened by ``as_of``.

    ``rows`` has one row per model: ``model``, ``kind`` (``candidate``: may become the churn
    score; ``survival``: Cox; ``reference``: needs no training), ``members`` (scored),
    ``auc`` (of "no active day in the window", every member scored), ``auc_active`` (the
    members active on the landmark only, which is all the Cox model scores),
    ``concordance`` (risk order against the active members' churn durations),
    ``fit_seconds``, ``train_rows`` and ``note`` (why a model has no figures).
    ``selected``: the candidate with the highest ``auc``.
    """

    as_of: date
    window_days: int
    train_landmark: date
    test_landmark: date
    train_members: int
    test_members: int
    test_stay_away_rate: float
    rows: list[dict]
    selected: str

    def as_rows(self) -> list[dict]:
        return [dict(row) for row in self.rows]


HOLDOUT_COLUMNS = (
    "model",
    "kind",
    "members",
    "auc",
    "auc_active",
    "concordance",
    "fit_seconds",
    "train_rows",
    "note",
)


def _holdout_row(model, kind, members=None, auc=None, auc_active=None, concordance=None,
                 seconds=None, train_rows=None, note=None) -> dict:  # fmt: skip
    return {
        "model": model,
        "kind": kind,
        "members": members,
        "auc": auc,
        "auc_active": auc_active,
        "concordance": concordance,
        "fit_seconds": seconds,
        "train_rows": train_rows,
        "note": note,
    }


def holdout_evaluation(
    store: Store,
    as_of: date,
    window_days: int,
    penalizer: float = 0.01,
    landmarks: tuple[Landmark, Landmark] | None = None,
    cox_frames: tuple[pd.DataFrame, pd.DataFrame] | None = None,
    progress: Callable[[str], None] | None = None,
) -> HoldoutResult:
    """Train every model on the landmark ``as_of − 2·window`` (outcomes to ``as_of −
    window``) and score it on the landmark ``as_of − window`` (outcomes to ``as_of``).

    The Cox model follows its members for :func:`cox_follow_up` days F: trained on the
    landmark ``as_of − 2F``, tested on ``as_of − F`` (``cox_frames``, read when None); its
    AUC is that of "no activity in the window after its landmark" among the members it
    scores. Nothing after a test landmark is read for the test features. Raises
    :class:`ChurnModelError` when either landmark has fewer than 50 members.
    """
    report = progress or (lambda step: None)
    test_day = as_of - timedelta(days=window_days)
    train_day = test_day - timedelta(days=window_days)
    if landmarks is None:
        train = landmark_data(store, train_day, test_day, window_days)
        test = landmark_data(store, test_day, as_of, window_days)
    else:
        train, test = landmarks
    if min(len(train.members), len(test.members)) < MIN_HOLDOUT_MEMBERS:
        raise ChurnModelError("too_few_members")
    members = test.members
    labels = members["stays_away"].to_numpy(dtype=int)
    active = members["member_key"].isin(test.cox["member_key"]).to_numpy()
    outcomes = test.cox.set_index("member_key").reindex(members.loc[active, "member_key"])
    durations, events = outcomes["duration_days"], outcomes["churned"]

    def figures(score: np.ndarray) -> dict:
        return {
            "members": len(score),
            "auc": churn_score.auc(labels, score),
            "auc_active": churn_score.auc(labels[active], score[active]),
            "concordance": concordance(durations, -score[active], events) if active.any() else None,
        }

    rows = []
    for kind in churn_score.CANDIDATES:
        report(kind)
        try:
            fitted = churn_score.fit_score_model(kind, train.members)
        except ChurnModelError as exc:
            rows.append(_holdout_row(kind, "candidate", note=str(exc)))
            continue
        rows.append(
            _holdout_row(
                kind,
                "candidate",
                **figures(fitted.predict(members)),
                seconds=round(fitted.seconds, 3),
                train_rows=fitted.train_rows,
            )
        )
    report("cox")
    follow_up = cox_follow_up(window_days)
    cox_test_day = as_of - timedelta(days=follow_up)
    if cox_frames is None and follow_up == window_days:
        cox_frames = (train.cox, test.cox)
    elif cox_frames is None:
        cox_train_day = cox_test_day - timedelta(days=follow_up)
        cox_frames = (
            landmark_frame(store, cox_train_day, cox_test_day, window_days, window_days),
            landmark_frame(store, cox_test_day, as_of, window_days, window_days),
        )
    cox_train, cox_test = cox_frames
    started = time.perf_counter()
    cox, note = fit_cox_model(cox_train, penalizer)
    if cox is None or cox_test.empty:
        rows.append(_holdout_row("cox", "survival", note=note or "too_few_members"))
    else:
        seconds = time.perf_counter() - started
        probability = cox.churn_probability(cox_test, window_days)
        away = churn_score.stays_away(
            store,
            cox_test["member_key"],
            cox_test_day,
            cox_test_day + timedelta(days=window_days),
        )
        rows.append(
            _holdout_row(
                "cox",
                "survival",
                members=len(cox_test),
                auc_active=churn_score.auc(away, probability),
                concordance=cox.concordance(cox_test, "duration_days", "churned"),
                seconds=round(seconds, 3),
                train_rows=len(cox_train),
            )
        )
    for kind in churn_score.REFERENCES:
        score = churn_score.reference_score(kind, members)
        if score is None:
            rows.append(_holdout_row(kind, "reference", note=test.bgnbd_note or "no_bgnbd"))
        else:
            rows.append(_holdout_row(kind, "reference", **figures(score)))
    ranked = [row for row in rows if row["kind"] == "candidate" and row["auc"] is not None]
    selected = (
        max(ranked, key=lambda row: row["auc"])["model"] if ranked else churn_score.DEFAULT_MODEL
    )
    return HoldoutResult(
        as_of=as_of,
        window_days=window_days,
        train_landmark=train.day,
        test_landmark=test.day,
        train_members=len(train.members),
        test_members=len(members),
        test_stay_away_rate=float(labels.mean()) if len(labels) else 0.0,
        rows=rows,
        selected=selected,
    )


# -- LTV forecast for the store -------------------------------------------------------------


@dataclass
class LtvModels:
    """BG/NBD and Gamma-Gamma on paid orders, and what they left out.

    ``bgnbd`` is None without at least four buyers; ``gamma_gamma`` is None when fewer than
    three repeat buyers have a positive mean repeat spend (then ``mean_order_value``, the
    mean value of a purchase day, stands in for its prediction). ``summary``: the RFM
    summary indexed by ``member_key``. ``left_out``: one entry per rule, see
    :func:`fit_churn_models`.
    """

    bgnbd: BetaGeoModel | None
    gamma_gamma: GammaGammaModel | None
    summary: pd.DataFrame
    mean_order_value: float
    left_out: list[dict]
    note: str | None = None


def _left_out(model: str, rule: str, ids: Sequence) -> dict:
    ids = [str(value) for value in ids]
    return {"model": model, "rule": rule, "count": len(ids), "examples": ids[:EXAMPLES]}


def fit_ltv_models(store: Store, as_of: date, unit_days: float = WEEK_DAYS) -> LtvModels:
    """BG/NBD and Gamma-Gamma on the paid orders up to ``as_of`` (calibration end).

    Data a model cannot use is left out of that model and reported, never an error:

    - refunded orders are not paid orders and are never read; negative amounts are refused
      by the importer (``must not be negative``), so a paid order is worth ≥ 0;
    - $0 paid orders are purchases (they count for BG/NBD's frequency and recency);
    - Gamma-Gamma is fitted on repeat buyers whose mean repeat spend is positive; repeat
      buyers whose repeat purchases are all $0 are left out of the fit (rule
      ``non_positive_spend``) and still get its prediction (their mean is 0, so they are
      predicted below the population mean);
    - members with one purchase day have frequency 0: BG/NBD uses them, Gamma-Gamma gives
      them the population mean.
    """
    orders = store.query("churn/paid_order_days", {"as_of": as_of})
    if orders.empty:
        empty = pd.DataFrame(columns=["frequency", "recency", "T", "monetary_value"])
        return LtvModels(None, None, empty, 0.0, [], note="no_orders")
    summary = rfm_summary(orders, "member_key", "day", "amount", as_of, unit_days)
    mean_order_value = float(orders.groupby(["member_key", "day"])["amount"].sum().mean())
    if len(summary) < 4:
        return LtvModels(None, None, summary, mean_order_value, [], note="too_few_buyers")
    bgnbd = BetaGeoModel().fit(summary["frequency"], summary["recency"], summary["T"])
    repeat = summary["frequency"] > 0
    unusable = repeat & ~(summary["monetary_value"] > 0)
    left_out = []
    if unusable.any():
        ids = _member_ids(store, summary.index[unusable])
        left_out.append(_left_out("gamma_gamma", "non_positive_spend", ids))
    usable = summary[repeat & ~unusable]
    gamma_gamma = None
    note = None
    try:
        gamma_gamma = GammaGammaModel().fit(usable["frequency"], usable["monetary_value"])
        if gamma_gamma.q_ <= 1:
            gamma_gamma, note = None, "infinite_mean"
    except ChurnModelError:
        note = "too_few_repeat_buyers"
    return LtvModels(bgnbd, gamma_gamma, summary, mean_order_value, left_out, note)


def _member_ids(store: Store, member_keys) -> list[str]:
    keys = [int(key) for key in member_keys]
    if not keys:
        return []
    frame = store.df(
        "select member_id from members where member_key in (select unnest($keys)) "
        "order by member_id",
        {"keys": keys},
    )
    return frame["member_id"].tolist()


def ltv_forecast(models: LtvModels, months: int = 12, unit_days: float = WEEK_DAYS) -> pd.DataFrame:
    """Per customer of ``models.summary``: ``p_alive``, ``expected_purchases_12m``,
    ``expected_order_value`` and ``predicted_ltv_12m`` over the next ``months`` months."""
    summary = models.summary
    if models.bgnbd is None:
        return pd.DataFrame(
            {
                "p_alive": np.nan,
                "expected_purchases_12m": np.nan,
                "expected_order_value": np.nan,
                "predicted_ltv_12m": 0.0,
            },
            index=summary.index,
        )
    args = (summary["frequency"], summary["recency"], summary["T"])
    horizon = months * MONTH_DAYS / unit_days
    monetary = summary["monetary_value"].clip(lower=0)
    if models.gamma_gamma is not None:
        value = models.gamma_gamma.conditional_expected_value(summary["frequency"], monetary)
        ltv = predicted_ltv(models.bgnbd, models.gamma_gamma, *args, monetary, months, unit_days)
    else:
        value = np.full(len(summary), models.mean_order_value)
        ltv = models.bgnbd.conditional_expected_purchases(horizon, *args) * value
    return pd.DataFrame(
        {
            "p_alive": models.bgnbd.probability_alive(*args),
            "expected_purchases_12m": models.bgnbd.conditional_expected_purchases(horizon, *args),
            "expected_order_value": value,
            "predicted_ltv_12m": ltv,
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
        """The Cox model's hazard ratios (no rows when no Cox model could be fitted)."""
        cox = self.summary.get("cox") or {}
        return pd.DataFrame(
            cox.get("hazard_ratios")
            or {name: [] for name in ("covariate", "coef", "hazard_ratio", "lower", "upper", "p")}
        )

    @property
    def ph_test(self) -> pd.DataFrame:
        cox = self.summary.get("cox") or {}
        return pd.DataFrame(
            cox.get("ph_test") or {"covariate": [], "test_statistic": [], "p": [], "fails": []}
        )

    @property
    def holdout(self) -> pd.DataFrame:
        """One row per model of the holdout (no rows when there was none)."""
        holdout = self.summary.get("holdout") or {}
        return pd.DataFrame(holdout.get("models") or [], columns=HOLDOUT_COLUMNS)

    @property
    def window(self) -> dict:
        """The churn window: ``days``, ``source`` (setting, data, fallback, given), ``gaps``,
        ``percentile_days``."""
        return self.summary.get("churn_window") or {"days": self.churn_days, "source": "given"}


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
    "holdout": 0.16,
    "cox": 0.05,
    "ph_test": 0.01,
    "ltv": 0.12,
    "score_model": 0.02,
    "scores": 0.30,
}
"""Share of the fit's CPU time per step at 1 M members (docs/PERFORMANCE.md), for the
progress bar."""


def score_members(
    store: Store,
    as_of: date,
    window_days: int,
    score_model: churn_score.FittedScore | None,
    cox: CoxChurnModel | None,
    ltv: LtvModels,
) -> tuple[pd.DataFrame, float, str]:
    """Scores of every member who signed up by ``as_of`` from their features then.

    Returns the scores (the columns of ``churn_member_scores`` but ``run_id``), the
    predicted-LTV threshold of a high-value member (the 80th percentile among buyers) and
    what the churn probability came from (the candidate's name, ``bgnbd`` when no candidate
    could be trained, ``none`` when neither exists). Every member gets a churn probability
    (P(no active day in the next ``window_days`` days)); drivers come from the Cox model;
    ``active`` (last activity fewer than ``window_days`` days before ``as_of``, not
    cancelled) and the action are kept for the at-risk list. Cancelled members get no action.
    """
    current = features_at(store, as_of)
    current, _, _ = churn_score.add_btyd_features(current, as_of, window_days)
    if score_model is not None:
        probability = score_model.predict(current)
        source = score_model.kind
    else:
        bgnbd = churn_score.reference_score("bgnbd", current)
        source = "bgnbd" if bgnbd is not None else "none"
        probability = bgnbd if bgnbd is not None else np.full(len(current), np.nan)
    forecast = ltv_forecast(ltv).reindex(current["member_key"])
    cancelled = (current["status"] == "cancelled").to_numpy()
    active = ((current["recency_days"] < window_days).to_numpy()) & ~cancelled
    drivers = (
        cox.driver_text(current) if cox is not None else np.full(len(current), None, dtype=object)
    )
    predicted = forecast["predicted_ltv_12m"].fillna(0.0).to_numpy()
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
            "churn_probability": probability,
            "p_alive": forecast["p_alive"].to_numpy(),
            "expected_purchases_12m": forecast["expected_purchases_12m"].to_numpy(),
            "predicted_ltv_12m": predicted,
            "value_at_risk": probability * predicted,
            "drivers": drivers,
            "best_hour": current["best_hour"].astype("Int64").to_numpy(),
            "action": np.where(cancelled | np.isnan(probability), None, action),
        }
    )
    return scores, high_value_ltv, source


def fit_churn_models(
    store: Store,
    as_of: date,
    churn_days: int | None = None,
    penalizer: float = 0.01,
    progress: Callable[[float, str], None] | None = None,
    window: ChurnWindow | None = None,
) -> ChurnFit:
    """Fit every model on the store as of ``as_of`` and score every member.

    ``churn_days`` None means the store's churn window (``window`` when the caller has read
    it, else :func:`core.churn_window.churn_window`: the setting, else chosen from the data).
    Call it W. Steps (``progress`` receives the
    fraction done and the step name, translation key ``models.step.<name>``; ``timings`` in
    the result has the seconds of each):

    ``features``
        The landmarks ``as_of − W`` (outcomes to ``as_of``) and, when the store has a window
        of history before it, ``as_of − 2W`` (outcomes to ``as_of − W``) (:func:`landmark_data`).
    ``holdout``
        Every churn-score candidate, the Cox model and the references trained on the earlier
        landmark and scored on the later (:func:`holdout_evaluation`); picks the candidate.
    ``cox``, ``ph_test``
        The Cox model on the members active on ``as_of − W`` and its proportional-hazards
        check on every training row.
    ``ltv``
        BG/NBD and Gamma-Gamma on all paid orders up to ``as_of`` (:func:`fit_ltv_models`).
    ``score_model``
        The chosen candidate trained on the landmark ``as_of − W``.
    ``scores``
        Every member scored from their features on ``as_of`` (:func:`score_members`).

    No member's data aborts the fit: a model that cannot use some of it leaves it out and
    the summary's ``left_out`` says which rule, how many and a few member ids (or covariate
    names); a model that cannot be fitted at all is reported in ``notes`` and the others go
    on without it.
    """
    report = progress or (lambda fraction, step: None)
    started = time.perf_counter()
    stamp = data_stamp(store)
    if churn_days is not None:
        window = ChurnWindow(int(churn_days), "given", 0, None)
    elif window is None:
        window = churn_window(store, as_of)
    window_days = window.days
    timings: dict[str, float] = {}
    cpu_timings: dict[str, float] = {}
    notes: dict[str, str] = {}
    left_out: list[dict] = []
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

    landmark = as_of - timedelta(days=window_days)
    holdout_landmark = landmark - timedelta(days=window_days)
    no_holdout = holdout_history(store, holdout_landmark, window_days)
    follow_up = cox_follow_up(window_days)
    cox_landmark = as_of - timedelta(days=follow_up)
    cox_holdout_landmark = cox_landmark - timedelta(days=follow_up)
    if not no_holdout and follow_up != window_days:
        no_holdout = holdout_history(store, cox_holdout_landmark, window_days)

    def landmarks():
        read: dict[date, pd.DataFrame] = {}  # features per landmark day, each read once

        def features(day: date) -> pd.DataFrame:
            if day not in read:
                read[day] = features_at(store, day)
            return read[day]

        latest = landmark_data(store, landmark, as_of, window_days, features(landmark))
        earlier = (
            None
            if no_holdout
            else landmark_data(
                store, holdout_landmark, landmark, window_days, features(holdout_landmark)
            )
        )
        if follow_up == window_days:
            return earlier, latest, (None if earlier is None else earlier.cox, latest.cox)
        cox_earlier = (
            None
            if no_holdout
            else landmark_frame(
                store,
                cox_holdout_landmark,
                cox_landmark,
                window_days,
                window_days,
                features(cox_holdout_landmark),
            )
        )
        cox_latest = landmark_frame(
            store, cox_landmark, as_of, window_days, window_days, features(cox_landmark)
        )
        return earlier, latest, (cox_earlier, cox_latest)

    earlier, latest, cox_frames = timed("features", landmarks)
    if latest.bgnbd_note:
        notes["bgnbd_activity"] = latest.bgnbd_note

    def run_holdout(earlier, latest, cox_frames):
        if earlier is None:
            return None, no_holdout
        try:
            result = holdout_evaluation(
                store,
                as_of,
                window_days,
                penalizer,
                landmarks=(earlier, latest),
                cox_frames=cox_frames,
                progress=lambda model: report(done, "holdout"),
            )
        except ChurnModelError as exc:
            return None, str(exc)
        return result, None

    holdout, holdout_note = timed("holdout", run_holdout, earlier, latest, cox_frames)
    if holdout_note:
        notes["holdout"] = holdout_note
    # at 1 M members every frame is hundreds of MB: keep only what the next steps read
    cox_training = cox_frames[1]
    del earlier, cox_frames

    cox, cox_note = timed("cox", fit_cox_model, cox_training, penalizer)
    if cox is None:
        notes["cox"] = cox_note
    elif cox.constant_:
        left_out.append(
            {
                "model": "cox",
                "rule": "constant_covariate",
                "count": len(cox.constant_),
                "examples": cox.constant_[:EXAMPLES],
            }
        )
    ph_test = timed("ph_test", cox.check_proportional_hazards) if cox is not None else None
    cox_summary = _cox_summary(cox, cox_landmark, follow_up, cox_training, ph_test)
    del cox_training
    if cox is not None:
        cox.release_training()
    ltv = timed("ltv", fit_ltv_models, store, as_of)
    left_out.extend(ltv.left_out)
    if ltv.note:
        notes["ltv"] = ltv.note

    def train_score_model(members: pd.DataFrame):
        kinds = [holdout.selected if holdout else churn_score.DEFAULT_MODEL]
        kinds += [kind for kind in churn_score.CANDIDATES if kind not in kinds]
        failures = []
        for kind in kinds:
            try:
                return churn_score.fit_score_model(kind, members), failures
            except ChurnModelError as exc:
                failures.append(f"{kind}: {exc}")
        return None, failures

    score_model, failures = timed("score_model", train_score_model, latest.members)
    if failures:
        notes["score_model"] = "; ".join(failures)
    training_members = len(latest.members)
    stay_away_rate = float(latest.members["stays_away"].mean()) if training_members else None
    del latest
    scores, high_value_ltv, source = timed(
        "scores", score_members, store, as_of, window_days, score_model, cox, ltv
    )
    active = scores["active"].to_numpy()

    summary = {
        "as_of": as_of.isoformat(),
        "churn_days": window_days,
        "churn_window": {
            "days": window_days,
            "source": window.source,
            "gaps": window.gaps,
            "percentile_days": window.percentile_days,
            "percentile": GAP_PERCENTILE,
        },
        "horizon_days": window_days,
        "prediction_days": window_days,
        "score": {
            "model": source,
            "selected_by": "holdout" if holdout else "default",
            "training_landmark": landmark.isoformat(),
            "training_members": training_members,
            "training_stay_away_rate": stay_away_rate,
            "train_rows": score_model.train_rows if score_model else 0,
        },
        "cox": cox_summary,
        "holdout": _holdout_summary(holdout),
        "bgnbd": _bgnbd_summary(ltv.bgnbd),
        "gamma_gamma": _gamma_gamma_summary(ltv.gamma_gamma),
        "left_out": left_out,
        "notes": notes,
        "active_members": int(active.sum()),
        "scored_members": len(scores),
        "high_value_ltv": high_value_ltv if np.isfinite(high_value_ltv) else None,
        "timings": timings,
        "cpu_timings": cpu_timings,
    }
    report(1.0, "done")
    return ChurnFit(
        as_of=as_of,
        churn_days=window_days,
        horizon_days=window_days,
        data_stamp=stamp,
        fitted_at=datetime.now(UTC).replace(tzinfo=None),
        fit_seconds=round(time.perf_counter() - started, 3),
        summary=_json_safe(summary),
        scores=scores,
        timings=timings,
    )


def _cox_summary(
    cox, landmark: date, follow_up: int, training: pd.DataFrame, ph_test
) -> dict | None:
    if cox is None:
        return None
    return {
        "training_landmark": landmark.isoformat(),
        "follow_up_days": follow_up,
        "training_members": len(training),
        "training_events": int(training["churned"].sum()),
        "ph_test_rows": len(training),
        "penalizer": cox.penalizer,
        "concordance_train": cox.concordance_,
        "reference": cox.reference_,
        "hazard_ratios": cox.hazard_ratios_.to_dict(orient="list"),
        "ph_test": ph_test.to_dict(orient="list"),
        "ph_failing": ph_test.loc[ph_test["fails"], "covariate"].tolist(),
    }


def _holdout_summary(holdout: HoldoutResult | None) -> dict | None:
    if holdout is None:
        return None
    return {
        "train_landmark": holdout.train_landmark.isoformat(),
        "train_outcome_end": holdout.test_landmark.isoformat(),
        "test_landmark": holdout.test_landmark.isoformat(),
        "train_members": holdout.train_members,
        "test_members": holdout.test_members,
        "test_churn_rate": holdout.test_stay_away_rate,
        "selected": holdout.selected,
        "models": holdout.as_rows(),
    }


def _bgnbd_summary(model: BetaGeoModel | None) -> dict | None:
    return _btyd_summary(model, time_unit_days=WEEK_DAYS)


def _gamma_gamma_summary(model: GammaGammaModel | None) -> dict | None:
    return _btyd_summary(model)


def _btyd_summary(model, **extra) -> dict | None:
    if model is None:
        return None
    return {
        **model.params_,
        "log_likelihood": model.log_likelihood_,
        "customers": model.n_customers_,
        "converged": model.converged_,
        **extra,
    }


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
            "churn_probability, p_alive, expected_purchases_12m, predicted_ltv_12m, "
            "value_at_risk, drivers, best_hour, action from new_scores"
        )
        cur.unregister("new_scores")
    fit.run_id = run_id
    fit.fitted_by = fitted_by
    return run_id


def load_fit(
    store: Store, as_of: date, churn_days: int | None = None, with_scores: bool = True
) -> ChurnFit | None:
    """The latest stored run for ``as_of`` and the churn window (None: the store's window as
    of ``as_of``) whose data stamp matches the store, else None."""
    if churn_days is None:
        churn_days = churn_window(store, as_of).days
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
    store: Store,
    as_of: date,
    churn_days: int | None = None,
    fitted_by: str | None = None,
    progress: Callable[[float, str], None] | None = None,
) -> ChurnFit:
    """The stored fit for the store's current data, ``as_of`` and churn window (None: the
    store's); fitted and saved if none."""
    window = churn_window(store, as_of) if churn_days is None else None
    fit = load_fit(store, as_of, window.days if window else churn_days)
    if fit is None:
        fit = fit_churn_models(store, as_of, churn_days, progress=progress, window=window)
        save_fit(store, fit, fitted_by)
    return fit


def member_scores(
    store: Store, member_key: int, as_of: date, churn_days: int | None = None
) -> dict | None:
    """The member's churn score from the stored fit for ``as_of`` and the churn window
    (None: the store's, read from the data), or None.

    Never fits: the member profile shows a score only when the Models page (or a report)
    has fitted the current data. ``churn_probability`` is P(no active day in the next
    ``churn_window_days`` days).
    """
    fit = load_fit(store, as_of, churn_days, with_scores=False)
    if fit is None:
        return None
    rows = store.query("churn/member_score", {"run_id": fit.run_id, "member_key": member_key})
    if rows.empty:
        return None
    row = rows.iloc[0]
    probability = row["churn_probability"]
    return {
        "churn_probability": None if pd.isna(probability) else float(probability),
        "churn_window_days": fit.churn_days,
        "predicted_ltv_12m": float(row["predicted_ltv_12m"]),
        "drivers": None if pd.isna(row["drivers"]) else str(row["drivers"]),
        "action": None if pd.isna(row["action"]) else str(row["action"]),
        "fitted_at": fit.fitted_at,
    }


# -- at-risk list, LTV by group, reports ------------------------------------------------------

AT_RISK_ORDER = "value_at_risk desc, churn_probability desc, member_id"
LTV_DIMENSIONS = ("cohort", "channel", "tier", "device")


def at_risk_list(
    store: Store,
    run_id: int,
    filters: GlobalFilters | None = None,
    min_probability: float = 0.0,
    limit: int | None = None,
    every_member: bool = False,
) -> pd.DataFrame:
    """Active members of run ``run_id`` in the filter scope (``every_member``: every scored
    member, churned and cancelled included), most value at risk first.

    The order is documented and tested: ``value_at_risk`` (churn probability within the
    churn window × predicted 12-month LTV) descending, then churn probability descending,
    then ``member_id``. Columns: ``member_id``, ``tier``, ``channel``, ``device``,
    ``active``, ``churn_probability``, ``churn_window_days``, ``predicted_ltv_12m``,
    ``value_at_risk``, ``p_alive``, ``best_hour``, ``drivers``, ``action``. No personal data.
    """
    params = {
        "run_id": run_id,
        "min_probability": float(min_probability),
        "every_member": bool(every_member),
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
    ``model``, ``parameter``, ``value``, ``lower``, ``upper``, ``p`` (report ``model``).

    Also the churn window (``churn_window``: days, source, gaps, percentile), what scores
    the members (``score``), what each model left out (``left_out[<model>:<rule>]`` with the
    count; the first member ids in ``lower``) and why a model is missing (``note``)."""
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
    window = fit.window
    for name in ("days", "source", "gaps", "percentile_days"):
        add("churn_window", name, window.get(name))
    score = summary.get("score") or {}
    for name in ("model", "selected_by", "training_landmark", "training_members"):
        add("score", name, score.get(name))
    if summary.get("bgnbd"):
        for name in ("r", "alpha", "a", "b", "log_likelihood", "customers"):
            add("bgnbd", name, summary["bgnbd"][name])
    if summary.get("gamma_gamma"):
        for name in ("p", "q", "gamma", "log_likelihood", "customers"):
            add("gamma_gamma", name, summary["gamma_gamma"][name])
    for row in fit.hazard_ratios.itertuples(index=False):
        add("cox", f"hazard_ratio[{row.covariate}]", row.hazard_ratio, row.lower, row.upper, row.p)
    for row in fit.ph_test.itertuples(index=False):
        add("cox", f"ph_test[{row.covariate}]", row.test_statistic, p=row.p)
    if summary.get("cox"):
        for name in ("concordance_train", "training_members", "training_events", "penalizer"):
            add("cox", name, summary["cox"][name])
    holdout = summary.get("holdout")
    if holdout:
        for name in ("train_members", "test_members", "test_churn_rate", "selected"):
            add("holdout", name, holdout[name])
        for row in holdout["models"]:
            for name in ("auc", "auc_active", "concordance", "fit_seconds"):
                add(f"holdout_{row['model']}", name, row[name])
    for entry in summary.get("left_out", []):
        add(
            entry["model"],
            f"left_out[{entry['rule']}]",
            entry["count"],
            lower=", ".join(entry["examples"]),
        )
    for model, note in (summary.get("notes") or {}).items():
        add(model, "note", note)
    add("run", "fit_seconds", fit.fit_seconds)
    return pd.DataFrame(rows)


def fit_steps(fit: ChurnFit) -> pd.DataFrame:
    """The steps of ``fit`` in order: ``step`` (``models.step.<step>``), ``seconds`` (wall
    clock), ``cpu_seconds`` (the process's CPU time, all threads) and ``rows`` (what the step
    ran on: landmark rows read, holdout training rows, Cox training rows, rows in the PH
    test, BG/NBD customers, members scored). Runs stored before these were recorded show
    None where a figure is missing."""
    summary = fit.summary
    cox = summary.get("cox") or {}
    holdout = summary.get("holdout") or {}
    score = summary.get("score") or {}
    rows = {
        "features": (holdout.get("train_members") or 0) + (score.get("training_members") or 0),
        "holdout": holdout.get("train_members"),
        "cox": cox.get("training_members"),
        "ph_test": cox.get("ph_test_rows"),
        "ltv": (summary.get("bgnbd") or {}).get("customers"),
        "score_model": score.get("train_rows"),
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

    def run(self, store: Store, as_of: date, churn_days: int | None, fitted_by: str | None) -> None:
        def progress(fraction: float, step: str) -> None:
            self.fraction, self.step = fraction, step

        try:
            fit = fit_churn_models(store, as_of, churn_days, progress=progress)
            self.run_id = save_fit(store, fit, fitted_by)
        except (ChurnModelError, ValueError, np.linalg.LinAlgError) as exc:
            self.error = str(exc)
        finally:
            self.done = True

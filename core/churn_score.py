"""The churn score: the probability that a member has no activity in the churn window.

For every member who signed up by the as-of date (active, lapsed or churned alike), the
score is P(no active day in the ``window`` days after the as-of date) — the chance that the
member is (still) churned one window from now. It is learnt on a landmark one window
earlier: features as known on the landmark, the label whether the member then stayed away
for the window (:func:`stays_away`). The member's features are then read on the as-of date
and scored by the same model.

Candidate models (scikit-learn pipelines, :data:`CANDIDATES`):

``logistic``
    Logistic regression on the member features (:data:`SCORE_NUMERIC`; tier, channel and
    device one-hot). Interpretable, and it extrapolates sensibly in tenure and recency.
``logistic_btyd``
    The same plus the BG/NBD quantities of each member's active days (:data:`BTYD_NUMERIC`:
    P(alive), expected active days in the window, P(no active day in the window)).
``boosting_btyd``
    Gradient-boosted trees on the features of ``logistic_btyd`` (the previous baseline).

References that need no training are scored beside them: ``bgnbd`` (BG/NBD's own P(no
active day in the window)) and ``recency`` (days since the last active day).

Which candidate scores the members is decided by the time-based holdout in
:func:`core.churn.fit_churn_models` (highest AUC); without a holdout (too little history
before the training landmark), ``logistic``. On the CDNOW sample as of 1997-09-30 (no
holdout possible: the 133-day window reaches back past the first purchase), ``logistic``
ranks "no purchase in the next 39 weeks" with AUC 0.785, against 0.773 for BG/NBD's
expected purchases and 0.771 for recency (``tests/test_churn_cdnow.py``).
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from threadpoolctl import threadpool_limits

from core.btyd import WEEK_DAYS, BetaGeoModel
from core.model_errors import ChurnModelError
from core.store import Store

CATEGORICAL = ("tier", "channel", "device")
MEMBER_NUMERIC = (
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
"""The member features of ``core.churn.features_at`` that the Cox model and the score read."""
SCORE_NUMERIC = ("log_recency_days", "log_active_days", *MEMBER_NUMERIC)
BTYD_NUMERIC = ("p_alive_activity", "log_expected_active_days", "p_stay_away_bgnbd")
CANDIDATES = ("logistic", "logistic_btyd", "boosting_btyd")
REFERENCES = ("bgnbd", "recency")
DEFAULT_MODEL = "logistic"
TRAIN_SAMPLE_ROWS = 200_000
BOOSTING_SAMPLE_ROWS = 50_000
MIN_TRAIN_ROWS = 50
MIN_CLASS_ROWS = 10


def add_score_features(features: pd.DataFrame) -> pd.DataFrame:
    """``features`` (``core.churn.features_at``) with the log-scaled columns the score reads
    (added in place: at 1 M members a copy is hundreds of MB)."""
    frame = features
    frame["log_recency_days"] = np.log1p(frame["recency_days"].astype(float).clip(lower=0))
    frame["log_active_days"] = np.log1p(frame["active_days"].astype(float))
    for column in CATEGORICAL:
        frame[column] = frame[column].astype(str).astype("category")
    return frame


def activity_summary(features: pd.DataFrame, landmark: date) -> pd.DataFrame:
    """BG/NBD inputs from active days, in weeks: ``frequency`` (active days after the first),
    ``recency`` (first to last active day) and ``T`` (first active day to the landmark).

    A member never active counts from the signup day with no repeat; activity before the
    signup day (orders imported from before the membership) counts from its first day.
    """
    end = pd.Timestamp(landmark)
    first = pd.to_datetime(features["first_active_day"]).fillna(
        pd.to_datetime(features["signup_day"])
    )
    active = features["active_days"].to_numpy(dtype=float)
    last = pd.to_datetime(features["last_active_day"]).where(active > 0, first)
    last = last.where(last >= first, first)
    return pd.DataFrame(
        {
            "frequency": np.maximum(active - 1, 0),
            "recency": ((last - first).dt.days / WEEK_DAYS).to_numpy(),
            "T": ((end - first).dt.days / WEEK_DAYS).to_numpy(),
        },
        index=features.index,
    )


def add_btyd_features(
    features: pd.DataFrame, landmark: date, window_days: int
) -> tuple[pd.DataFrame, BetaGeoModel | None, str | None]:
    """``features`` with :data:`BTYD_NUMERIC` from BG/NBD fitted on everyone's active days.

    Returns the frame (``features`` itself, the columns added in place), the model (None
    when it cannot be fitted) and the reason it could not (None when it was). Without a
    model the columns are NaN and the ``*_btyd`` candidates are left out.
    """
    frame = features
    summary = activity_summary(frame, landmark)
    x, t_x, big_t = (summary[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
    model = None
    reason = None
    if (x > 0).sum() < MIN_CLASS_ROWS:
        reason = "too_few_repeat"
    else:
        try:
            model = BetaGeoModel().fit(x, t_x, big_t)
        except ChurnModelError:
            reason = "not_fitted"
        else:
            if not all(np.isfinite(list(model.params_.values()))):
                model, reason = None, "not_fitted"
    if model is None:
        for column in BTYD_NUMERIC:
            frame[column] = np.nan
        return frame, None, reason
    horizon = window_days / WEEK_DAYS
    p_alive = model.probability_alive(x, t_x, big_t)
    expected = model.conditional_expected_purchases(horizon, x, t_x, big_t)
    frame["p_alive_activity"] = p_alive
    frame["log_expected_active_days"] = np.log(np.maximum(expected, 0) + 1e-3)
    frame["p_stay_away_bgnbd"] = stay_away_probability(model, x, big_t, horizon, p_alive)
    return frame, model, None


def stay_away_probability(
    model: BetaGeoModel, frequency, T, horizon: float, p_alive=None
) -> np.ndarray:
    """BG/NBD's P(no transaction in the next ``horizon`` time units | history).

    A dead customer never comes back; an alive one with rate λ ~ Gamma(r + x, α + T) (the
    posterior) makes none with probability ((α + T) / (α + T + t))^(r + x), and cannot die
    without a transaction (dropout follows a purchase), so
    P = 1 − P(alive) · (1 − ((α + T) / (α + T + t))^(r + x)).
    """
    x = np.asarray(frequency, dtype=float)
    big_t = np.asarray(T, dtype=float)
    if p_alive is None:
        raise ChurnModelError("P(alive) is needed")
    none_while_alive = ((model.alpha_ + big_t) / (model.alpha_ + big_t + horizon)) ** (model.r_ + x)
    return 1.0 - np.asarray(p_alive, dtype=float) * (1.0 - none_while_alive)


def stays_away(store: Store, member_keys, landmark: date, through: date) -> np.ndarray:
    """True for each member with no active day after ``landmark`` up to ``through``."""
    back = store.query("churn/active_between", {"after": landmark, "through": through})
    return ~np.isin(np.asarray(member_keys), back["member_key"].to_numpy())


def make_model(kind: str, random_state: int = 0) -> Pipeline:
    """The scikit-learn pipeline of candidate ``kind`` (one of :data:`CANDIDATES`)."""
    if kind not in CANDIDATES:
        raise ChurnModelError(f"unknown churn score model {kind!r}")
    numeric = list(SCORE_NUMERIC) + (list(BTYD_NUMERIC) if kind.endswith("_btyd") else [])
    preprocess = ColumnTransformer(
        [
            ("categorical", OneHotEncoder(handle_unknown="ignore"), list(CATEGORICAL)),
            ("numeric", StandardScaler(), numeric),
        ]
    )
    if kind == "boosting_btyd":
        classifier = HistGradientBoostingClassifier(
            max_iter=200, learning_rate=0.05, max_leaf_nodes=31, random_state=random_state
        )
    else:
        classifier = LogisticRegression(C=1.0, max_iter=2000)
    return Pipeline([("features", preprocess), ("classifier", classifier)])


def sample_rows(frame: pd.DataFrame, rows: int | None, seed: int = 0) -> pd.DataFrame:
    """``rows`` rows of ``frame`` drawn without replacement with a fixed seed (in their
    original order), or ``frame`` itself when it is not longer than that."""
    if rows is None or len(frame) <= rows:
        return frame
    chosen = np.sort(np.random.default_rng(seed).choice(len(frame), size=rows, replace=False))
    return frame.iloc[chosen]


def why_not_trainable(train: pd.DataFrame, kind: str, label: str = "stays_away") -> str | None:
    """Why candidate ``kind`` cannot be trained on ``train`` (a reason code), or None."""
    if len(train) < MIN_TRAIN_ROWS:
        return "too_few_members"
    positives = int(train[label].sum())
    if min(positives, len(train) - positives) < MIN_CLASS_ROWS:
        return "one_outcome"
    if kind.endswith("_btyd") and train["p_alive_activity"].isna().any():
        return "no_bgnbd"
    return None


@dataclass
class FittedScore:
    """A trained candidate: ``kind``, the pipeline, training rows and seconds."""

    kind: str
    model: Pipeline
    train_rows: int
    seconds: float

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        with threadpool_limits(limits=1, user_api="openmp"):
            return self.model.predict_proba(frame)[:, 1]


def fit_score_model(kind: str, train: pd.DataFrame, label: str = "stays_away") -> FittedScore:
    """Train candidate ``kind`` on ``train`` (a fixed-seed sample when large).

    One OpenMP thread for the trees: on a busy two-core machine two threads spin against
    each other (a fit took 6x longer at load 8.6)."""
    reason = why_not_trainable(train, kind, label)
    if reason is not None:
        raise ChurnModelError(reason)
    limit = BOOSTING_SAMPLE_ROWS if kind == "boosting_btyd" else TRAIN_SAMPLE_ROWS
    sample = sample_rows(train, limit)
    started = time.perf_counter()
    with threadpool_limits(limits=1, user_api="openmp"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = make_model(kind).fit(sample, sample[label].to_numpy(dtype=int))
    return FittedScore(kind, model, len(sample), time.perf_counter() - started)


def reference_score(kind: str, frame: pd.DataFrame) -> np.ndarray | None:
    """The score of a reference (higher: more likely to stay away), or None without it."""
    if kind == "recency":
        return frame["recency_days"].to_numpy(dtype=float)
    if kind == "bgnbd":
        values = frame["p_stay_away_bgnbd"].to_numpy(dtype=float)
        return None if np.isnan(values).any() else values
    raise ChurnModelError(f"unknown reference {kind!r}")


def auc(labels, scores) -> float | None:
    """ROC AUC, None when only one outcome occurs."""
    labels = np.asarray(labels, dtype=int)
    if len(np.unique(labels)) < 2:
        return None
    return float(roc_auc_score(labels, scores))

"""Buy-till-you-die models of repeat purchasing and spend (Fader, Hardie & Lee 2005).

:class:`BetaGeoModel` (BG/NBD) and :class:`GammaGammaModel` ("RFM and CLV") are fitted by
maximum likelihood with L-BFGS-B on log-parameters. lifelines has neither, and the
``lifetimes`` package is unmaintained (it pins old pandas/scipy), so the likelihoods are
written here with ``gammaln``/``betaln`` and a log-sum-exp; ``tests/test_ltv_models.py``
checks them against the published CDNOW estimates. :mod:`core.churn` fits them on paid
orders (LTV) and :mod:`core.churn_score` on active days (churn features).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import optimize
from scipy.special import betaln, digamma, gammaln, hyp2f1

from core.model_errors import ChurnModelError, NotFittedError

WEEK_DAYS = 7.0
MONTH_DAYS = 365.25 / 12


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

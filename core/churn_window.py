"""The churn window: how many days without activity make a member churned (SPEC §6).

A fixed 30 days calls a purchase-cycle business (a member buys every few months) 90 %
churned. The store's ``churn_window_days`` setting fixes the window; unset (``auto``), it is
chosen from the data by this rule:

    the 90th percentile of the gaps between a member's consecutive active days (an event or
    a paid order; every member's gaps pooled) that ended by the as-of date, rounded **up** to
    whole weeks and kept within 7 … 365 days.

With fewer than :data:`MIN_GAPS` gaps (almost nobody came back yet), the rule has nothing
to stand on and the window is :data:`FALLBACK_DAYS`. Measured: the demo store (daily app
activity) gives 28 days (its 90th percentile is 25); the CDNOW sample (CD purchases) as of
1997-09-30 gives 133 days (19 weeks; 90th percentile 128) and 196 days at 1998-06-30.

Gaps are those complete by the as-of date, so an early as-of date sees only shorter gaps
(the window grows with the history, as the CDNOW figures show).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from core import settings
from core.store import Store

GAP_PERCENTILE = 0.9
MIN_WINDOW_DAYS = 7
MAX_WINDOW_DAYS = 365
MIN_GAPS = 30
FALLBACK_DAYS = 30


@dataclass(frozen=True)
class ChurnWindow:
    """The churn window in force for one store and as-of date.

    ``source`` is ``setting`` (the store's ``churn_window_days``), ``data`` (the rule above)
    or ``fallback`` (too few gaps for the rule). ``gaps`` and ``percentile_days`` describe the
    data the rule read (also reported when a setting is in force, for comparison).
    """

    days: int
    source: str
    gaps: int
    percentile_days: float | None


def window_from_gaps(percentile_days: float | None, gaps: int) -> tuple[int, str]:
    """The rule on its inputs: ``(days, source)``."""
    if percentile_days is None or gaps < MIN_GAPS:
        return FALLBACK_DAYS, "fallback"
    weeks = math.ceil(max(float(percentile_days), 1.0) / 7.0)
    return min(max(weeks * 7, MIN_WINDOW_DAYS), MAX_WINDOW_DAYS), "data"


def churn_window(store: Store, as_of: date) -> ChurnWindow:
    """The store's churn window as of ``as_of``: the setting, else the rule on the data."""
    row = store.query("churn/activity_gaps", {"as_of": as_of, "percentile": GAP_PERCENTILE}).iloc[0]
    gaps = int(row["gaps"])
    percentile = None if row["percentile_days"] is None else float(row["percentile_days"])
    if percentile is not None and math.isnan(percentile):
        percentile = None
    configured = settings.get(store, "churn_window_days")
    if configured is not None:
        return ChurnWindow(int(configured), "setting", gaps, percentile)
    days, source = window_from_gaps(percentile, gaps)
    return ChurnWindow(days, source, gaps, percentile)

"""Small samples: a rate over fewer than ``SMALL_SAMPLE`` members is shown faintly, with its
count, and is never named best or worst (issue 14.6). Charts grey such marks with
:func:`core.charts.small_sample_opacity`; call-outs pick from :func:`best_and_worst`."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

SMALL_SAMPLE = 30


@dataclass(frozen=True)
class Extremes:
    """The highest and lowest rate among groups large enough to compare."""

    best: pd.Series
    worst: pd.Series


def large_enough(frame: pd.DataFrame, size: str, minimum: int = SMALL_SAMPLE) -> pd.Series:
    """True for rows whose denominator ``size`` is at least ``minimum``."""
    return frame[size].fillna(0) >= minimum


def best_and_worst(
    frame: pd.DataFrame, rate: str, size: str, minimum: int = SMALL_SAMPLE
) -> Extremes | None:
    """The rows with the highest and lowest ``rate`` among those whose ``size`` is at least
    ``minimum`` and whose rate is known; None when fewer than two such rows remain (one
    group is neither best nor worst). Ties go to the first row."""
    eligible = frame[large_enough(frame, size, minimum) & frame[rate].notna()]
    if len(eligible) < 2:
        return None
    ranked = eligible.sort_values(rate, ascending=False, kind="stable")
    return Extremes(best=ranked.iloc[0], worst=ranked.iloc[-1])

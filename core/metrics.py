"""Dashboard metrics (SPEC §4), computed in SQL (``sql/metrics/``) over the global filters.

Every function takes the store, a :class:`~core.filters.GlobalFilters` and an explicit
as-of date, and returns a DataFrame or a small dataclass. Nothing here reads the clock or
Streamlit state. Missing values are ``None`` ("not computable yet"), never zero.

Overview definitions, for the period P = ``filters.period(as_of)`` and the previous period
of the same length ending the day before P starts:

- **members**: members in scope who signed up on or before the last day of the period.
- **new members**: members in scope who signed up during the period.
- **DAU**: mean over the days of the period of the distinct members active that day
  (a member is active on a day with at least one event or order; days without any are
  zeros).
- **MAU**: distinct members active in the 30 days ending on the period's last day; empty
  when those 30 days start before the first day with data.
- **stickiness**: mean DAU of the period ÷ MAU at the period's end (not the mean of daily
  ratios: one MAU per period keeps it cheap and matches the KPI cards beside it).
- **orders / revenue**: paid orders (status ``paid``) of members in scope, by paid day.
- **ARPU**: revenue ÷ members active during the period.
- **次日留存 / 7日留存** (day-1 / day-7 retention): cohorts are the members who signed up on
  each day of the period; retained means active exactly 1 (7) days after the signup day.
  Cohorts are pooled (weighted by size) over the days whose cell is complete, i.e. signup
  day + N on or before the as-of date; no complete cohort gives ``None``.

Changes compare with the previous period (``filters.compare``): by default the same-length
period ending the day before P starts, or with ``compare="last_year"`` the same dates a year
earlier (:meth:`~core.filters.Period.last_year`); relative change for counts and money,
change in percentage points for rates. When the compared period starts before the data
does, it is incomplete and every change is ``None``.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from datetime import date, timedelta
from numbers import Integral
from typing import Literal

import pandas as pd

from core import paths
from core.filters import GlobalFilters, Period
from core.samples import SMALL_SAMPLE
from core.store import Store

KpiKind = Literal["count", "money", "rate"]

OVERVIEW_KPIS: tuple[tuple[str, KpiKind], ...] = (
    ("members", "count"),
    ("new_members", "count"),
    ("dau", "count"),
    ("mau", "count"),
    ("stickiness", "rate"),
    ("orders", "count"),
    ("revenue", "money"),
    ("arpu", "money"),
    ("d1_retention", "rate"),
    ("d7_retention", "rate"),
)


@dataclass(frozen=True)
class Kpi:
    """One KPI card: this period's value, the previous period's, and the change."""

    key: str
    kind: KpiKind
    value: float | None
    previous: float | None

    @property
    def change(self) -> float | None:
        """Relative change for counts and money; difference (points) for rates."""
        if self.value is None or self.previous is None:
            return None
        if self.kind == "rate":
            return self.value - self.previous
        if self.previous == 0:
            return None
        return (self.value - self.previous) / self.previous

    @property
    def change_kind(self) -> Literal["relative", "points"]:
        return "points" if self.kind == "rate" else "relative"


@dataclass(frozen=True)
class Overview:
    """The overview KPIs for a period, with the period compared against."""

    period: Period
    previous_period: Period
    as_of: date
    first_day: date | None
    previous_complete: bool
    kpis: tuple[Kpi, ...]

    def __getitem__(self, key: str) -> Kpi:
        for kpi in self.kpis:
            if kpi.key == key:
                return kpi
        raise KeyError(key)


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or denominator is None or denominator == 0:
        return None
    return float(numerator) / float(denominator)


def _params(filters: GlobalFilters, period: Period, as_of: date) -> dict:
    return {"start": period.start, "end": period.end, "as_of": as_of, **filters.sql_params()}


def data_bounds(store: Store) -> tuple[date | None, date | None]:
    """First and last day with any activity (the last is the default as-of date)."""
    row = store.query("metrics/data_bounds").iloc[0]
    first, last = row["first_day"], row["last_day"]
    return (
        None if pd.isna(first) else pd.Timestamp(first).date(),
        None if pd.isna(last) else pd.Timestamp(last).date(),
    )


def period_values(
    store: Store,
    filters: GlobalFilters,
    period: Period,
    as_of: date,
    first_day: date | None,
) -> dict[str, float | None]:
    """The overview values for one period (see the module docstring for definitions)."""
    row = store.query("metrics/overview_kpis", _params(filters, period, as_of)).iloc[0]
    raw = {name: (None if pd.isna(value) else float(value)) for name, value in row.items()}
    mau_complete = first_day is not None and (period.end - first_day).days >= 29
    mau = raw["mau"] if mau_complete else None
    return {
        "members": raw["members"],
        "new_members": raw["new_members"],
        "dau": raw["dau_mean"],
        "mau": mau,
        "stickiness": _ratio(raw["dau_mean"], mau),
        "orders": raw["orders"],
        "revenue": raw["revenue"],
        "arpu": _ratio(raw["revenue"], raw["period_active"]),
        "d1_retention": _ratio(raw["d1_retained"], raw["d1_cohort"]),
        "d7_retention": _ratio(raw["d7_retained"], raw["d7_cohort"]),
    }


def overview(store: Store, filters: GlobalFilters, as_of: date) -> Overview:
    """Overview KPIs for ``filters.period(as_of)`` against the compared period: the previous
    same-length period, or the same dates last year (``filters.compare``)."""
    first_day, _ = data_bounds(store)
    period = filters.period(as_of)
    previous = period.compared(filters.compare)
    current_values = period_values(store, filters, period, as_of, first_day)
    previous_complete = first_day is not None and previous.start >= first_day
    if previous_complete:
        previous_values = period_values(store, filters, previous, as_of, first_day)
    else:
        previous_values = dict.fromkeys(current_values)
    kpis = tuple(
        Kpi(key, kind, current_values[key], previous_values[key]) for key, kind in OVERVIEW_KPIS
    )
    return Overview(period, previous, as_of, first_day, previous_complete, kpis)


def daily_trend(store: Store, filters: GlobalFilters, as_of: date) -> pd.DataFrame:
    """One row per day of the period: ``day``, ``active_members``, ``orders``, ``revenue``."""
    period = filters.period(as_of)
    params = {"start": period.start, "end": period.end, **filters.sql_params()}
    frame = store.query("metrics/daily_trend", params)
    frame["day"] = pd.to_datetime(frame["day"])
    frame["revenue"] = frame["revenue"].astype(float)
    return frame


def tier_mix(store: Store, filters: GlobalFilters, as_of: date) -> pd.DataFrame:
    """Members in scope at the period's end by current tier, in tier rank order.

    Columns: ``tier_code``, ``name_zh``, ``name_en``, ``rank``, ``members``, ``share``
    (``share`` is empty when no member is in scope).
    """
    period = filters.period(as_of)
    frame = store.query("metrics/tier_mix", {"end": period.end, **filters.sql_params()})
    frame["share"] = frame["share"].astype(float)
    return frame


# -- store status (the admin data page) ------------------------------------------------------


@dataclass(frozen=True)
class StoreStatus:
    """What the admin data page shows about the store as a whole."""

    path: str
    schema_version: int
    business_tz: str
    demo: bool
    row_counts: dict[str, int]
    first_event: object
    last_event: object
    first_active_day: date | None
    last_active_day: date | None


def store_status(store: Store) -> StoreStatus:
    span = store.query("metrics/store_event_range").iloc[0]

    def value(name):
        return None if pd.isna(span[name]) else span[name]

    return StoreStatus(
        path=str(store.path),
        schema_version=store.schema_version,
        business_tz=store.business_tz,
        demo=store.is_demo(),
        row_counts=store.table_counts(),
        first_event=value("first_event"),
        last_event=value("last_event"),
        first_active_day=value("first_active_day"),
        last_active_day=value("last_active_day"),
    )


def recent_imports(store: Store, limit: int = 20) -> pd.DataFrame:
    """The latest imports with their files and row counts, newest first."""
    return store.query("metrics/recent_imports", {"limit": int(limit)})


def import_rejects(store: Store, import_id: int, limit: int = 500) -> pd.DataFrame:
    """Rejected rows of one import: table, file, line, column, reason, raw text."""
    return store.query("metrics/import_rejects", {"import_id": int(import_id), "limit": int(limit)})


# == analytics views (SPEC §4): activity, retention, LTV, channels, tiers, funnel, … ==========
#
# Every function below takes the store, the global filters and an explicit as-of date and
# returns a DataFrame whose columns are documented in its docstring (and, for the operations
# reports, in docs/REPORTS.md). Options that pick a SQL branch (cohort unit, mode, dimension)
# are checked against the allow-lists here and reach SQL only as bound parameters.
# Incomplete cells (a window that ends after the as-of date or starts before the data) are
# empty (None / NaN), never zero.

COHORT_UNITS: tuple[str, ...] = ("day", "week", "month")
COHORT_BY: tuple[str, ...] = ("signup", "first_activity")
RETENTION_MODES: tuple[str, ...] = ("on", "on_or_after")
DIMENSIONS: tuple[str, ...] = ("tier", "channel", "device")
DEFAULT_MAX_PERIOD: dict[str, int] = {"day": 30, "week": 12, "month": 12}
# the longest matrix a page or report may ask for: a year of days, three years of weeks,
# ten years of months (LTV counts months)
MAX_PERIOD_LIMIT: dict[str, int] = {"day": 365, "week": 156, "month": 120}
DEFAULT_LTV_MONTHS = 12
UNIT_STEP: dict[str, pd.DateOffset] = {
    "day": pd.DateOffset(days=1),
    "week": pd.DateOffset(days=7),
    "month": pd.DateOffset(months=1),
}


class MetricOptionError(ValueError):
    """An option outside its allow-list (a user can cause it: the CLI shows it as is)."""


def check_choice(name: str, value: str, allowed: tuple[str, ...]) -> str:
    """``value`` if it is one of ``allowed``, else :class:`MetricOptionError`."""
    if value not in allowed:
        raise MetricOptionError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
    return value


def check_max_period(value: int | None, unit: str) -> int:
    """The last period N a retention matrix (``unit`` day/week/month) or LTV table (month)
    shows: ``value``, else the default; :class:`MetricOptionError` outside 1 … the limit."""
    check_choice("unit", unit, COHORT_UNITS)
    if value is None:
        return DEFAULT_MAX_PERIOD[unit]
    limit = MAX_PERIOD_LIMIT[unit]
    if isinstance(value, bool) or not isinstance(value, Integral) or not 1 <= value <= limit:
        raise MetricOptionError(
            f"max period must be a whole number from 1 to {limit} for {unit} periods, not {value!r}"
        )
    return int(value)


def _scope(filters: GlobalFilters, as_of: date) -> dict:
    period = filters.period(as_of)
    return {"start": period.start, "end": period.end, **filters.sql_params()}


def _nullable(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Float columns with NaN for empty cells (pandas' nullable ints become floats)."""
    for column in columns:
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    return frame


def _day(value) -> date:
    return pd.Timestamp(value).date()


# -- activity --------------------------------------------------------------------------------


def activity_daily(store: Store, filters: GlobalFilters, as_of: date) -> pd.DataFrame:
    """DAU, WAU, MAU and stickiness for every day of the period.

    Columns: ``date``, ``dau``, ``wau``, ``mau``, ``stickiness`` (DAU ÷ MAU). WAU (MAU) is
    empty on days whose trailing 7 (30) days start before the first day with data.
    """
    first_day, _ = data_bounds(store)
    frame = store.query("metrics/activity_daily", _scope(filters, as_of))
    frame = _nullable(frame, ["dau", "wau", "mau"])
    frame["date"] = pd.to_datetime(frame["date"])
    if first_day is not None:
        first = pd.Timestamp(first_day)
        frame.loc[frame["date"] - pd.Timedelta(days=6) < first, "wau"] = float("nan")
        frame.loc[frame["date"] - pd.Timedelta(days=29) < first, "mau"] = float("nan")
    mau = frame["mau"].where(frame["mau"] > 0)
    frame["stickiness"] = frame["dau"] / mau
    return frame[["date", "dau", "wau", "mau", "stickiness"]]


def lifecycle(
    store: Store, filters: GlobalFilters, as_of: date, unit: str = "week"
) -> pd.DataFrame:
    """New, returning, resurrecting and dormant members per day, week or month.

    Columns: ``period`` (first day), ``period_end``, ``new``, ``returning``,
    ``resurrecting``, ``dormant`` (a positive count; charts draw it below zero),
    ``complete``. A period that ends after the as-of date is empty; returning, resurrecting
    and dormant are empty when the previous period starts before the data does.
    """
    check_choice("unit", unit, COHORT_UNITS)
    first_day, _ = data_bounds(store)
    frame = store.query("metrics/activity_lifecycle", {**_scope(filters, as_of), "unit": unit})
    frame = _nullable(frame, ["new", "returning", "resurrecting", "dormant"])
    frame["period"] = pd.to_datetime(frame["period"])
    frame["period_end"] = pd.to_datetime(frame["period_end"])
    ended = frame["period_end"] <= pd.Timestamp(as_of)
    previous_known = (frame["period"] - UNIT_STEP[unit]) >= pd.Timestamp(first_day or as_of)
    frame.loc[~ended, ["new", "returning", "resurrecting", "dormant"]] = float("nan")
    frame.loc[~previous_known, ["returning", "resurrecting", "dormant"]] = float("nan")
    frame["complete"] = ended & previous_known
    return frame


def active_days_distribution(store: Store, filters: GlobalFilters, as_of: date) -> pd.DataFrame:
    """How many members were active on 1, 2, … 30 days of the 30 days ending the period.

    Columns: ``active_days``, ``members``, ``share`` (of the members active in the window).
    Empty when the window starts before the data does.
    """
    first_day, _ = data_bounds(store)
    end = filters.period(as_of).end
    if first_day is None or (end - first_day).days < 29:
        return pd.DataFrame({"active_days": [], "members": [], "share": []})
    frame = store.query("metrics/activity_days_distribution", {"end": end, **filters.sql_params()})
    frame["share"] = frame["share"].astype(float)
    return frame


# -- retention -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Inflection:
    """The day after day 1 whose one-day drop stands out from its neighbours' drops, and the
    day before it to intervene (see :func:`curve_inflection`).

    ``drop`` is the fall of the rate from the day before (``rate_before`` − ``rate``, in
    rate units: 0.5 is 50 percentage points); ``excess`` is that drop less the mean drop of
    the neighbouring days; ``neighbour_drop`` is that mean."""

    day: int
    drop: float
    intervention_day: int
    excess: float
    rate_before: float
    rate: float

    @property
    def neighbour_drop(self) -> float:
        return self.drop - self.excess


# When a retention curve's drop "stands out" (curve_inflection): from day 2 on; the drop at
# least twice its neighbours' mean (the excess is at least half the drop) and not half won
# back the next day; the excess at least two points and four standard errors of the drop;
# every rate over 30+ members.
INFLECTION_FIRST_DAY = 2
INFLECTION_SHARE = 0.5
INFLECTION_MIN_EXCESS = 0.02
INFLECTION_NOISE = 4.0


def retention_matrix(
    store: Store,
    filters: GlobalFilters,
    as_of: date,
    cohort: str = "week",
    by: str = "signup",
    mode: str = "on",
    max_period: int | None = None,
) -> pd.DataFrame:
    """The cohort retention matrix in long form, one row per cohort and period.

    Cohorts are the members in scope by signup or first active day (``by``), per day, week
    or month (``cohort``), from the cohort holding the period's start to the period's end.
    Period N is the N-th unit after the cohort's; ``mode="on"`` counts members active in
    period N, ``"on_or_after"`` in period N or any later one. Columns: ``cohort``,
    ``cohort_size``, ``period``, ``retained``, ``rate`` (both empty where period N has not
    ended by the as-of date).
    """
    check_choice("cohort", cohort, COHORT_UNITS)
    check_choice("by", by, COHORT_BY)
    check_choice("mode", mode, RETENTION_MODES)
    max_period = check_max_period(max_period, cohort)
    params = {
        **_scope(filters, as_of),
        "as_of": as_of,
        "unit": cohort,
        "by": by,
        "mode": mode,
        "max_period": max_period,
    }
    frame = store.query("metrics/retention_cohorts", params)
    frame = _nullable(frame, ["retained", "rate"])
    frame["cohort"] = pd.to_datetime(frame["cohort"])
    frame["period"] = frame["period"].astype(int)
    return frame[["cohort", "cohort_size", "period", "retained", "rate"]]


def retention_mean(matrix: pd.DataFrame) -> pd.DataFrame:
    """The mean row of a retention matrix, weighted by cohort size, complete cells only.

    Columns: ``period``, ``cohorts`` (complete cells), ``cohort_size`` (their members),
    ``retained``, ``rate`` (empty when no cell of that period is complete).
    """
    complete = matrix[matrix["retained"].notna()]
    grouped = complete.groupby("period").agg(
        cohorts=("cohort", "count"),
        cohort_size=("cohort_size", "sum"),
        retained=("retained", "sum"),
    )
    periods = pd.DataFrame({"period": sorted(matrix["period"].unique())})
    mean = periods.merge(grouped, left_on="period", right_index=True, how="left")
    mean["cohorts"] = mean["cohorts"].fillna(0).astype(int)
    mean["rate"] = mean["retained"] / mean["cohort_size"].where(mean["cohort_size"] > 0)
    return mean.astype({"cohort_size": float, "retained": float, "rate": float})


def retention_trend(
    store: Store, filters: GlobalFilters, as_of: date, cohort: str = "week", by: str = "signup"
) -> pd.DataFrame:
    """次日 / 7日 / 30日 retention per cohort: day 1, 7 and 30 "on" after each member's day.

    Columns: ``cohort``, ``cohort_size``, ``d1``, ``d7``, ``d30`` (empty until the last
    member of the cohort has reached that day by the as-of date).
    """
    check_choice("cohort", cohort, COHORT_UNITS)
    check_choice("by", by, COHORT_BY)
    params = {**_scope(filters, as_of), "as_of": as_of, "unit": cohort, "by": by}
    frame = store.query("metrics/retention_trend", params)
    frame["cohort"] = pd.to_datetime(frame["cohort"])
    return _nullable(frame, ["d1", "d7", "d30"])


def retention_curve(
    store: Store,
    filters: GlobalFilters,
    as_of: date,
    by: str = "signup",
    max_day: int = 30,
    dimension: str | None = None,
) -> pd.DataFrame:
    """Day-N "on" retention (N = 0 … ``max_day``) pooled over the period's day cohorts.

    A member counts for day N only when their cohort day + N is on or before the as-of date,
    so each point is the size-weighted mean of the complete cells. With ``dimension``
    (tier, channel or device) there is one curve per group. Columns: ``group`` ("all"
    without a dimension), ``cohort_size``, ``day``, ``eligible``, ``retained``, ``rate``.
    """
    check_choice("by", by, COHORT_BY)
    if dimension is not None:
        check_choice("dimension", dimension, DIMENSIONS)
    params = {
        **_scope(filters, as_of),
        "as_of": as_of,
        "by": by,
        "max_day": int(max_day),
        "dimension": dimension or "none",
    }
    frame = store.query("metrics/retention_curve", params)
    frame["day"] = frame["day"].astype(int)
    return _nullable(frame, ["retained", "rate"])


def curve_inflection(curve: pd.DataFrame) -> Inflection | None:
    """The inflection point of a retention curve (SPEC §4): the day after day 1 whose drop is
    largest relative to the neighbouring days' drops, or None when none stands out.

    ``curve`` is one group of :func:`retention_curve` (``day``, ``rate``, ``eligible``).
    With r(d) the rate on day d, the drop of day d is drop(d) = r(d−1) − r(d), and its
    *excess* is drop(d) less the mean of drop(d−1) and drop(d+1) (those that exist: the last
    day has only drop(d−1); a neighbour that rises counts as no drop, so a bounce back does
    not inflate the excess). Day 0 is the cohort day itself and day 1's drop is almost always
    the largest in absolute terms, so candidates are days ``d ≥ 2`` (day 2's neighbours
    include day 1's drop). A smooth, convex decay has no positive excess; a cliff (the
    seeds' free-trial members, 60% on days 1-4 and 1% from day 5) has one the size of the
    cliff. A day *stands out* when all of these hold:

    - its drop is at least twice its neighbours' mean drop (excess ≥ ``INFLECTION_SHARE``
      × drop);
    - the excess is at least ``INFLECTION_MIN_EXCESS`` (2 percentage points) and at least
      ``INFLECTION_NOISE`` (4) standard errors of the drop, √(r(d−1)(1−r(d−1))/n(d−1) +
      r(d)(1−r(d))/n(d)) with n the eligible members, so sampling noise is not named;
    - the fall lasts: the next day (when known) wins back less than half of it, r(d−1) −
      r(d+1) ≥ ``INFLECTION_SHARE`` × drop (a one-day dip is not an inflection);
    - both days' rates are over at least ``core.samples.SMALL_SAMPLE`` (30) members.

    Four standard errors rather than two or three because every day of a 30-day curve, and
    every group of a breakdown, is tried: on 3,000-member demo stores of five seeds no
    channel but free_trial (whose cliff is over 20 standard errors) has a day that stands
    out.

    Among the days that stand out the largest excess wins (the earliest on a tie); the
    suggested intervention day is the day before it. Days without a rate are skipped and a
    drop needs both its days. None when no day stands out: the UI says "no clear
    inflection".
    """
    points = curve.dropna(subset=["rate"]).sort_values("day")
    rates = dict(zip(points["day"].astype(int), points["rate"].astype(float), strict=True))
    if "eligible" in points:
        sizes = dict(zip(points["day"].astype(int), points["eligible"].astype(float), strict=True))
    else:
        sizes = dict.fromkeys(rates, float("inf"))

    def drop(day: int) -> float | None:
        if day - 1 in rates and day in rates:
            return rates[day - 1] - rates[day]
        return None

    best: Inflection | None = None
    for day in sorted(rates):
        here = drop(day)
        if day < INFLECTION_FIRST_DAY or here is None or here <= 0:
            continue
        around = [max(value, 0.0) for value in (drop(day - 1), drop(day + 1)) if value is not None]
        if not around:
            continue
        excess = here - sum(around) / len(around)
        before, after = rates[day - 1], rates[day]
        if day + 1 in rates and before - rates[day + 1] < INFLECTION_SHARE * here - 1e-12:
            continue  # a one-day dip: the next day wins back more than half the fall
        n_before, n_after = sizes[day - 1], sizes[day]
        if min(n_before, n_after) < SMALL_SAMPLE:
            continue
        noise = math.sqrt(before * (1 - before) / n_before + after * (1 - after) / n_after)
        stands_out = (
            excess >= INFLECTION_SHARE * here - 1e-12
            and excess >= INFLECTION_MIN_EXCESS - 1e-12
            and excess >= INFLECTION_NOISE * noise
        )
        if stands_out and (best is None or excess > best.excess + 1e-12):
            best = Inflection(day, float(here), day - 1, float(excess), before, after)
    return best


RETENTION_DAYS: tuple[int, ...] = (1, 7, 30)
BREAKDOWN_COLUMNS: tuple[str, ...] = (
    "group", "cohort_size", "d1", "d7", "d30", "d1_eligible", "d7_eligible", "d30_eligible",
    "inflection_day", "intervention_day",
)  # fmt: skip


def retention_breakdown(
    store: Store, filters: GlobalFilters, as_of: date, dimension: str, by: str = "signup"
) -> pd.DataFrame:
    """Day-1, day-7 and day-30 retention per tier, channel or device, best day-30 first.

    Columns: ``group``, ``cohort_size``, ``d1``, ``d7``, ``d30``, ``d1_eligible``,
    ``d7_eligible``, ``d30_eligible`` (each rate's denominator: the members whose day N has
    passed by the as-of date, fewer than ``cohort_size`` for recent signups; a rate over
    fewer than 30 is a small sample), ``inflection_day``, ``intervention_day`` (from each
    group's curve, :func:`curve_inflection`; empty when no day stands out).
    """
    curve = retention_curve(store, filters, as_of, by=by, max_day=30, dimension=dimension)
    rows = []
    for group, points in curve.groupby("group", sort=True):
        by_day = points.set_index("day")
        inflection = curve_inflection(points)
        rows.append(
            {
                "group": group,
                "cohort_size": int(points["cohort_size"].iloc[0]),
                **{f"d{n}": by_day["rate"].get(n) for n in RETENTION_DAYS},
                **{f"d{n}_eligible": int(by_day["eligible"].get(n, 0)) for n in RETENTION_DAYS},
                "inflection_day": inflection.day if inflection else None,
                "intervention_day": inflection.intervention_day if inflection else None,
            }
        )
    frame = pd.DataFrame(rows, columns=list(BREAKDOWN_COLUMNS))
    frame = _nullable(frame, ["d1", "d7", "d30"])
    return frame.sort_values(["d30", "group"], ascending=[False, True], na_position="last")


def breakdown_rates(breakdown: pd.DataFrame) -> pd.DataFrame:
    """A :func:`retention_breakdown` in long form for a chart: one row per group and known
    rate, with that rate's own denominator. Columns: ``group``, ``metric`` (d1, d7, d30),
    ``value``, ``eligible``."""
    parts = [
        pd.DataFrame(
            {
                "group": breakdown["group"],
                "metric": f"d{n}",
                "value": breakdown[f"d{n}"],
                "eligible": breakdown[f"d{n}_eligible"],
            }
        )
        for n in RETENTION_DAYS
    ]
    return pd.concat(parts, ignore_index=True).dropna(subset=["value"])


# -- LTV -------------------------------------------------------------------------------------


def _ltv_frame(
    store: Store, filters: GlobalFilters, as_of: date, max_months: int, dimension: str | None
) -> pd.DataFrame:
    if dimension is not None:
        check_choice("dimension", dimension, DIMENSIONS)
    params = {
        **_scope(filters, as_of),
        "as_of": as_of,
        "max_months": check_max_period(max_months, "month"),
        "dimension": dimension or "none",
    }
    frame = store.query("metrics/ltv_cohorts", params)
    frame["cohort"] = pd.to_datetime(frame["cohort"])
    frame["months_since_signup"] = frame["months_since_signup"].astype(int)
    return _nullable(frame, ["revenue", "ltv"])


def ltv_cohorts(
    store: Store, filters: GlobalFilters, as_of: date, max_months: int = DEFAULT_LTV_MONTHS
) -> pd.DataFrame:
    """Cumulative paid revenue per member of each signup-month cohort by months since signup.

    Cohorts: members in scope by signup month, from the month holding the period's start to
    the period's end; month 0 is the signup month. Non-buyers count in ``members``. Columns:
    ``cohort``, ``months_since_signup``, ``members``, ``revenue`` (cumulative), ``ltv``
    (revenue ÷ members); both empty while that month has not ended by the as-of date.
    """
    frame = _ltv_frame(store, filters, as_of, max_months, None)
    return frame[["cohort", "months_since_signup", "members", "revenue", "ltv"]]


def ltv_by_group(
    store: Store,
    filters: GlobalFilters,
    as_of: date,
    dimension: str,
    max_months: int = DEFAULT_LTV_MONTHS,
) -> pd.DataFrame:
    """LTV curves per channel, tier or device, pooled over the complete cohort cells.

    Columns: ``group``, ``months_since_signup``, ``cohorts`` (complete cohorts pooled),
    ``members``, ``revenue``, ``ltv`` (Σ revenue ÷ Σ members; empty without a complete cell).
    """
    frame = _ltv_frame(store, filters, as_of, max_months, dimension)
    complete = frame[frame["revenue"].notna()]
    pooled = (
        complete.groupby(["group", "months_since_signup"])
        .agg(cohorts=("cohort", "count"), members=("members", "sum"), revenue=("revenue", "sum"))
        .reset_index()
    )
    grid = frame[["group", "months_since_signup"]].drop_duplicates()
    pooled = grid.merge(pooled, on=["group", "months_since_signup"], how="left")
    pooled["cohorts"] = pooled["cohorts"].fillna(0).astype(int)
    pooled = _nullable(pooled, ["members", "revenue"])
    pooled["ltv"] = pooled["revenue"] / pooled["members"].where(pooled["members"] > 0)
    return pooled.sort_values(["group", "months_since_signup"]).reset_index(drop=True)


# -- channels and campaigns ------------------------------------------------------------------


# The columns of the channel and campaign tables (pages, CLI reports and docs/REPORTS.md).
CHANNEL_COLUMNS: tuple[str, ...] = (
    "channel", "signups", "activation_rate", "d1", "d7", "d30", "ltv_90d", "revenue",
    "cost", "cac", "roi",
)  # fmt: skip
CAMPAIGN_COLUMNS: tuple[str, ...] = (
    "campaign_id", "name", "channel", "start_date", "end_date", "days", "signups_during",
    "signups_before", "growth", "channel_signups_during", "channel_signups_before",
    "channel_growth",
)  # fmt: skip


def channel_table(store: Store, filters: GlobalFilters, as_of: date) -> pd.DataFrame:
    """The channel table of SPEC §4, best day-30 retention first.

    Per acquisition channel of the members in scope: ``signups`` in the period;
    ``activation_rate`` (paid order within 7 days of signup, among signups whose 7 days have
    ended); ``d1``, ``d7``, ``d30`` ("on" retention of the period's signups, complete cells);
    ``ltv_90d`` (paid revenue in the first 90 days per signup whose 90 days have ended);
    ``revenue`` (paid, in the period, all the channel's members); ``cost`` (channel costs of
    the period, each month prorated by its days in the period), ``cac`` (cost ÷ signups) and
    ``roi`` ((ltv_90d × signups − cost) ÷ cost). Cost, CAC and ROI are empty without cost
    rows, and whenever a region, device or tier filter is set (costs are per channel only).
    """
    params = {**_scope(filters, as_of), "as_of": as_of}
    frame = store.query("metrics/channels_summary", params)
    frame = _nullable(frame, ["revenue_90d", "revenue", "cost"])
    frame["activation_rate"] = frame["activated"] / frame["activation_eligible"].where(
        frame["activation_eligible"] > 0
    )
    frame["ltv_90d"] = frame["revenue_90d"] / frame["ltv_eligible"].where(frame["ltv_eligible"] > 0)
    if filters.regions or filters.devices or filters.tiers:
        frame["cost"] = float("nan")
    frame["cac"] = frame["cost"] / frame["signups"].where(frame["signups"] > 0)
    cost = frame["cost"].where(frame["cost"] > 0)
    frame["roi"] = (frame["ltv_90d"] * frame["signups"] - cost) / cost
    retention = retention_breakdown(store, filters, as_of, "channel")
    frame = frame.merge(
        retention[["group", "d1", "d7", "d30"]].rename(columns={"group": "channel"}),
        on="channel",
        how="left",
    )
    frame = _nullable(frame, ["d1", "d7", "d30"])
    frame = frame.sort_values(["d30", "channel"], ascending=[False, True], na_position="last")
    return frame[list(CHANNEL_COLUMNS)].reset_index(drop=True)


def campaign_comparison(store: Store, filters: GlobalFilters, as_of: date) -> pd.DataFrame:
    """New members during each campaign against the same-length period just before it.

    Campaigns overlapping the period. Columns: ``campaign_id``, ``name``, ``channel``,
    ``start_date``, ``end_date``, ``days``, ``signups_during``, ``signups_before``,
    ``growth`` (during ÷ before − 1), ``channel_signups_during``,
    ``channel_signups_before``, ``channel_growth`` (the campaign's own channel). Counts and
    growth are empty when the campaign ends after the as-of date or the period before it
    starts before the data.
    """
    first_day, _ = data_bounds(store)
    frame = store.query("metrics/campaigns_comparison", _scope(filters, as_of))
    counts = [
        "signups_during",
        "signups_before",
        "channel_signups_during",
        "channel_signups_before",
    ]
    frame = _nullable(frame, counts)
    ended = pd.Series([_day(day) <= as_of for day in frame["end_date"]], dtype=bool)
    known = pd.Series(
        [first_day is not None and _day(day) >= first_day for day in frame["before_start"]],
        dtype=bool,
    )
    frame.loc[~(ended & known), counts] = float("nan")

    def growth(during: str, before: str) -> pd.Series:
        return frame[during] / frame[before].where(frame[before] > 0) - 1

    frame["growth"] = growth("signups_during", "signups_before")
    frame["channel_growth"] = growth("channel_signups_during", "channel_signups_before")
    for column in ("start_date", "end_date"):
        frame[column] = pd.to_datetime(frame[column])
    return frame[list(CAMPAIGN_COLUMNS)]


# -- funnel ----------------------------------------------------------------------------------

FUNNEL_STEPS: tuple[str, ...] = ("page_view", "add_to_cart", "checkout", "order_paid")
FUNNEL_UNITS: tuple[str, ...] = ("member", "session")
FUNNEL_DIMENSIONS: tuple[str, ...] = ("device", "channel")


def funnel(
    store: Store,
    filters: GlobalFilters,
    as_of: date,
    unit: str = "member",
    dimension: str | None = None,
) -> pd.DataFrame:
    """page_view → add_to_cart → checkout → order_paid over the period's events.

    Per member (``unit="member"``) or per session; a unit reaches a step with that event at
    or after the moment it reached the previous one. With ``dimension`` (the event's device
    or the member's channel) there is one funnel per group. Columns: ``group``, ``step``
    (1-4), ``step_name``, ``members`` (or ``sessions``), ``conversion_from_previous``,
    ``conversion_from_first``, ``drop_off`` (1 − conversion from the previous step; empty
    for the first step and when the previous step has nobody).
    """
    check_choice("unit", unit, FUNNEL_UNITS)
    if dimension is not None:
        check_choice("dimension", dimension, FUNNEL_DIMENSIONS)
    params = {**_scope(filters, as_of), "unit": unit, "dimension": dimension or "none"}
    wide = store.query("metrics/funnel_steps", params)
    count = "members" if unit == "member" else "sessions"
    rows = []
    for _, group in wide.iterrows():
        first = float(group[FUNNEL_STEPS[0]])
        previous = None
        for index, step in enumerate(FUNNEL_STEPS, start=1):
            value = float(group[step])
            rows.append(
                {
                    "group": group["group"],
                    "step": index,
                    "step_name": step,
                    count: int(value),
                    "conversion_from_previous": (value / previous if previous else float("nan")),
                    "conversion_from_first": value / first if first else float("nan"),
                }
            )
            previous = value
    frame = pd.DataFrame(
        rows,
        columns=[
            "group",
            "step",
            "step_name",
            count,
            "conversion_from_previous",
            "conversion_from_first",
        ],
    )
    frame = _nullable(frame, ["conversion_from_previous", "conversion_from_first"])
    frame["drop_off"] = 1 - frame["conversion_from_previous"]
    return frame


# -- time of day -----------------------------------------------------------------------------

HOUR_GROUPS: tuple[str, ...] = ("all", "high_value")
HIGH_VALUE_SHARE = 0.2  # SPEC §5: top 20% by trailing-12-month spend


def hour_heatmap(
    store: Store, filters: GlobalFilters, as_of: date, group: str = "all"
) -> pd.DataFrame:
    """Weekday × hour activity over the period, for everyone or the high-value members.

    High value (SPEC §5): the top 20% of the members signed up by the as-of date by paid
    spend in the 12 months ending it. Columns: ``weekday`` (1 = Monday … 7), ``hour``
    (0-23), ``events``, ``members`` (distinct), ``share`` (of the group's events).
    Every weekday × hour cell is present (zero when quiet).
    """
    check_choice("group", group, HOUR_GROUPS)
    params = {
        **_scope(filters, as_of),
        "as_of": as_of,
        "group": group,
        "high_value_share": HIGH_VALUE_SHARE,
    }
    found = store.query("metrics/hours_heatmap", params)
    grid = pd.MultiIndex.from_product([range(1, 8), range(24)], names=["weekday", "hour"])
    frame = (
        found.set_index(["weekday", "hour"])
        .reindex(grid, fill_value=0)
        .reset_index()
        .astype({"events": int, "members": int})
    )
    total = frame["events"].sum()
    frame["share"] = frame["events"] / total if total else float("nan")
    return frame


def hour_share(heatmap: pd.DataFrame) -> pd.DataFrame:
    """Share of activity by hour of day: ``hour``, ``events``, ``share``."""
    hours = heatmap.groupby("hour", as_index=False)["events"].sum()
    total = hours["events"].sum()
    hours["share"] = hours["events"] / total if total else float("nan")
    return hours


def peak_hour(heatmap: pd.DataFrame) -> int | None:
    """The hour of day with most events (the earliest wins a tie); None without events."""
    hours = hour_share(heatmap)
    if hours["events"].sum() == 0:
        return None
    return int(hours.sort_values(["events", "hour"], ascending=[False, True])["hour"].iloc[0])


def best_contact_hours(store: Store, filters: GlobalFilters, as_of: date) -> pd.DataFrame:
    """Each member's best contact hour: their most active hour in the 90 days ending as-of.

    Members in scope with activity (events, timed orders) in those days; the earliest
    hour wins a tie.
    Columns: ``member_key``, ``member_id``, ``best_hour``, ``events_in_best_hour``,
    ``events``.
    """
    frame = store.query("metrics/hours_best_contact", {"as_of": as_of, **filters.sql_params()})
    return frame[["member_key", "member_id", "best_hour", "events_in_best_hour", "events"]]


def best_hour_distribution(store: Store, filters: GlobalFilters, as_of: date) -> pd.DataFrame:
    """How many members have each hour as their best contact hour: ``hour``, ``members``
    (the members of :func:`best_contact_hours`, counted in SQL)."""
    found = store.query("metrics/hours_best_distribution", {"as_of": as_of, **filters.sql_params()})
    counts = found.set_index("hour")["members"].reindex(range(24), fill_value=0)
    return pd.DataFrame({"hour": range(24), "members": counts.to_numpy().astype(int)})


# -- tiers -----------------------------------------------------------------------------------

TIER_GRAINS: tuple[str, ...] = ("day", "week", "month")
UPGRADE_MARGIN = 0.10  # SPEC §4: within 10% of the next threshold


def tiers_over_time(
    store: Store, filters: GlobalFilters, as_of: date, grain: str = "week"
) -> pd.DataFrame:
    """Members per tier at the end of each day, week or month of the period (and its end).

    Replays the tier history. Columns: ``day``, ``tier_code``, ``rank``, ``members``.
    """
    check_choice("grain", grain, TIER_GRAINS)
    frame = store.query("metrics/tiers_over_time", {**_scope(filters, as_of), "grain": grain})
    frame["day"] = pd.to_datetime(frame["day"])
    return frame


def tier_migration(
    store: Store,
    filters: GlobalFilters,
    as_of: date,
    from_day: date | None = None,
    to_day: date | None = None,
) -> pd.DataFrame:
    """Migration matrix: members by tier at the end of ``from_day`` and of ``to_day``.

    Defaults: the day before the period starts and the period's last day. Members without a
    tier yet at ``from_day`` are left out. Columns: ``from_tier``, ``to_tier``, ``members``,
    ``share_of_from`` (of the members who were in ``from_tier``).
    """
    period = filters.period(as_of)
    from_day = from_day or period.start - timedelta(days=1)
    to_day = to_day or period.end
    params = {"from_day": from_day, "to_day": to_day, **filters.sql_params()}
    frame = store.query("metrics/tiers_migration", params)
    frame["share_of_from"] = frame["share_of_from"].astype(float)
    return frame


def tier_summary(store: Store, filters: GlobalFilters, as_of: date) -> pd.DataFrame:
    """Per tier: members at the period's end, the period's paid orders by the tier held when
    paying, revenue, discount cost, median repurchase interval, upgrade candidates.

    Columns: ``tier_code``, ``members``, ``orders``, ``revenue``, ``discount_cost``,
    ``repurchases`` (orders with a previous paid order), ``median_repurchase_days`` (days
    since the member's previous paid order; empty without repurchases),
    ``upgrade_candidates`` (see :func:`upgrade_candidates`).
    """
    period = filters.period(as_of)
    frame = store.query("metrics/tiers_summary", _scope(filters, as_of))
    frame = _nullable(frame, ["revenue", "discount_cost", "median_repurchase_days"])
    at_end = dataclasses.replace(filters, start=period.end, end=period.end)
    snapshot = tiers_over_time(store, at_end, as_of, "day")
    members = snapshot.set_index("tier_code")["members"]
    frame["members"] = frame["tier_code"].map(members).fillna(0).astype(int)
    candidates = upgrade_candidates(store, filters, as_of)
    frame["upgrade_candidates"] = (
        frame["tier_code"].map(candidates.groupby("tier").size()).fillna(0).astype(int)
    )
    return frame[
        [
            "tier_code",
            "members",
            "orders",
            "revenue",
            "discount_cost",
            "repurchases",
            "median_repurchase_days",
            "upgrade_candidates",
        ]
    ]


def upgrade_candidates(
    store: Store, filters: GlobalFilters, as_of: date, margin: float = UPGRADE_MARGIN
) -> pd.DataFrame:
    """Members within ``margin`` (10%) below the next tier's threshold (upgrade opportunity).

    Spend is paid spend over the 12 months ending the as-of date; cancelled members are
    left out. Columns: ``member_key``, ``member_id``, ``tier``, ``next_tier``, ``spend``,
    ``next_threshold``, ``gap`` (amount still to spend), smallest gap first.
    """
    params = {"as_of": as_of, "margin": float(margin), **filters.sql_params()}
    frame = store.query("metrics/tiers_upgrade_candidates", params)
    return _nullable(frame, ["spend", "next_threshold", "gap"])


# -- demographics and search -----------------------------------------------------------------


def purchase_rates(store: Store, filters: GlobalFilters, as_of: date) -> pd.DataFrame:
    """Purchase rate by gender and age band per category over the period.

    Members in scope who signed up by the period's end, by gender (``U`` when unknown) and
    age band at the period's end (``<18``, ``18-24``, ``25-34``, ``35-44``, ``45-54``,
    ``55+``, ``unknown``). Columns: ``gender``, ``age_band``, ``category``, ``members``,
    ``buyers`` (with a paid order in the category in the period), ``purchase_rate``.
    """
    frame = store.query("metrics/demographics_purchase_rate", _scope(filters, as_of))
    frame["purchase_rate"] = frame["purchase_rate"].astype(float)
    return frame


def top_keywords(
    store: Store, filters: GlobalFilters, as_of: date, limit: int = 20
) -> pd.DataFrame:
    """The most searched keywords of the period, with the previous period for comparison.

    Columns: ``keyword``, ``searches``, ``members`` (distinct searchers), ``share`` (of the
    period's searches), ``previous_searches`` (the same-length period before; empty when it
    starts before the data), ``change`` (relative; empty when there was none before).
    """
    period = filters.period(as_of)
    previous = period.previous()
    first_day, _ = data_bounds(store)
    params = {
        **_scope(filters, as_of),
        "prev_start": previous.start,
        "limit": int(limit),
    }
    frame = store.query("metrics/keywords_top", params)
    frame = _nullable(frame, ["share", "previous_searches"])
    if first_day is None or previous.start < first_day:
        frame["previous_searches"] = float("nan")
    before = frame["previous_searches"].where(frame["previous_searches"] > 0)
    frame["change"] = frame["searches"] / before - 1
    return frame


def keyword_trend(
    store: Store,
    filters: GlobalFilters,
    as_of: date,
    keywords: tuple[str, ...] | None = None,
    unit: str = "week",
) -> pd.DataFrame:
    """Searches per day, week or month for ``keywords`` (default: the top 5 of the period).

    Columns: ``period``, ``keyword``, ``searches`` (every keyword × period present, zero
    when not searched, empty for a bucket the period's start or end cuts short).
    """
    check_choice("unit", unit, COHORT_UNITS)
    if keywords is None:
        keywords = tuple(top_keywords(store, filters, as_of, limit=5)["keyword"])
    params = {**_scope(filters, as_of), "unit": unit, "keywords": list(keywords)}
    found = store.query("metrics/keywords_trend", params)
    period = filters.period(as_of)
    starts = pd.date_range(
        pd.Timestamp(period.start)
        .to_period({"day": "D", "week": "W-SUN", "month": "M"}[unit])
        .start_time,
        pd.Timestamp(period.end),
        freq={"day": "D", "week": "W-MON", "month": "MS"}[unit],
    )
    grid = pd.MultiIndex.from_product([starts, list(keywords)], names=["period", "keyword"])
    found["period"] = pd.to_datetime(found["period"])
    frame = (
        found.set_index(["period", "keyword"])
        .reindex(grid, fill_value=0)
        .reset_index()
        .astype({"searches": float})
    )
    # a bucket cut by the period's start or end is incomplete: empty, not a low count
    ends = frame["period"] + UNIT_STEP[unit] - pd.Timedelta(days=1)
    cut = (frame["period"] < pd.Timestamp(period.start)) | (ends > pd.Timestamp(period.end))
    frame.loc[cut, "searches"] = float("nan")
    return frame


# The views the pages call through the cache in core/ui.py (``ui.cached_view``).
ANALYTICS_VIEWS: dict[str, object] = {
    "activity_daily": activity_daily,
    "lifecycle": lifecycle,
    "active_days_distribution": active_days_distribution,
    "retention_matrix": retention_matrix,
    "retention_trend": retention_trend,
    "retention_curve": retention_curve,
    "retention_breakdown": retention_breakdown,
    "ltv_cohorts": ltv_cohorts,
    "ltv_by_group": ltv_by_group,
    "channel_table": channel_table,
    "campaign_comparison": campaign_comparison,
    "funnel": funnel,
    "hour_heatmap": hour_heatmap,
    "best_hour_distribution": best_hour_distribution,
    "tiers_over_time": tiers_over_time,
    "tier_migration": tier_migration,
    "tier_summary": tier_summary,
    "upgrade_candidates": upgrade_candidates,
    "purchase_rates": purchase_rates,
    "top_keywords": top_keywords,
    "keyword_trend": keyword_trend,
}

# click paths and dwell time (core/paths.py), read by pages/paths.py through core.ui.cached_view
ANALYTICS_VIEWS.update(paths.VIEWS)

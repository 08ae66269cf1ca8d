"""Dashboard metrics (SPEC §4), computed in SQL (``sql/metrics/``) over the global filters.

Every function takes the store, a :class:`~core.filters.GlobalFilters` and an explicit
as-of date, and returns a DataFrame or a small dataclass. Nothing here reads the clock or
Streamlit state. Missing values are ``None`` ("not computable yet"), never zero.

Overview definitions, for the period P = ``filters.period(as_of)`` and the previous period
of the same length ending the day before P starts:

- **members**: members in scope who signed up on or before the last day of the period.
- **new members**: members in scope who signed up during the period.
- **DAU**: mean over the days of the period of the distinct members active that day
  (a member is active on a day with at least one event; days without any are zeros).
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

Changes compare with the previous period: relative change for counts and money, change in
percentage points for rates. When the previous period starts before the data does, it is
incomplete and every change is ``None``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

import pandas as pd

from core.filters import GlobalFilters, Period
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
    """Overview KPIs for ``filters.period(as_of)`` against the previous same-length period."""
    first_day, _ = data_bounds(store)
    period = filters.period(as_of)
    previous = period.previous()
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

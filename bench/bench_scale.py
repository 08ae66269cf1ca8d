"""Scale benchmark (SPEC §9, issue 8): dashboard queries against plain pandas and the scan floor.

Usage::

    .venv/bin/python -m bench.bench_scale --db /tmp/ml_scale.duckdb \
        [--runs 5] [--pandas-runs 3] [--parquet-dir /tmp/ml_parquet] [--only TEXT] \
        [--no-pandas] [--json] [--markdown results.md]

For every query behind every dashboard page (the ``ANALYTICS_VIEWS`` cases of
:mod:`bench.bench_queries`, the overview page and the churn at-risk list) and for two
filters — ``all`` (the whole history, no member filter) and ``narrow`` (the most populous
region, the most common tier and the 3 months ending the as-of date) — it measures:

- the view itself (``core.metrics``: SQL plus the pandas around it): median of ``--runs``
  calls after one untimed warm-up, whose time is kept as ``first ms`` (a cold cache miss);
- ``pandas``: the same metric in plain pandas (no DuckDB) over the same data exported to
  Parquet and loaded into memory beforehand (the load is timed separately, not per query):
  median of ``--pandas-runs`` calls. Families with a pandas version: overview, activity
  (DAU/WAU/MAU, active-days distribution), retention matrix, LTV cohorts, channels, funnel
  (member), hours (heatmap, best hour), tiers over time, top keywords; the other views print
  ``-``;
- ``floor``: one DuckDB scan of the columns and rows the query needs
  (``select count(*), bit_xor(hash(col)), ...`` with its date range and member filter;
  ``max(col)`` would be answered from column statistics without reading the rows).

Peak RSS (``ru_maxrss``) is recorded after the DuckDB phase (what the app process holds)
and again after the pandas phase. The store is opened read-only.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import resource
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from core import churn, metrics, rollups
from core.filters import GlobalFilters
from core.store import StoreError, open_store

DAY = pd.Timedelta(days=1)


@dataclass(frozen=True)
class Case:
    label: str
    page: str
    call: Callable  # (store, filters, as_of) -> result
    pandas: str | None  # key of PANDAS
    floor: str  # key of FLOORS
    options: dict = dataclasses.field(default_factory=dict)


def _view(name: str, **options) -> Callable:
    function = metrics.ANALYTICS_VIEWS[name]
    return lambda store, filters, as_of: function(store, filters, as_of, **options)


def cases(run_id: int | None) -> list[Case]:
    view = _view
    found = [
        Case("overview kpis", "overview", metrics.overview, "overview", "overview"),
        Case("overview daily_trend", "overview", metrics.daily_trend, None, "daily_trend"),
        Case("overview tier_mix", "overview", metrics.tier_mix, None, "members"),
        Case("activity_daily", "activity", view("activity_daily"), "activity", "activity"),
        Case("lifecycle week", "activity", view("lifecycle", unit="week"), None, "lifecycle"),
        Case(
            "active_days_distribution",
            "activity",
            view("active_days_distribution"),
            "active_days",
            "active_days",
        ),
        Case(
            "retention_matrix week",
            "retention",
            view("retention_matrix", cohort="week"),
            "retention_week",
            "retention_week",
        ),
        Case(
            "retention_matrix month",
            "retention",
            view("retention_matrix", cohort="month"),
            "retention_month",
            "retention_month",
        ),
        Case(
            "retention_trend week",
            "retention",
            view("retention_trend", cohort="week"),
            None,
            "retention",
        ),
        Case("retention_curve", "retention", view("retention_curve"), None, "retention"),
        Case(
            "retention_breakdown channel",
            "retention",
            view("retention_breakdown", dimension="channel"),
            None,
            "retention",
        ),
        Case("ltv_cohorts", "ltv", view("ltv_cohorts"), "ltv", "ltv"),
        Case("ltv_by_group channel", "ltv", view("ltv_by_group", dimension="channel"), None, "ltv"),
        Case("channel_table", "channels", view("channel_table"), "channels", "channels"),
        Case("campaign_comparison", "channels", view("campaign_comparison"), None, "members"),
        Case("funnel member", "funnel", view("funnel"), "funnel", "funnel"),
        Case(
            "funnel session by device",
            "funnel",
            view("funnel", unit="session", dimension="device"),
            None,
            "funnel_session",
        ),
        Case("hour_heatmap all", "hours", view("hour_heatmap"), "heatmap", "heatmap"),
        Case(
            "hour_heatmap high_value",
            "hours",
            view("hour_heatmap", group="high_value"),
            None,
            "heatmap_high_value",
        ),
        Case(
            "best_hour_distribution",
            "hours",
            view("best_hour_distribution"),
            "best_hour",
            "best_hour",
        ),
        Case(
            "tiers_over_time month",
            "tiers",
            view("tiers_over_time", grain="month"),
            "tiers_month",
            "tier_history",
        ),
        Case("tier_migration", "tiers", view("tier_migration"), None, "tier_history"),
        Case("tier_summary", "tiers", view("tier_summary"), None, "tier_summary"),
        Case("upgrade_candidates", "tiers", view("upgrade_candidates"), None, "orders_12m"),
        Case("purchase_rates", "demographics", view("purchase_rates"), None, "purchase_rates"),
        Case("top_keywords", "demographics", view("top_keywords"), "keywords", "keywords"),
        Case("keyword_trend", "demographics", view("keyword_trend"), None, "keywords"),
    ]
    if run_id is not None:
        found.append(
            Case(
                "churn at_risk list",
                "churn",
                lambda store, filters, as_of: churn.at_risk_list(store, run_id, filters, 0.0),
                None,
                "at_risk",
            )
        )
    return found


# -- the two filters -------------------------------------------------------------------------


def filter_sets(store, first_day: date, as_of: date) -> dict[str, GlobalFilters]:
    region, tier = store.df(
        "select (select region from members group by region order by count(*) desc, region "
        "limit 1), (select tier from members where tier is not null group by tier "
        "order by count(*) desc, tier limit 1)"
    ).iloc[0]
    three_months = (pd.Timestamp(as_of) - pd.DateOffset(months=3) + DAY).date()
    return {
        "all": GlobalFilters(start=first_day, end=as_of),
        "narrow": GlobalFilters(
            start=three_months, end=as_of, regions=(str(region),), tiers=(str(tier),)
        ),
    }


# -- floors: one scan of the columns and rows a query needs ----------------------------------

# Tables carrying the member's attributes (core.rollups): the queries that read them filter
# on their columns, and so do their floors.
ROLLUP_TABLES = {rollup.table for rollup in rollups.ROLLUPS if rollup.member_attributes}


def _scope_sql(filters: GlobalFilters, column: str = "member_key") -> tuple[str, dict]:
    if not filters.narrows_members:
        return "", {}
    clauses, params = [], {}
    for name, values in (("region", filters.regions), ("tier", filters.tiers)):
        if values:
            clauses.append(f"list_contains(${name}s::varchar[], {name})")
            params[f"{name}s"] = list(values)
    where = " and ".join(clauses) or "true"
    return f" and {column} in (select member_key from members where {where})", params  # noqa: S608


def _scan(table: str, columns: list[str], where: str, filters: GlobalFilters) -> tuple:
    """One scan of ``columns`` of the rows of ``table`` in ``where`` and the member filter:
    a column predicate on tables that carry the member's attributes (members and the
    rollups), else a semi join to members (events, orders, tier_history)."""
    scope, params = _scope_sql(filters)
    if table == "members" or table in ROLLUP_TABLES:
        scope = scope.replace("member_key in (select member_key from members where", "(")
    aggregates = ", ".join(f"bit_xor(hash({column}))" for column in columns)
    sql = f"select count(*), {aggregates} from {table} where {where}{scope}"  # noqa: S608
    return sql, params


def floor_scans(key: str, filters: GlobalFilters, as_of: date, run_id) -> list[tuple]:
    period = filters.period(as_of)
    start, end = period.start, period.end
    prev = period.previous()

    def d(day: date) -> str:
        return f"date '{day.isoformat()}'"

    orders = ["member_key", "paid_at", "amount", "status"]
    members = ["member_key", "signup_at"]
    if key == "overview":
        scans = []
        for p in (period, prev):
            low = min(p.start, p.end - timedelta(days=29))
            high = min(p.end + timedelta(days=7), as_of)
            scans.append(
                _scan(
                    "member_day",
                    ["member_key", "day", "next_day", "signup_day"],
                    f"day between {d(low)} and {d(high)}",
                    filters,
                )
            )
            scans.append(
                _scan(
                    "paid_orders",
                    ["day", "amount"],
                    f"day between {d(p.start)} and {d(p.end)}",
                    filters,
                )
            )
        scans.append(_scan("members", members, "true", filters))
        return scans
    if key == "daily_trend":
        return [
            _scan("member_day", ["day"], f"day between {d(start)} and {d(end)}", filters),
            _scan(
                "paid_orders", ["day", "amount"], f"day between {d(start)} and {d(end)}", filters
            ),
        ]
    if key == "members":
        return [_scan("members", ["member_key", "signup_at", "channel", "tier"], "true", filters)]
    if key == "activity":
        low = start - timedelta(days=29)
        return [
            _scan("member_day", ["day", "next_day"], f"day between {d(low)} and {d(end)}", filters)
        ]
    if key == "active_days":
        low = end - timedelta(days=29)
        return [_scan("member_day", ["member_key"], f"day between {d(low)} and {d(end)}", filters)]
    weeks = ["period", "prev_period", "next_period", "signup_day"]
    if key == "lifecycle":  # weekly: the member_week rollup
        low = start - timedelta(days=13)
        return [
            _scan("member_week", weeks, f"period between {d(low)} and {d(end)}", filters),
            _scan("members", members, "true", filters),
        ]
    if key in ("retention_week", "retention_month"):
        table = {"retention_week": "member_week", "retention_month": "member_month"}[key]
        low = start - timedelta(days=31)
        return [
            _scan("members", members, "true", filters),
            _scan(table, weeks + ["first_day"], f"period between {d(low)} and {d(as_of)}", filters),
        ]
    if key == "retention":  # trend, curve, breakdown: day offsets on member_day
        low = start - timedelta(days=31)
        columns = ["day", "signup_day", "first_day", "channel"]
        return [
            _scan("members", members, "true", filters),
            _scan("member_day", columns, f"day between {d(low)} and {d(as_of)}", filters),
        ]
    if key == "ltv":
        return [
            _scan("members", members + ["channel"], "true", filters),
            _scan(
                "paid_orders",
                ["signup_day", "paid_at", "amount", "channel"],
                f"day <= {d(as_of)}",
                filters,
            ),
        ]
    if key == "channels":
        return [
            _scan(
                "member_facts",
                ["signup_day", "channel", "activated_7d", "revenue_90d"],
                f"signup_day between {d(start)} and {d(end)}",
                filters,
            ),
            _scan(
                "paid_orders",
                ["channel", "amount"],
                f"day between {d(start)} and {d(end)}",
                filters,
            ),
        ]
    in_days = f"day between {d(start)} and {d(end)}"
    reach = ["prev_day", "reach_1", "reach_2", "reach_3", "reach_4"]
    if key == "funnel":
        return [_scan("funnel_day", ["day"] + reach, f"chain = 'member' and {in_days}", filters)]
    if key == "funnel_session":
        columns = ["day", "event_device"] + reach
        return [_scan("funnel_day", columns, f"chain = 'session' and {in_days}", filters)]
    slots = ["member_key", "day", "hour", "events", "prev_slot_day"]
    if key == "heatmap":
        return [_scan("member_hour", slots, in_days, filters)]
    if key == "heatmap_high_value":
        year = (pd.Timestamp(as_of) - pd.DateOffset(months=12) + DAY).date()
        return [
            _scan("member_hour", slots, in_days, filters),
            _scan("paid_orders", ["member_key", "amount"], f"day >= {d(year)}", GlobalFilters()),
        ]
    if key == "best_hour":
        low = as_of - timedelta(days=89)
        where = f"day between {d(low)} and {d(as_of)}"
        return [_scan("member_hour", ["member_key", "hour", "events"], where, filters)]
    if key == "tier_history":
        return [_scan("tier_spans", ["to_tier", "valid_from", "valid_to"], "true", filters)]
    if key == "tier_summary":  # + members per tier at the end (spans), upgrade candidates
        columns = ["tier_at_paid", "amount", "discount_amount", "day", "prev_paid_at"]
        year = (pd.Timestamp(as_of) - pd.DateOffset(months=12) + DAY).date()
        return [
            _scan("paid_orders", columns, f"day between {d(start)} and {d(end)}", filters),
            _scan("tier_spans", ["to_tier", "valid_from", "valid_to"], "true", filters),
            _scan("paid_orders", ["member_key", "tier", "amount"], f"day >= {d(year)}", filters),
        ]
    if key == "orders_12m":
        year = (pd.Timestamp(as_of) - pd.DateOffset(months=12) + DAY).date()
        return [
            _scan("paid_orders", ["member_key", "tier", "amount"], f"day >= {d(year)}", filters)
        ]
    if key == "purchase_rates":
        return [
            _scan("members", ["member_key", "signup_at", "gender", "birth_date"], "true", filters),
            _scan(
                "orders",
                orders + ["category"],
                f"paid_at >= {d(start)} and paid_at < {d(end + timedelta(days=1))}",
                filters,
            ),
        ]
    if key == "keywords":
        where = f"day between {d(prev.start)} and {d(end)}"
        return [_scan("search_day", ["day", "keyword", "searches", "prev_day"], where, filters)]
    if key == "at_risk":
        scope, params = _scope_sql(filters)
        sql = (
            "select count(*), bit_xor(hash(value_at_risk)), bit_xor(hash(churn_probability)) "  # noqa: S608
            f"from churn_member_scores where run_id = {int(run_id)} and active{scope}"
        )
        return [(sql, params)]
    raise KeyError(key)


def run_floor(store, scans: list[tuple]) -> None:
    for sql, params in scans:
        store.df(sql, params)


# -- plain pandas ----------------------------------------------------------------------------


class Frames:
    """The Parquet export loaded into pandas (only the columns the pandas versions read)."""

    def __init__(self, directory: Path):
        def read(name, columns):
            return pd.read_parquet(directory / f"{name}.parquet", columns=columns)

        self.members = read("members", ["member_key", "signup_at", "region", "tier", "channel"])
        self.events = read("events", ["member_key", "event_time", "event_type", "keyword"])
        for column in ("event_type", "keyword"):
            self.events[column] = self.events[column].astype("category")
        self.orders = read("orders", ["member_key", "paid_at", "amount", "status"])
        self.orders = self.orders[self.orders["status"] == "paid"].drop(columns="status")
        self.tier_history = read("tier_history", ["member_key", "to_tier", "changed_at"])


def export_parquet(store, directory: Path) -> float:
    """Write events, members, orders and tier_history to ``directory`` (seconds taken)."""
    directory.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    queries = {
        "members": "select member_key, signup_at, region, tier, channel from members",
        "events": "select member_key, event_time, event_type, keyword from events",
        "orders": (
            "select member_key, paid_at, cast(amount as double) as amount, status from orders"
        ),
        "tier_history": "select member_key, to_tier, changed_at from tier_history",
    }
    for name, sql in queries.items():
        target = directory / f"{name}.parquet"
        if not target.exists():
            store.cursor().execute(f"copy ({sql}) to '{target}' (format parquet)")
    return time.perf_counter() - started


def _scoped_keys(frames: Frames, filters: GlobalFilters) -> np.ndarray | None:
    if not filters.narrows_members:
        return None
    members = frames.members
    mask = np.ones(len(members), dtype=bool)
    if filters.regions:
        mask &= members["region"].isin(filters.regions).to_numpy()
    if filters.tiers:
        mask &= members["tier"].isin(filters.tiers).to_numpy()
    if filters.channels:
        mask &= members["channel"].isin(filters.channels).to_numpy()
    return members["member_key"].to_numpy()[mask]


def _scoped(frame: pd.DataFrame, keys: np.ndarray | None) -> pd.DataFrame:
    return frame if keys is None else frame[frame["member_key"].isin(keys)]


def _events_between(frames, keys, low: date, high: date) -> pd.DataFrame:
    events = frames.events
    times = events["event_time"]
    mask = (times >= pd.Timestamp(low)) & (times < pd.Timestamp(high) + DAY)
    return _scoped(events[mask], keys)


def _member_days(events: pd.DataFrame) -> pd.DataFrame:
    days = pd.DataFrame(
        {"member_key": events["member_key"].to_numpy(), "day": events["event_time"].dt.floor("D")}
    )
    return days.drop_duplicates()


def pd_activity(frames, filters, as_of):
    period = filters.period(as_of)
    keys = _scoped_keys(frames, filters)
    days = _member_days(
        _events_between(frames, keys, period.start - timedelta(days=29), period.end)
    )
    days = days.sort_values(["member_key", "day"])
    following = days.groupby("member_key")["day"].shift(-1)
    grid = pd.date_range(pd.Timestamp(period.start) - 29 * DAY, pd.Timestamp(period.end))
    out = pd.DataFrame(index=grid)
    for width, name in ((1, "dau"), (7, "wau"), (30, "mau")):
        ends = days["day"] + width * DAY
        ends = ends.where(following.isna() | (following > ends), following)
        plus = days["day"].value_counts().reindex(grid, fill_value=0)
        minus = ends.value_counts().reindex(grid, fill_value=0)
        out[name] = (plus - minus).cumsum()
    return out.loc[pd.Timestamp(period.start) :]


def _period_kpis(frames, keys, start: date, end: date, as_of: date) -> dict:
    members = _scoped(frames.members, keys)
    signup = members["signup_at"].dt.floor("D")
    low = min(start, end - timedelta(days=29))
    high = max(end, min(end + timedelta(days=7), as_of))
    days = _member_days(_events_between(frames, keys, low, high))
    in_period = days[(days["day"] >= pd.Timestamp(start)) & (days["day"] <= pd.Timestamp(end))]
    n_days = (end - start).days + 1
    mau_days = days[
        (days["day"] >= pd.Timestamp(end - timedelta(days=29))) & (days["day"] <= pd.Timestamp(end))
    ]
    orders = _scoped(frames.orders, keys)
    paid = orders[
        (orders["paid_at"] >= pd.Timestamp(start)) & (orders["paid_at"] < pd.Timestamp(end) + DAY)
    ]
    cohort = members[(signup >= pd.Timestamp(start)) & (signup <= pd.Timestamp(end))]
    cohort_day = cohort["signup_at"].dt.floor("D")
    active = pd.MultiIndex.from_frame(days[["member_key", "day"]])
    result = {}
    for n in (1, 7):
        eligible = cohort_day + n * DAY <= pd.Timestamp(as_of)
        probe = pd.MultiIndex.from_arrays([cohort["member_key"], cohort_day + n * DAY])
        result[f"d{n}"] = (int(eligible.sum()), int((probe.isin(active) & eligible).sum()))
    return {
        "members": int((signup <= pd.Timestamp(end)).sum()),
        "new_members": len(cohort),
        "dau": len(in_period) / n_days,
        "mau": mau_days["member_key"].nunique(),
        "period_active": in_period["member_key"].nunique(),
        "orders": len(paid),
        "revenue": paid["amount"].sum(),
        **result,
    }


def pd_overview(frames, filters, as_of):
    period = filters.period(as_of)
    keys = _scoped_keys(frames, filters)
    previous = period.previous()
    return [_period_kpis(frames, keys, p.start, p.end, as_of) for p in (period, previous)]


def pd_active_days(frames, filters, as_of):
    end = filters.period(as_of).end
    keys = _scoped_keys(frames, filters)
    days = _member_days(_events_between(frames, keys, end - timedelta(days=29), end))
    return days.groupby("member_key").size().value_counts().sort_index()


def _pd_retention(frames, filters, as_of, unit: str, max_period: int):
    period = filters.period(as_of)
    keys = _scoped_keys(frames, filters)
    members = _scoped(frames.members, keys)
    signup = members["signup_at"].dt.floor("D")
    freq = {"week": "W-SUN", "month": "M"}[unit]
    cohort = signup.dt.to_period(freq)
    first = pd.Timestamp(period.start).to_period(freq)
    chosen = (cohort >= first) & (signup <= pd.Timestamp(period.end))
    cohorts = pd.DataFrame({"member_key": members["member_key"][chosen], "cohort": cohort[chosen]})
    events = _events_between(frames, None, first.start_time.date(), as_of)
    events = events[events["member_key"].isin(cohorts["member_key"])]
    active = pd.DataFrame(
        {
            "member_key": events["member_key"].to_numpy(),
            "bucket": events["event_time"].dt.to_period(freq),
        }
    ).drop_duplicates()
    active = active.merge(cohorts, on="member_key")
    active["period"] = active["bucket"].array.asi8 - active["cohort"].array.asi8
    active = active[(active["period"] >= 0) & (active["period"] <= max_period)]
    retained = active.groupby(["cohort", "period"]).size()
    sizes = cohorts.groupby("cohort").size()
    return retained.unstack(fill_value=0).div(sizes, axis=0)


def pd_retention_week(frames, filters, as_of):
    return _pd_retention(frames, filters, as_of, "week", 12)


def pd_retention_month(frames, filters, as_of):
    return _pd_retention(frames, filters, as_of, "month", 12)


def pd_ltv(frames, filters, as_of):
    period = filters.period(as_of)
    keys = _scoped_keys(frames, filters)
    members = _scoped(frames.members, keys)
    cohort = members["signup_at"].dt.to_period("M")
    first = pd.Timestamp(period.start).to_period("M")
    chosen = (cohort >= first) & (cohort.dt.start_time <= pd.Timestamp(period.end))
    cohorts = pd.DataFrame({"member_key": members["member_key"][chosen], "cohort": cohort[chosen]})
    orders = frames.orders[frames.orders["paid_at"] < pd.Timestamp(as_of) + DAY]
    paid = orders.merge(cohorts, on="member_key")
    paid_month = paid["paid_at"].dt.to_period("M")
    paid["month"] = (paid_month.dt.year - paid["cohort"].dt.year) * 12 + (
        paid_month.dt.month - paid["cohort"].dt.month
    )
    revenue = paid.groupby(["cohort", "month"])["amount"].sum().unstack(fill_value=0.0)
    revenue = revenue.reindex(columns=range(13), fill_value=0.0).cumsum(axis=1)
    sizes = cohorts.groupby("cohort").size()
    return revenue.div(sizes, axis=0)


def pd_channels(frames, filters, as_of):
    period = filters.period(as_of)
    keys = _scoped_keys(frames, filters)
    members = _scoped(frames.members, keys)
    members = members.assign(channel=members["channel"].fillna(""))
    signup_day = members["signup_at"].dt.floor("D")
    signups = members[
        (signup_day >= pd.Timestamp(period.start)) & (signup_day <= pd.Timestamp(period.end))
    ]
    orders = frames.orders.merge(signups[["member_key", "signup_at"]], on="member_key")
    orders = orders[orders["paid_at"] >= orders["signup_at"]]
    since = orders["paid_at"] - orders["signup_at"]
    activated = orders.loc[since < pd.Timedelta(days=7), "member_key"].unique()
    revenue_90 = orders[since < pd.Timedelta(days=90)].groupby("member_key")["amount"].sum()
    s_day = signups["signup_at"].dt.floor("D")
    table = pd.DataFrame(
        {
            "channel": signups["channel"],
            "activation_known": s_day + 7 * DAY <= pd.Timestamp(as_of),
            "ltv_known": s_day + 90 * DAY <= pd.Timestamp(as_of),
            "activated": signups["member_key"].isin(activated),
            "revenue_90d": signups["member_key"].map(revenue_90).fillna(0.0),
        }
    )
    table["activated"] &= table["activation_known"]
    table["revenue_90d"] = table["revenue_90d"].where(table["ltv_known"], 0.0)
    summary = table.groupby("channel").agg(
        signups=("channel", "size"),
        activation_eligible=("activation_known", "sum"),
        activated=("activated", "sum"),
        ltv_eligible=("ltv_known", "sum"),
        revenue_90d=("revenue_90d", "sum"),
    )
    scoped_orders = _scoped(frames.orders, keys)
    in_period = scoped_orders[
        (scoped_orders["paid_at"] >= pd.Timestamp(period.start))
        & (scoped_orders["paid_at"] < pd.Timestamp(period.end) + DAY)
    ]
    channel_of = members.set_index("member_key")["channel"]
    summary["revenue"] = in_period.groupby(in_period["member_key"].map(channel_of))["amount"].sum()
    return summary


def pd_funnel(frames, filters, as_of):
    period = filters.period(as_of)
    keys = _scoped_keys(frames, filters)
    events = _events_between(frames, keys, period.start, period.end)
    steps = events[events["event_type"].isin(metrics.FUNNEL_STEPS)]
    reached = steps[steps["event_type"] == "page_view"].groupby("member_key")["event_time"].min()
    counts = [len(reached)]
    for step in metrics.FUNNEL_STEPS[1:]:
        later = steps[steps["event_type"] == step]
        later = later[later["member_key"].isin(reached.index)]
        later = later[
            later["event_time"].to_numpy() >= reached.reindex(later["member_key"]).to_numpy()
        ]
        reached = later.groupby("member_key")["event_time"].min()
        counts.append(len(reached))
    return counts


def pd_heatmap(frames, filters, as_of):
    period = filters.period(as_of)
    keys = _scoped_keys(frames, filters)
    events = _events_between(frames, keys, period.start, period.end)
    times = events["event_time"]
    return (
        pd.DataFrame(
            {
                "weekday": times.dt.dayofweek + 1,
                "hour": times.dt.hour,
                "member_key": events["member_key"].to_numpy(),
            }
        )
        .groupby(["weekday", "hour"])["member_key"]
        .agg(["size", "nunique"])
    )


def pd_best_hour(frames, filters, as_of):
    keys = _scoped_keys(frames, filters)
    events = _events_between(frames, keys, as_of - timedelta(days=89), as_of)
    counts = (
        pd.DataFrame(
            {"member_key": events["member_key"].to_numpy(), "hour": events["event_time"].dt.hour}
        )
        .groupby(["member_key", "hour"])
        .size()
        .reset_index(name="events")
        .sort_values(["member_key", "events", "hour"], ascending=[True, False, True])
    )
    best = counts.drop_duplicates("member_key")
    return best["hour"].value_counts().reindex(range(24), fill_value=0)


def pd_tiers_month(frames, filters, as_of):
    period = filters.period(as_of)
    keys = _scoped_keys(frames, filters)
    history = _scoped(frames.tier_history, keys).sort_values(["member_key", "changed_at"])
    days = pd.date_range(period.start, period.end)
    snapshots = sorted({day for day in days if day.is_month_end} | {pd.Timestamp(period.end)})
    rows = {}
    for day in snapshots:
        known = history[history["changed_at"] < day + DAY]
        rows[day] = known.drop_duplicates("member_key", keep="last")["to_tier"].value_counts()
    return pd.DataFrame(rows).T


def pd_keywords(frames, filters, as_of):
    period = filters.period(as_of)
    keys = _scoped_keys(frames, filters)
    events = _events_between(frames, keys, period.start, period.end)
    searches = events[events["event_type"] == "search"]
    top = searches.groupby("keyword", observed=True)["member_key"].agg(["size", "nunique"])
    return top.sort_values("size", ascending=False).head(20)


PANDAS: dict[str, Callable] = {
    "overview": pd_overview,
    "activity": pd_activity,
    "active_days": pd_active_days,
    "retention_week": pd_retention_week,
    "retention_month": pd_retention_month,
    "ltv": pd_ltv,
    "channels": pd_channels,
    "funnel": pd_funnel,
    "heatmap": pd_heatmap,
    "best_hour": pd_best_hour,
    "tiers_month": pd_tiers_month,
    "keywords": pd_keywords,
}


# -- driver ----------------------------------------------------------------------------------


def _median(call: Callable, runs: int) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        memory = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
        memory_gb = f"{int(memory) / 1024 / 1024:.0f} GB"
    except OSError:
        memory_gb = "?"
    import duckdb

    return (
        f"{os.cpu_count()} cores ({cpu}), {memory_gb} RAM, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}, duckdb {duckdb.__version__}, "
        f"pandas {pd.__version__}; load average before the run {os.getloadavg()[0]:.2f}"
    )


def _ratio(top: float | None, bottom: float | None) -> float | None:
    if top is None or bottom is None or bottom == 0:
        return None
    return top / bottom


def _fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def table_lines(rows: list[dict]) -> list[str]:
    header = (
        "| query | filter | median ms | first ms | pandas ms | pandas ÷ duckdb | floor ms "
        "| duckdb ÷ floor |"
    )
    lines = [header, "|---|---|--:|--:|--:|--:|--:|--:|"]
    for row in rows:
        lines.append(
            f"| {row['query']} | {row['filter']} | {_fmt(row['median_ms'])} "
            f"| {_fmt(row['first_ms'])} | {_fmt(row['pandas_ms'], 0)} "
            f"| {_fmt(row['pandas_ratio'])} | {_fmt(row['floor_ms'])} "
            f"| {_fmt(row['floor_ratio'])} |"
        )
    return lines


def page_lines(rows: list[dict]) -> list[str]:
    """First load of each page: the sum of its queries' first (warm-up) calls, per filter."""
    totals: dict[tuple[str, str], float] = {}
    for row in rows:
        key = (row["page"], row["filter"])
        totals[key] = totals.get(key, 0.0) + row["first_ms"]
    filters = sorted({row["filter"] for row in rows})
    lines = ["| page | " + " | ".join(f"first load ms, {f}" for f in filters) + " |"]
    lines.append("|---|" + "--:|" * len(filters))
    for page in dict.fromkeys(row["page"] for row in rows):
        cells = " | ".join(_fmt(totals.get((page, f)), 0) for f in filters)
        lines.append(f"| {page} | {cells} |")
    return lines


def latest_run_id(store) -> int | None:
    try:
        return store.scalar("select max(run_id) from churn_model_runs")
    except Exception:  # noqa: BLE001 (no churn tables in an old store)
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", required=True, help="store file to measure (opened read-only)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per query (default 5)")
    parser.add_argument("--pandas-runs", type=int, default=3, help="timed pandas runs (default 3)")
    parser.add_argument("--parquet-dir", default="/tmp/ml_parquet", help="Parquet export folder")
    parser.add_argument("--only", help="only the queries whose label contains this text")
    parser.add_argument("--filters", default="all,narrow", help="which filters (all,narrow)")
    parser.add_argument("--no-pandas", action="store_true", help="skip the pandas comparison")
    parser.add_argument("--memory-limit", help="DuckDB memory_limit for the store, e.g. 2GB")
    parser.add_argument("--json", action="store_true", help="print one JSON object per row")
    parser.add_argument("--markdown", help="also write the results as Markdown to this file")
    args = parser.parse_args(argv)
    command = "python -m bench.bench_scale " + " ".join(sys.argv[1:] if argv is None else argv)
    described = machine()
    try:
        store = open_store(args.db, read_only=True)
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.memory_limit:
        store.con.execute("select 1")  # the connection exists
        store.con.execute(f"set memory_limit = '{args.memory_limit}'")
    first_day, as_of = metrics.data_bounds(store)
    if as_of is None:
        print("error: the store has no activity", file=sys.stderr)
        return 1
    counts = store.table_counts()
    chosen = set(args.filters.split(","))
    filters = {
        name: f for name, f in filter_sets(store, first_day, as_of).items() if name in chosen
    }
    run_id = latest_run_id(store)
    selected = [case for case in cases(run_id) if not args.only or args.only in case.label]
    log = (lambda text: None) if args.json else print
    log(
        f"store {store.path}: {counts['members']:,} members, {counts['events']:,} events, "
        f"{counts['member_day']:,} member-days, as of {as_of}; {described}"
    )
    log(f"filters: {', '.join(f'{k}={v}' for k, v in filters.items())}")

    rows: list[dict] = []
    for case in selected:
        for name, chosen_filters in filters.items():
            started = time.perf_counter()
            case.call(store, chosen_filters, as_of)  # warm-up, timed as the first call
            first = (time.perf_counter() - started) * 1000
            median = _median(lambda c=case, f=chosen_filters: c.call(store, f, as_of), args.runs)
            scans = floor_scans(case.floor, chosen_filters, as_of, run_id)
            run_floor(store, scans)
            floor = _median(lambda s=scans: run_floor(store, s), args.runs)
            row = {
                "query": case.label,
                "page": case.page,
                "filter": name,
                "median_ms": median,
                "first_ms": first,
                "floor_ms": floor,
                "floor_ratio": _ratio(median, floor),
                "pandas_ms": None,
                "pandas_ratio": None,
            }
            rows.append(row)
            log(
                f"{case.label:<32} {name:<7} median {median:9.1f} ms  first {first:9.1f} ms  "
                f"floor {floor:8.1f} ms  x{row['floor_ratio']:.1f}"
            )
    duckdb_rss = peak_rss_mb()
    log(f"peak RSS after the DuckDB phase: {duckdb_rss:,.0f} MB")

    export_seconds = load_seconds = None
    if not args.no_pandas:
        export_seconds = export_parquet(store, Path(args.parquet_dir))
        started = time.perf_counter()
        frames = Frames(Path(args.parquet_dir))
        load_seconds = time.perf_counter() - started
        log(f"parquet export {export_seconds:.1f} s, pandas load {load_seconds:.1f} s")
        for row in rows:
            case = next(c for c in selected if c.label == row["query"])
            if case.pandas is None:
                continue
            function = PANDAS[case.pandas]
            chosen_filters = filters[row["filter"]]
            row["pandas_ms"] = _median(
                lambda fn=function, f=chosen_filters: fn(frames, f, as_of), args.pandas_runs
            )
            row["pandas_ratio"] = _ratio(row["pandas_ms"], row["median_ms"])
            log(
                f"{row['query']:<32} {row['filter']:<7} pandas {row['pandas_ms']:10.0f} ms  "
                f"x{row['pandas_ratio']:.1f}"
            )
    total_rss = peak_rss_mb()
    summary = {
        "command": command,
        "machine": described,
        "members": counts["members"],
        "events": counts["events"],
        "member_days": counts["member_day"],
        "as_of": as_of.isoformat(),
        "filters": {name: dataclasses.asdict(f) for name, f in filters.items()},
        "runs": args.runs,
        "pandas_runs": args.pandas_runs,
        "peak_rss_mb_duckdb_phase": round(duckdb_rss),
        "peak_rss_mb_total": round(total_rss),
        "parquet_export_s": export_seconds,
        "pandas_load_s": load_seconds,
        "memory_limit": args.memory_limit,
    }
    if args.json:
        for row in rows:
            print(json.dumps(row, default=str))
        print(json.dumps({"summary": summary}, default=str))
    else:
        print()
        print("\n".join(table_lines(rows)))
        print("\n".join(page_lines(rows)))
        print(json.dumps(summary, default=str, indent=1))
    if args.markdown:
        text = [
            f"Command: `{command}`",
            "",
            f"Machine: {described}",
            "",
            f"Store: {counts['members']:,} members, {counts['events']:,} events, "
            f"{counts['member_day']:,} member-days, as of {as_of}. Filters: "
            + "; ".join(f"`{k}` = {v}" for k, v in filters.items()),
            "",
            f"DuckDB: median of {args.runs} runs after a warm-up (`first ms` = the warm-up "
            f"call); peak RSS {duckdb_rss:,.0f} MB after the DuckDB phase. "
            + (
                "pandas: not run (`--no-pandas`)."
                if args.no_pandas
                else f"pandas: median of {args.pandas_runs} runs on frames already in memory "
                f"(Parquet export {_fmt(export_seconds)} s, load {_fmt(load_seconds)} s, not "
                f"counted); peak RSS {total_rss:,.0f} MB with the pandas frames."
            ),
            "",
            *table_lines(rows),
            "",
            *page_lines(rows),
            "",
        ]
        Path(args.markdown).write_text("\n".join(text), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

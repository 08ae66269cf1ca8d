"""Every answer read from the ``member_day`` rollup equals the answer computed from raw events.

The raw definition below computes every rollup column from ``events``, ``orders`` and
``members`` at query time (SPEC §4: active = an event or an order on the day): the counters,
the member's previous / next / first active day and the member's current attributes. (The
demo's orders are derived from its order_paid events, so its active days are the event
days; tests/test_orders_only.py covers stores whose orders are not events.)

On the demo store (read only), three ways:

1. the rollup table itself equals the member × day aggregation of ``events`` (every column);
2. every metric view that reads ``member_day`` gives the same frame when ``member_day`` is
   replaced, inside its SQL, by that aggregation computed from ``events`` at query time (a
   CTE of the same name shadows the table), with and without a member filter;
3. the headline numbers (DAU / WAU / MAU per day, the overview's DAU, MAU and day-1 / day-7
   retention, retention-matrix cells, the active-days distribution) worked out
   independently in pandas from the raw events.

The funnel, time-of-day and search views read their own rollups (funnel_day, member_hour,
search_day), checked the same way in ``tests/test_event_rollups.py``; member_day's counter
columns (page views, carts, paid orders) are checked in (1).
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date, timedelta

import pandas as pd
import pytest

from core import metrics
from core import store as store_module
from core.filters import GlobalFilters
from core.sqlfiles import sql_text
from core.store import open_store

RAW_MEMBER_DAY = """member_day as (
    select
        counts.*,
        lag(counts.day) over (partition by counts.member_key order by counts.day) as prev_day,
        lead(counts.day) over (partition by counts.member_key order by counts.day) as next_day,
        min(counts.day) over (partition by counts.member_key) as first_day,
        cast(members.signup_at as date) as signup_day,
        members.region,
        members.device,
        members.tier,
        members.channel
    from (
        select
            member_key,
            day,
            cast(sum(events) as integer) as events,
            cast(sum(page_views) as integer) as page_views,
            cast(sum(add_to_carts) as integer) as add_to_carts,
            cast(sum(orders_paid) as integer) as orders_paid,
            cast(sum(orders) as integer) as orders
        from (
            select
                member_key,
                cast(event_time as date) as day,
                1 as events,
                cast(event_type = 'page_view' as integer) as page_views,
                cast(event_type = 'add_to_cart' as integer) as add_to_carts,
                cast(event_type = 'order_paid' as integer) as orders_paid,
                0 as orders
            from events
            union all
            select member_key, cast(paid_at as date), 0, 0, 0, 0, 1 from orders
        ) as activity
        group by member_key, day
    ) as counts
    join members on members.member_key = counts.member_key
)"""

# member_week / member_month (sql/schema/009_period_rollups.sql) from the raw member_day above
RAW_MEMBER_PERIOD = """{table} as (
    select
        member_key,
        period,
        lag(period) over (partition by member_key order by period) as prev_period,
        lead(period) over (partition by member_key order by period) as next_period,
        first_day,
        signup_day,
        region,
        device,
        tier,
        channel
    from (
        select
            member_key,
            cast(date_trunc('{unit}', day) as date) as period,
            min(first_day) as first_day,
            any_value(signup_day) as signup_day,
            any_value(region) as region,
            any_value(device) as device,
            any_value(tier) as tier,
            any_value(channel) as channel
        from member_day
        group by all
    ) as periods
)"""
PERIOD_TABLES = {"member_week": "week", "member_month": "month"}

ROLLUP_COLUMNS = (
    "member_key, day, events, page_views, add_to_carts, orders_paid, orders, prev_day, "
    "next_day, first_day, signup_day, region, device, tier, channel"
)


def shadowed(text: str) -> str:
    """``text`` with a leading CTE named ``member_day`` computed from ``events`` (and CTEs
    named ``member_week`` / ``member_month`` computed from it when the text reads them)."""
    body = re.sub(r"^\s*--.*$", "", text, flags=re.MULTILINE).strip()
    ctes = [RAW_MEMBER_DAY] + [
        RAW_MEMBER_PERIOD.format(table=table, unit=unit)
        for table, unit in PERIOD_TABLES.items()
        if table in body
    ]
    if re.match(r"with\s", body, flags=re.IGNORECASE):
        return "with " + ",\n".join(ctes) + ",\n" + body[len("with") :].lstrip()
    return "with " + ",\n".join(ctes) + "\n" + body


@pytest.fixture(scope="module")
def store(demo_store_path):
    return open_store(demo_store_path, read_only=True)


@pytest.fixture(scope="module")
def bounds(store):
    first_day, as_of = metrics.data_bounds(store)
    return first_day, as_of


@pytest.fixture(scope="module")
def raw_days(store) -> pd.DataFrame:
    """Distinct (member_key, day) pairs straight from the events and orders, in pandas."""
    events = store.df(
        "select member_key, event_time from events union all select member_key, paid_at from orders"
    )
    days = pd.DataFrame(
        {"member_key": events["member_key"], "day": events["event_time"].dt.normalize()}
    )
    return days.drop_duplicates().reset_index(drop=True)


@pytest.fixture(scope="module")
def members(store) -> pd.DataFrame:
    return store.df("select member_key, signup_at, region, tier, channel, device from members")


def narrow_filters(store, as_of: date) -> GlobalFilters:
    region = store.scalar(
        "select region from members group by region order by count(*) desc, region limit 1"
    )
    return GlobalFilters(start=as_of - timedelta(days=59), end=as_of, regions=(region,))


def run_on_raw_events(monkeypatch, call):
    """``call()`` with every ``sql/`` query that reads member_day reading raw events."""

    def raw_sql_text(name: str) -> str:
        text = sql_text(name)
        reads = ("member_day", *PERIOD_TABLES)
        return shadowed(text) if any(table in text for table in reads) else text

    with monkeypatch.context() as patch:
        patch.setattr(store_module, "sql_text", raw_sql_text)
        return call()


# -- 1. the table --------------------------------------------------------------------------


def test_member_day_equals_the_aggregation_of_events(store):
    rollup_rows = store.scalar("select count(*) from member_day")
    assert rollup_rows > 100_000  # the demo store, not an empty one
    sql = (
        f"with {RAW_MEMBER_DAY} select count(*) from ("
        f"(select {ROLLUP_COLUMNS} from member_day except all "
        f"select {ROLLUP_COLUMNS} from member_day_raw) union all "
        f"(select {ROLLUP_COLUMNS} from member_day_raw except all "
        f"select {ROLLUP_COLUMNS} from member_day))"
    ).replace("member_day as (", "member_day_raw as (", 1)
    assert store.scalar(sql) == 0


def test_shadowing_really_reads_events(store):
    """The shadowed SQL reads events (the CTE shadows the table) and counts the same rows."""
    text = shadowed("select count(*) as n from member_day")
    assert "from events" in text
    assert store.scalar(text) == store.scalar("select count(*) from member_day")


# -- 2. every rollup-based view, rollup vs raw events ----------------------------------------


def rollup_views(first_day: date, as_of: date, narrow: GlobalFilters):
    everything = GlobalFilters(start=first_day, end=as_of)
    recent = GlobalFilters()
    views = metrics.ANALYTICS_VIEWS
    calls = {
        "overview": lambda s, f: metrics.overview(s, f, as_of),
        "daily_trend": lambda s, f: metrics.daily_trend(s, f, as_of),
        "activity_daily": lambda s, f: views["activity_daily"](s, f, as_of),
        "lifecycle week": lambda s, f: views["lifecycle"](s, f, as_of, unit="week"),
        "lifecycle day": lambda s, f: views["lifecycle"](s, f, as_of, unit="day"),
        "lifecycle month": lambda s, f: views["lifecycle"](s, f, as_of, unit="month"),
        "active_days": lambda s, f: views["active_days_distribution"](s, f, as_of),
        "retention week": lambda s, f: views["retention_matrix"](s, f, as_of, cohort="week"),
        "retention month on_or_after first_activity": lambda s, f: views["retention_matrix"](
            s, f, as_of, cohort="month", by="first_activity", mode="on_or_after"
        ),
        "retention day": lambda s, f: views["retention_matrix"](s, f, as_of, cohort="day"),
        "retention_trend": lambda s, f: views["retention_trend"](s, f, as_of, cohort="week"),
        "retention_curve by first_activity": lambda s, f: views["retention_curve"](
            s, f, as_of, by="first_activity"
        ),
        "retention_breakdown channel": lambda s, f: views["retention_breakdown"](
            s, f, as_of, dimension="channel"
        ),
    }
    for name, call in calls.items():
        for label, filters in (("all", everything), ("recent", recent), ("narrow", narrow)):
            yield f"{name} [{label}]", call, filters


def test_every_rollup_view_equals_its_answer_from_raw_events(store, bounds, monkeypatch):
    first_day, as_of = bounds
    narrow = narrow_filters(store, as_of)
    compared = 0
    for label, call, filters in rollup_views(first_day, as_of, narrow):
        from_rollup = call(store, filters)
        from_events = run_on_raw_events(monkeypatch, lambda c=call, f=filters: c(store, f))
        if isinstance(from_rollup, pd.DataFrame):
            assert len(from_rollup) > 0, label
            pd.testing.assert_frame_equal(
                from_rollup.reset_index(drop=True), from_events.reset_index(drop=True), obj=label
            )
        else:
            assert from_rollup == from_events, label
        compared += 1
    assert compared == 39


# -- 3. headline numbers worked out in pandas from raw events --------------------------------


def scoped_days(raw_days, members, filters: GlobalFilters) -> pd.DataFrame:
    if not filters.regions:
        return raw_days
    keys = members.loc[members["region"].isin(filters.regions), "member_key"]
    return raw_days[raw_days["member_key"].isin(keys)]


def distinct_in_window(days: pd.DataFrame, day: pd.Timestamp, width: int) -> int:
    window = days[(days["day"] > day - pd.Timedelta(days=width)) & (days["day"] <= day)]
    return window["member_key"].nunique()


@pytest.mark.parametrize("narrowed", [False, True])
def test_dau_wau_mau_from_events(store, bounds, raw_days, members, narrowed):
    first_day, as_of = bounds
    filters = narrow_filters(store, as_of) if narrowed else GlobalFilters()
    days = scoped_days(raw_days, members, filters)
    frame = metrics.activity_daily(store, filters, as_of).set_index("date")
    assert len(frame) == filters.period(as_of).days
    for day, row in frame.iterrows():
        assert row["dau"] == distinct_in_window(days, day, 1), day
        assert row["wau"] == distinct_in_window(days, day, 7), day
        assert row["mau"] == distinct_in_window(days, day, 30), day


def test_overview_activity_and_retention_from_events(store, bounds, raw_days, members):
    first_day, as_of = bounds
    filters = narrow_filters(store, as_of)
    days = scoped_days(raw_days, members, filters)
    period = filters.period(as_of)
    overview = metrics.overview(store, filters, as_of)
    start, end = pd.Timestamp(period.start), pd.Timestamp(period.end)
    in_period = days[(days["day"] >= start) & (days["day"] <= end)]
    assert overview["dau"].value == pytest.approx(len(in_period) / period.days)
    assert overview["mau"].value == distinct_in_window(days, end, 30)
    scoped = members[members["region"].isin(filters.regions)]
    signup = scoped["signup_at"].dt.normalize()
    cohort = scoped[(signup >= start) & (signup <= end)]
    active = set(zip(days["member_key"], days["day"], strict=True))
    for n, key in ((1, "d1_retention"), (7, "d7_retention")):
        day_n = cohort["signup_at"].dt.normalize() + pd.Timedelta(days=n)
        eligible = cohort[day_n <= pd.Timestamp(as_of)]
        eligible_days = day_n[day_n <= pd.Timestamp(as_of)]
        retained = sum(
            (member, day) in active
            for member, day in zip(eligible["member_key"], eligible_days, strict=True)
        )
        assert overview[key].value == pytest.approx(retained / len(eligible)), key


def test_retention_matrix_cells_from_events(store, bounds, raw_days, members):
    first_day, as_of = bounds
    filters = GlobalFilters(start=first_day, end=as_of)
    matrix = metrics.retention_matrix(store, filters, as_of, cohort="week")
    cohort_of = members.set_index("member_key")["signup_at"].dt.normalize()
    cohort_of = cohort_of - pd.to_timedelta(cohort_of.dt.dayofweek, unit="D")
    weeks = raw_days.assign(
        week=raw_days["day"] - pd.to_timedelta(raw_days["day"].dt.dayofweek, unit="D"),
        cohort=raw_days["member_key"].map(cohort_of),
    )
    weeks["period"] = (weeks["week"] - weeks["cohort"]).dt.days // 7
    retained = weeks.drop_duplicates(["member_key", "period"]).groupby(["cohort", "period"]).size()
    sizes = cohort_of.value_counts()
    complete = matrix[matrix["retained"].notna()]
    assert len(complete) > 100
    for row in complete.itertuples():
        assert row.cohort_size == sizes.get(row.cohort, 0), row
        assert row.retained == retained.get((row.cohort, row.period), 0), row
    incomplete = matrix[matrix["retained"].isna()]
    last_day = incomplete["cohort"] + pd.to_timedelta((incomplete["period"] + 1) * 7 - 1, "D")
    assert (last_day > pd.Timestamp(as_of)).all()


def test_active_days_distribution_from_events(store, bounds, raw_days, members):
    first_day, as_of = bounds
    for filters in (GlobalFilters(), narrow_filters(store, as_of)):
        days = scoped_days(raw_days, members, filters)
        end = pd.Timestamp(filters.period(as_of).end)
        window = days[(days["day"] > end - pd.Timedelta(days=30)) & (days["day"] <= end)]
        expected = window.groupby("member_key").size().value_counts().sort_index()
        frame = metrics.active_days_distribution(store, filters, as_of)
        got = frame.set_index("active_days")["members"]
        assert got.to_dict() == {int(k): int(v) for k, v in expected.items()}


def test_daily_trend_active_members_from_events(store, bounds, raw_days, members):
    first_day, as_of = bounds
    filters = dataclasses.replace(narrow_filters(store, as_of), start=as_of - timedelta(days=13))
    days = scoped_days(raw_days, members, filters)
    trend = metrics.daily_trend(store, filters, as_of).set_index("day")
    expected = days.groupby("day").size()
    for day, row in trend.iterrows():
        assert row["active_members"] == expected.get(day, 0), day

"""Retention and lifecycle against the SPEC §4 definitions worked out in plain pandas.

The SQL counts each member once per period from ``member_day``'s chain columns (previous /
next / first active day) instead of distinct member × period sets, so it is checked here on
a seeded random store built to hit the cases that bookkeeping could get wrong: members with
long gaps (resurrecting, dormant), several days in one bucket, activity before the signup
day, members never active, cohorts at month and week edges, a last period after
``max_period`` ("on or after"), with and without a member filter and a saved segment. The
reference below follows the definitions directly (active sets per bucket), sharing no code
with the SQL.
"""

from __future__ import annotations

import math
import random
from datetime import date, timedelta

import pandas as pd
import pytest

from core import metrics, rollups
from core.filters import GlobalFilters
from core.store import close_store, open_store

FIRST = date(2026, 1, 5)
AS_OF = date(2026, 5, 20)
REGIONS = ("浙江", "广东", "江苏")
CHANNELS = ("wechat", "douyin", "referral")
TIERS = ("normal", "silver")
DEVICES = ("ios", "android")
SEGMENT = 1


def _members_and_days(seed: int = 7):
    rng = random.Random(seed)
    members, days = [], []
    span = (AS_OF - FIRST).days
    for key in range(1, 401):
        signup = FIRST + timedelta(days=rng.randrange(span + 1))
        members.append(
            (
                key,
                f"M{key}",
                signup,
                rng.choice(REGIONS),
                rng.choice(DEVICES),
                rng.choice(TIERS),
                rng.choice(CHANNELS),
            )
        )
        if rng.random() < 0.15:
            continue  # never active
        start = signup - timedelta(days=rng.randrange(10)) if rng.random() < 0.2 else signup
        active, day = set(), max(start, FIRST)
        while day <= AS_OF:
            active.add(day)
            step = rng.choice((1, 1, 2, 3, 6, 9, 20, 40))
            day += timedelta(days=step)
        if key == 1:
            active |= {FIRST, AS_OF}  # the data's first and last day
        days.extend((key, day) for day in sorted(active))
    return members, days


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    members, days = _members_and_days()
    path = tmp_path_factory.mktemp("reference") / "reference.duckdb"
    close_store(path)
    store = open_store(path)
    with store.transaction() as cur:
        for key, member_id, signup, region, device, tier, channel in members:
            cur.execute(
                "insert into members (member_key, member_id, signup_at, region, device, tier, "
                "channel) values ($k, $id, $s, $r, $d, $t, $c)",
                {
                    "k": key,
                    "id": member_id,
                    "s": f"{signup} 10:00:00",
                    "r": region,
                    "d": device,
                    "t": tier,
                    "c": channel,
                },
            )
        for key, day in days:
            cur.execute(
                "insert into member_day (member_key, day, events, page_views, add_to_carts, "
                "orders_paid) values ($k, $d, 1, 1, 0, 0)",
                {"k": key, "d": day},
            )
        cur.execute(
            "insert into segment_members select $s, member_key from members "
            "where member_key % 3 = 1",
            {"s": SEGMENT},
        )
        rollups.complete_rollups(cur)
    frame_members = pd.DataFrame(
        members,
        columns=["member_key", "member_id", "signup", "region", "device", "tier", "channel"],
    )
    frame_members["signup"] = pd.to_datetime(frame_members["signup"])
    frame_days = pd.DataFrame(days, columns=["member_key", "day"])
    frame_days["day"] = pd.to_datetime(frame_days["day"])
    yield store, frame_members, frame_days
    close_store(path)


FILTERS = {
    "everything": GlobalFilters(FIRST, AS_OF),
    "spring, one region": GlobalFilters(date(2026, 2, 11), date(2026, 4, 10), regions=("广东",)),
    "segment, two channels": GlobalFilters(
        date(2026, 1, 20), AS_OF, channels=("wechat", "douyin"), segment=SEGMENT
    ),
}


# -- the definitions, in pandas ----------------------------------------------------------------


def scoped(members: pd.DataFrame, days: pd.DataFrame, filters: GlobalFilters):
    keep = pd.Series(True, index=members.index)
    for column, values in (
        ("region", filters.regions),
        ("device", filters.devices),
        ("tier", filters.tiers),
        ("channel", filters.channels),
    ):
        if values:
            keep &= members[column].isin(values)
    if filters.segment is not None:
        keep &= members["member_key"] % 3 == 1
    chosen = members[keep]
    return chosen, days[days["member_key"].isin(chosen["member_key"])]


def bucket_start(day: pd.Series | pd.Timestamp, unit: str):
    if unit == "day":
        return day
    if unit == "week":
        if isinstance(day, pd.Timestamp):
            return day - pd.Timedelta(days=day.dayofweek)
        return day - pd.to_timedelta(day.dt.dayofweek, unit="D")
    if isinstance(day, pd.Timestamp):
        return day.replace(day=1)
    return day.dt.to_period("M").dt.to_timestamp()


def bucket_number(day: pd.Series, unit: str) -> pd.Series:
    start = bucket_start(day, unit)
    if unit == "month":
        return start.dt.year * 12 + start.dt.month
    return (start - pd.Timestamp("2000-01-03")).dt.days // (7 if unit == "week" else 1)


def step(unit: str) -> pd.DateOffset:
    return {
        "day": pd.DateOffset(days=1),
        "week": pd.DateOffset(days=7),
        "month": pd.DateOffset(months=1),
    }[unit]


def reference_lifecycle(members, days, filters: GlobalFilters, unit: str) -> dict:
    chosen, active_days = scoped(members, days, filters)
    active = active_days.assign(bucket=bucket_start(active_days["day"], unit))
    by_bucket = active.groupby("bucket")["member_key"].agg(set).to_dict()
    new_by_bucket = (
        chosen.assign(bucket=bucket_start(chosen["signup"].dt.normalize(), unit))
        .groupby("bucket")["member_key"]
        .agg(set)
        .to_dict()
    )
    counts = {}
    bucket = bucket_start(pd.Timestamp(filters.start), unit)
    while bucket <= pd.Timestamp(filters.end):
        now = by_bucket.get(bucket, set())
        before = by_bucket.get(bucket - step(unit), set())
        new = new_by_bucket.get(bucket, set())
        counts[bucket] = (
            len(new),
            len((now & before) - new),
            len(now - before - new),
            len(before - now),
        )
        bucket = bucket + step(unit)
    return counts


def cohort_days(members, days, filters: GlobalFilters, by: str) -> pd.DataFrame:
    chosen, active_days = scoped(members, days, filters)
    if by == "signup":
        cohort = chosen.set_index("member_key")["signup"].dt.normalize()
    else:
        cohort = active_days.groupby("member_key")["day"].min()
    return cohort.rename("cohort_day").reset_index(), active_days


def reference_matrix(members, days, filters, unit, by, mode, max_period) -> dict:
    cohorts, active_days = cohort_days(members, days, filters, by)
    first = bucket_start(pd.Timestamp(filters.start), unit)
    cohorts["cohort"] = bucket_start(cohorts["cohort_day"], unit)
    cohorts = cohorts[
        (cohorts["cohort"] >= first) & (cohorts["cohort"] <= pd.Timestamp(filters.end))
    ]
    cohorts["cohort_number"] = bucket_number(cohorts["cohort"], unit)
    joined = active_days.merge(cohorts, on="member_key")
    joined["period"] = bucket_number(joined["day"], unit) - joined["cohort_number"]
    joined = joined[joined["period"] >= 0]
    cells = {}
    for cohort, group in cohorts.groupby("cohort"):
        mine = joined[joined["cohort"] == cohort]
        for period in range(max_period + 1):
            end = cohort + step(unit) * (period + 1) - pd.Timedelta(days=1)
            if end > pd.Timestamp(AS_OF):
                retained = None
            elif mode == "on":
                retained = mine.loc[mine["period"] == period, "member_key"].nunique()
            else:
                retained = mine.loc[mine["period"] >= period, "member_key"].nunique()
            cells[(cohort, period)] = (len(group), retained)
    return cells


def reference_trend(members, days, filters, unit, by) -> dict:
    cohorts, active_days = cohort_days(members, days, filters, by)
    first = bucket_start(pd.Timestamp(filters.start), unit)
    end = pd.Timestamp(filters.end)
    cohorts = cohorts[(cohorts["cohort_day"] >= first) & (cohorts["cohort_day"] <= end)].copy()
    cohorts["cohort"] = bucket_start(cohorts["cohort_day"], unit)
    active = set(zip(active_days["member_key"], active_days["day"], strict=True))
    rows = {}
    for cohort, group in cohorts.groupby("cohort"):
        last_day = min(cohort + step(unit) - pd.Timedelta(days=1), end)
        values = []
        for n in (1, 7, 30):
            if last_day + pd.Timedelta(days=n) > pd.Timestamp(AS_OF):
                values.append(None)
                continue
            retained = sum(
                (key, day + pd.Timedelta(days=n)) in active
                for key, day in zip(group["member_key"], group["cohort_day"], strict=True)
            )
            values.append(retained / len(group))
        rows[cohort] = (len(group), *values)
    return rows


def reference_curve(members, days, filters, by, dimension, max_day) -> dict:
    cohorts, active_days = cohort_days(members, days, filters, by)
    start, end = pd.Timestamp(filters.start), pd.Timestamp(filters.end)
    cohorts = cohorts[(cohorts["cohort_day"] >= start) & (cohorts["cohort_day"] <= end)]
    groups = members.set_index("member_key")[dimension] if dimension else None
    cohorts = cohorts.assign(group=cohorts["member_key"].map(groups) if dimension else "all")
    active = set(zip(active_days["member_key"], active_days["day"], strict=True))
    points = {}
    for group, mine in cohorts.groupby("group"):
        for n in range(max_day + 1):
            target = mine["cohort_day"] + pd.Timedelta(days=n)
            eligible = mine[target <= pd.Timestamp(AS_OF)]
            retained = sum(
                (key, day + pd.Timedelta(days=n)) in active
                for key, day in zip(eligible["member_key"], eligible["cohort_day"], strict=True)
            )
            points[(group, n)] = (len(mine), len(eligible), retained if len(eligible) else None)
    return points


def _value(value):
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


# -- the tests ---------------------------------------------------------------------------------


def test_the_fixture_has_the_cases_that_matter(reference):
    store, members, days = reference
    first_days = days.groupby("member_key")["day"].min()
    signup = members.set_index("member_key")["signup"].dt.normalize()
    assert (first_days < signup.loc[first_days.index]).sum() > 5  # active before signup
    assert len(set(members["member_key"]) - set(days["member_key"])) > 10  # never active
    gaps = days.sort_values(["member_key", "day"]).groupby("member_key")["day"].diff().dt.days
    assert (gaps >= 40).sum() > 20  # dormant, then resurrecting
    assert metrics.data_bounds(store) == (FIRST, AS_OF)


@pytest.mark.parametrize("unit", ["day", "week", "month"])
@pytest.mark.parametrize("label", list(FILTERS))
def test_lifecycle_equals_the_definition(reference, unit, label):
    store, members, days = reference
    filters = FILTERS[label]
    expected = reference_lifecycle(members, days, filters, unit)
    frame = metrics.lifecycle(store, filters, AS_OF, unit=unit)
    assert [pd.Timestamp(p) for p in frame["period"]] == list(expected)
    compared = 0
    for row in frame.itertuples():
        new, returning, resurrecting, dormant = expected[pd.Timestamp(row.period)]
        if not math.isnan(row.new):
            assert row.new == new, row
        if row.complete:
            assert (row.returning, row.resurrecting, row.dormant) == (
                returning,
                resurrecting,
                dormant,
            ), row
            compared += 1
    assert compared >= 2


@pytest.mark.parametrize(("unit", "max_period"), [("day", 40), ("week", 6), ("month", 2)])
@pytest.mark.parametrize("by", ["signup", "first_activity"])
@pytest.mark.parametrize("mode", ["on", "on_or_after"])
@pytest.mark.parametrize("label", list(FILTERS))
def test_retention_matrix_equals_the_definition(reference, unit, max_period, by, mode, label):
    store, members, days = reference
    filters = FILTERS[label]
    expected = reference_matrix(members, days, filters, unit, by, mode, max_period)
    matrix = metrics.retention_matrix(
        store, filters, AS_OF, cohort=unit, by=by, mode=mode, max_period=max_period
    )
    got = {
        (pd.Timestamp(row.cohort), row.period): (row.cohort_size, _value(row.retained))
        for row in matrix.itertuples()
    }
    assert got == expected
    assert sum(retained is not None and retained > 0 for _, retained in got.values()) > 3


@pytest.mark.parametrize("unit", ["day", "week", "month"])
@pytest.mark.parametrize("by", ["signup", "first_activity"])
@pytest.mark.parametrize("label", list(FILTERS))
def test_retention_trend_equals_the_definition(reference, unit, by, label):
    store, members, days = reference
    filters = FILTERS[label]
    expected = reference_trend(members, days, filters, unit, by)
    trend = metrics.retention_trend(store, filters, AS_OF, cohort=unit, by=by)
    got = {
        pd.Timestamp(row.cohort): (row.cohort_size, _value(row.d1), _value(row.d7), _value(row.d30))
        for row in trend.itertuples()
    }
    assert got.keys() == expected.keys()
    for cohort, values in expected.items():
        assert got[cohort] == pytest.approx(values), cohort


@pytest.mark.parametrize("dimension", [None, "channel", "tier"])
@pytest.mark.parametrize("by", ["signup", "first_activity"])
@pytest.mark.parametrize("label", list(FILTERS))
def test_retention_curve_equals_the_definition(reference, dimension, by, label):
    store, members, days = reference
    filters = FILTERS[label]
    expected = reference_curve(members, days, filters, by, dimension, max_day=30)
    curve = metrics.retention_curve(store, filters, AS_OF, by=by, dimension=dimension)
    got = {
        (row.group, row.day): (row.cohort_size, row.eligible, _value(row.retained))
        for row in curve.itertuples()
    }
    assert got == expected

"""Retention against numbers worked out by hand on tests/fixtures_analytics.py (as-of 06-16).

Period 06-01 … 06-16. Signups in it: 2, 3 (06-01), 4 (06-03), 5 (06-08), 6 (06-10, never
active). First active days: 2, 3 06-01; 7 06-02; 4 06-03; 5 06-08 (1's is 05-01).

Weekly cohorts by signup: W1 (06-01) = {2,3,4}, W2 (06-08) = {5,6}.
- W1 "on": period 0 (06-01…06-07) {2,3,4} = 3; period 1 (06-08…06-14) {2,3} = 2; period 2
  (06-15…06-21) has not ended by 06-16 → empty.
- W1 "on or after": last active week of 2 → 1, 3 → 1, 4 → 2 (06-15), so period 1 = 3.
- W2: period 0 {5} = 1 of 2; period 1 (06-15…06-21) empty.
- mean row ("on"): period 0 (3 + 1)/(3 + 2) = 0.8; period 1 only W1 is complete: 2/3;
  period 2 no complete cell → empty.
Weekly cohorts by first activity: W1 = {2,3,4,7} (period 0: 4, period 1: {2,3} = 2),
W2 = {5} (period 0: 1) → mean period 0 = 1.0, period 1 = 0.5.

Day-N "on" curve, day cohorts 06-01 … 06-16 by signup (members 2, 3, 4, 5, 6): every member
is eligible up to N = 6 (6's day 6 is 06-16); for N = 7 and 8 member 6 is not (06-17).
Day 0 {2,3,4,5} 4/5; day 1 {2 (06-02), 4 (06-04), 5 (06-09)} 3/5; day 2 {5 (06-10)} 1/5;
days 3 … 6 none; day 7 {2 (06-08)} 1/4; day 8 {3 (06-09)} 1/4. Drops: 0.2, 0.4, 0.2, 0, 0,
0, 0, -0.25, 0. Day 2's drop (0.4) is twice its neighbours' mean (0.2), but every day has
five members, under the 30 a rate needs (core/samples.py): no clear inflection.

Trend by week: W1 (2, 3 on 06-01; 4 on 06-03; last cohort day 06-07): d1 {2, 4} 2/3, d7
(06-14 ≤ 06-16) {2} 1/3, d30 empty. W2 (5, 6; last day 06-14): d1 (06-15) {5} 1/2, d7
(06-21) empty.

Breakdown by channel: referral {3,4}: d1 {4} 1/2, d7 0/2; wechat {2,5}: d1 2/2, d7 {2} 1/2
(5's day 7 is 06-15 ≤ 06-16); douyin {6}: d1 0/1, d7 empty (06-17). Each rate's
denominator: d1 and d7 are over 2, 2 (referral, wechat) and d1 over 1, d7 over 0 (douyin);
nobody's day 30 has passed (the earliest is 07-01), so every d30 is over 0.
"""

from __future__ import annotations

import math
from datetime import date

import pytest

from core import metrics
from core.filters import GlobalFilters
from tests.fixtures_analytics import AS_OF, build_analytics_store

JUNE = GlobalFilters(date(2026, 6, 1), date(2026, 6, 16))


@pytest.fixture()
def store(tmp_path):
    return build_analytics_store(tmp_path / "analytics.duckdb")


def cells(matrix, cohort: date) -> list:
    rows = matrix[matrix["cohort"].dt.date == cohort].sort_values("period")
    return [None if math.isnan(v) else v for v in rows["retained"]]


def test_weekly_matrix_on(store):
    matrix = metrics.retention_matrix(store, JUNE, AS_OF, cohort="week", max_period=2)
    assert sorted(set(matrix["cohort"].dt.date)) == [date(2026, 6, 1), date(2026, 6, 8)]
    assert cells(matrix, date(2026, 6, 1)) == [3, 2, None]
    assert cells(matrix, date(2026, 6, 8)) == [1, None, None]
    w1 = matrix[matrix["cohort"].dt.date == date(2026, 6, 1)]
    assert w1["cohort_size"].tolist() == [3, 3, 3]
    assert w1["rate"].iloc[1] == pytest.approx(2 / 3)
    assert math.isnan(w1["rate"].iloc[2])


def test_weekly_matrix_on_or_after(store):
    matrix = metrics.retention_matrix(
        store, JUNE, AS_OF, cohort="week", mode="on_or_after", max_period=2
    )
    assert cells(matrix, date(2026, 6, 1)) == [3, 3, None]
    assert cells(matrix, date(2026, 6, 8)) == [1, None, None]


def test_mean_row_is_weighted_and_skips_incomplete_cells(store):
    matrix = metrics.retention_matrix(store, JUNE, AS_OF, cohort="week", max_period=2)
    mean = metrics.retention_mean(matrix)
    assert mean["rate"].iloc[0] == pytest.approx(0.8)
    assert mean["rate"].iloc[1] == pytest.approx(2 / 3)
    assert math.isnan(mean["rate"].iloc[2])
    assert mean["cohorts"].tolist() == [2, 1, 0]


def test_cohorts_by_first_activity(store):
    matrix = metrics.retention_matrix(
        store, JUNE, AS_OF, cohort="week", by="first_activity", max_period=1
    )
    assert matrix.groupby("cohort")["cohort_size"].first().tolist() == [4, 1]
    assert cells(matrix, date(2026, 6, 1)) == [4, 2]
    mean = metrics.retention_mean(matrix)
    assert mean["rate"].tolist() == pytest.approx([1.0, 0.5])


def test_daily_matrix(store):
    matrix = metrics.retention_matrix(store, JUNE, AS_OF, cohort="day", max_period=2)
    # cohort 06-01 {2,3}: day 0 both, day 1 {2}, day 2 none (complete, so 0, not empty)
    assert cells(matrix, date(2026, 6, 1)) == [2, 1, 0]
    assert cells(matrix, date(2026, 6, 10)) == [0, 0, 0]


def test_curve_and_inflection(store):
    curve = metrics.retention_curve(store, JUNE, AS_OF, max_day=8)
    assert curve["eligible"].tolist() == [5] * 7 + [4, 4]
    assert curve["rate"].tolist() == pytest.approx([0.8, 0.6, 0.2, 0, 0, 0, 0, 0.25, 0.25])
    assert metrics.curve_inflection(curve) is None  # five members: nothing stands out
    # the same rates over 3,000 members: day 2 stands out (tests/test_retention_inflection.py)
    inflection = metrics.curve_inflection(curve.assign(eligible=3000))
    assert (inflection.day, inflection.intervention_day) == (2, 1)
    assert inflection.drop == pytest.approx(0.4)
    assert inflection.excess == pytest.approx(0.4 - (0.2 + 0.2) / 2)


def test_trend_across_weekly_cohorts(store):
    trend = metrics.retention_trend(store, JUNE, AS_OF, cohort="week")
    assert trend["cohort_size"].tolist() == [3, 2]
    assert trend["d1"].tolist() == pytest.approx([2 / 3, 1 / 2])
    assert trend["d7"].iloc[0] == pytest.approx(1 / 3)
    assert math.isnan(trend["d7"].iloc[1])
    assert trend["d30"].isna().all()


def test_breakdown_by_channel(store):
    table = metrics.retention_breakdown(store, JUNE, AS_OF, "channel").set_index("group")
    assert table.loc["referral", ["d1", "d7"]].tolist() == pytest.approx([0.5, 0.0])
    assert table.loc["wechat", ["d1", "d7"]].tolist() == pytest.approx([1.0, 0.5])
    assert table.loc["douyin", "d1"] == 0
    assert math.isnan(table.loc["douyin", "d7"])
    assert table["cohort_size"].to_dict() == {"douyin": 1, "referral": 2, "wechat": 2}
    assert table["d1_eligible"].to_dict() == {"douyin": 1, "referral": 2, "wechat": 2}
    assert table["d7_eligible"].to_dict() == {"douyin": 0, "referral": 2, "wechat": 2}
    assert (table["d30_eligible"] == 0).all()


def test_breakdown_rates_carry_their_own_denominators(store):
    table = metrics.retention_breakdown(store, JUNE, AS_OF, "channel")
    long = metrics.breakdown_rates(table).set_index(["group", "metric"])
    # douyin's d7 and every d30 are unknown: no bar
    assert sorted(long.index) == [
        ("douyin", "d1"),
        ("referral", "d1"),
        ("referral", "d7"),
        ("wechat", "d1"),
        ("wechat", "d7"),
    ]
    assert long.loc[("wechat", "d7"), "value"] == pytest.approx(0.5)
    assert long.loc[("douyin", "d1"), "eligible"] == 1


def test_bad_options_are_refused(store):
    with pytest.raises(metrics.MetricOptionError):
        metrics.retention_matrix(store, JUNE, AS_OF, mode="after")
    with pytest.raises(metrics.MetricOptionError):
        metrics.retention_curve(store, JUNE, AS_OF, dimension="gender; drop table members")


# -- planted effects of the demo store -------------------------------------------------------

WHOLE_DEMO = GlobalFilters(start=date(2025, 1, 1))


@pytest.fixture(scope="module")
def demo(demo_store_path):
    from core.store import open_store

    store = open_store(demo_store_path)
    return store, store.last_event_day()


def test_best_retention_channel_ranks_first_in_d30(demo):
    from data.generate import PLANTED

    store, as_of = demo
    table = metrics.retention_breakdown(store, WHOLE_DEMO, as_of, "channel")
    assert table["group"].iloc[0] == PLANTED.best_retention_channel


def test_trial_channel_curve_inflection_is_the_planted_day(demo):
    from data.generate import PLANTED

    store, as_of = demo
    trial = GlobalFilters(start=date(2025, 1, 1), channels=(PLANTED.trial_channel,))
    inflection = metrics.curve_inflection(metrics.retention_curve(store, trial, as_of))
    assert inflection.day == PLANTED.trial_drop_day
    assert inflection.intervention_day == PLANTED.trial_drop_day - 1

"""Activity views against numbers worked out by hand on tests/fixtures_analytics.py.

Active members per day: 05-01 {1}; 06-01 {1,2,3}; 06-02 {1,2,7}; 06-03 {4}; 06-04 {4};
06-08 {2,5}; 06-09 {1,3,5}; 06-10 {3,5}; 06-15 {1,4}; 06-16 {7}. First day with data 05-01.

Period 06-08 … 06-16:
- DAU 2, 3, 2, 0, 0, 0, 0, 2, 1.
- WAU (trailing 7 days): 06-08 ← 06-02…06-08 {1,2,7,4,5} = 5; 06-09 ← 06-03… {4,2,5,1,3}
  = 5; 06-10 ← 06-04… {4,2,5,1,3} = 5; 06-11…06-14 ← {2,5,1,3} = 4; 06-15 ← 06-09…06-15
  {1,3,5,4} = 4; 06-16 ← 06-10…06-16 {3,5,1,4,7} = 5.
- MAU (trailing 30 days) = {1,2,3,4,5,7} = 6 on every day (member 1's 05-01 visit is out of
  the window but 1 is back on 06-01); stickiness on 06-16 = 1/6.
Period 05-01 … 05-05: WAU and MAU windows start before 05-01 → empty; DAU 1, 0, 0, 0, 0.

Lifecycle by week, period 06-01 … 06-16 (weeks start Monday):
- weekly active: 05-25 week {}, W1 06-01 {1,2,3,4,7}, W2 06-08 {1,2,3,5}, W3 06-15 {1,4,7}.
- signups: W1 {2,3,4}, W2 {5,6} (6 never active: still new).
- W1: new 3; 1 and 7 active, not new, not active in the week before → resurrecting 2;
  returning 0; dormant 0.
- W2: new 2; 1, 2, 3 active in W1 too → returning 3; resurrecting 0; dormant {4,7} = 2.
- W3 ends 06-21, after the as-of date → empty.
By day, 06-09 … 06-10: 06-09 {1,3,5} vs 06-08 {2,5}: new 0, returning {5} 1, resurrecting
{1,3} 2, dormant {2} 1; 06-10 {3,5} vs {1,3,5}: new {6} 1, returning 2, resurrecting 0,
dormant {1} 1.

Active days in the 30 days ending 06-16 (05-18 … 06-16): 1 → 4 days, 2, 3, 4, 5 → 3 days,
7 → 2 days: {2: 1, 3: 4, 4: 1} members.
"""

from __future__ import annotations

import math
from datetime import date

import pytest

from core import metrics
from core.filters import GlobalFilters
from tests.fixtures_analytics import AS_OF, build_analytics_store


@pytest.fixture()
def store(tmp_path):
    return build_analytics_store(tmp_path / "analytics.duckdb")


def values(series) -> list:
    return [None if math.isnan(v) else v for v in series.astype(float)]


def test_dau_wau_mau_trailing_windows(store):
    frame = metrics.activity_daily(store, GlobalFilters(date(2026, 6, 8), date(2026, 6, 16)), AS_OF)
    assert frame["date"].dt.date.tolist()[0] == date(2026, 6, 8)
    assert values(frame["dau"]) == [2, 3, 2, 0, 0, 0, 0, 2, 1]
    assert values(frame["wau"]) == [5, 5, 5, 4, 4, 4, 4, 4, 5]
    assert values(frame["mau"]) == [6] * 9
    assert frame["stickiness"].iloc[-1] == pytest.approx(1 / 6)
    assert frame["stickiness"].iloc[3] == 0


def test_windows_before_the_data_are_empty(store):
    frame = metrics.activity_daily(store, GlobalFilters(date(2026, 5, 1), date(2026, 5, 5)), AS_OF)
    assert values(frame["dau"]) == [1, 0, 0, 0, 0]
    assert frame["wau"].isna().all()
    assert frame["mau"].isna().all()
    assert frame["stickiness"].isna().all()


def test_filters_restrict_activity(store):
    referral = GlobalFilters(date(2026, 6, 15), date(2026, 6, 16), channels=("referral",))
    frame = metrics.activity_daily(store, referral, AS_OF)
    # referral = members 3 and 4: 06-15 {4}; WAU 06-09…06-15 {3,4}; 06-16 … 06-10… {3,4}
    assert values(frame["dau"]) == [1, 0]
    assert values(frame["wau"]) == [2, 2]
    assert values(frame["mau"]) == [2, 2]


def test_weekly_lifecycle(store):
    frame = metrics.lifecycle(store, GlobalFilters(date(2026, 6, 1), date(2026, 6, 16)), AS_OF)
    assert frame["period"].dt.date.tolist() == [
        date(2026, 6, 1),
        date(2026, 6, 8),
        date(2026, 6, 15),
    ]
    columns = ["new", "returning", "resurrecting", "dormant"]
    assert frame.loc[0, columns].tolist() == [3, 0, 2, 0]
    assert frame.loc[1, columns].tolist() == [2, 3, 0, 2]
    assert frame.loc[2, columns].isna().all()
    assert frame["complete"].tolist() == [True, True, False]


def test_daily_lifecycle(store):
    frame = metrics.lifecycle(
        store, GlobalFilters(date(2026, 6, 9), date(2026, 6, 10)), AS_OF, unit="day"
    )
    columns = ["new", "returning", "resurrecting", "dormant"]
    assert frame.loc[0, columns].tolist() == [0, 1, 2, 1]
    assert frame.loc[1, columns].tolist() == [1, 2, 0, 1]


def test_lifecycle_without_a_previous_period_leaves_transitions_empty(store):
    frame = metrics.lifecycle(
        store, GlobalFilters(date(2026, 5, 1), date(2026, 5, 1)), AS_OF, unit="day"
    )
    assert frame.loc[0, "new"] == 1
    assert frame.loc[0, ["returning", "resurrecting", "dormant"]].isna().all()


def test_active_days_distribution(store):
    frame = metrics.active_days_distribution(
        store, GlobalFilters(date(2026, 6, 1), date(2026, 6, 16)), AS_OF
    )
    assert frame["active_days"].tolist() == [2, 3, 4]
    assert frame["members"].tolist() == [1, 4, 1]
    assert frame["share"].tolist() == pytest.approx([1 / 6, 4 / 6, 1 / 6])


def test_unknown_unit_is_refused(store):
    with pytest.raises(metrics.MetricOptionError):
        metrics.lifecycle(store, GlobalFilters(), AS_OF, unit="year")

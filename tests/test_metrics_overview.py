"""Overview KPIs against numbers worked out by hand on tests/fixtures_app.py.

Period P = 2026-06-04 … 2026-06-10 (7 days), as-of 2026-06-10; previous Q = 2026-05-28 …
2026-06-03. First day with data: 2026-05-01.

Daily active in P: 06-04 {1,2,3}=3, 06-05 {1,2,4}=3, 06-06 {3,4,6}=3, 06-07 0, 06-08 {4}=1,
06-09 {5}=1, 06-10 {1,5}=2 → DAU = 13/7. MAU (05-12 … 06-10) = {1..6} = 6.
Orders in P: O1 100.00 + O2 50.50 (O3 refunded, O5 after the period) → 2, ¥150.50; active
in P = 6 → ARPU 150.5/6. Day-1 cohorts (signup + 1 ≤ 06-10): members 2, 3 (06-04),
4 (06-05), 5 (06-09); retained on the next day: 2, 4, 5 → 3/4. Day-7: signup + 7 ≤ 06-10
needs signup ≤ 06-03, none in P → empty.

Q: members {1,6} = 2, new {6} = 1, daily active 05-30 {6}, 05-31 {6}, 06-01 {1} → DAU 3/7,
MAU (05-05 … 06-03) {1,6} = 2, orders O4 → 1, ¥80, active {1,6} → ARPU 40; member 6
(signup 05-30) active on 05-31 and on 06-06 → day-1 1/1, day-7 1/1.
"""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from core import metrics
from core.filters import GlobalFilters
from tests.fixtures_app import AS_OF, add_last_year, build_small_store

PERIOD = GlobalFilters(start=date(2026, 6, 4), end=date(2026, 6, 10))


@pytest.fixture()
def store(tmp_path):
    return build_small_store(tmp_path / "small.duckdb")


def test_current_period_values_match_hand_computation(store):
    result = metrics.overview(store, PERIOD, AS_OF)
    assert result.period.start == date(2026, 6, 4)
    assert result.period.end == date(2026, 6, 10)
    values = {kpi.key: kpi.value for kpi in result.kpis}
    assert values["members"] == 6
    assert values["new_members"] == 4
    assert values["dau"] == pytest.approx(13 / 7)
    assert values["mau"] == 6
    assert values["stickiness"] == pytest.approx((13 / 7) / 6)
    assert values["orders"] == 2
    assert values["revenue"] == pytest.approx(150.50)
    assert values["arpu"] == pytest.approx(150.50 / 6)
    assert values["d1_retention"] == pytest.approx(0.75)
    assert values["d7_retention"] is None


def test_previous_period_values_and_changes(store):
    result = metrics.overview(store, PERIOD, AS_OF)
    assert result.previous_period.start == date(2026, 5, 28)
    assert result.previous_period.end == date(2026, 6, 3)
    assert result.previous_complete
    previous = {kpi.key: kpi.previous for kpi in result.kpis}
    assert previous == pytest.approx(
        {
            "members": 2,
            "new_members": 1,
            "dau": 3 / 7,
            "mau": 2,
            "stickiness": (3 / 7) / 2,
            "orders": 1,
            "revenue": 80.0,
            "arpu": 40.0,
            "d1_retention": 1.0,
            "d7_retention": 1.0,
        }
    )
    assert result["members"].change == pytest.approx(2.0)
    assert result["dau"].change == pytest.approx(10 / 3)
    assert result["revenue"].change == pytest.approx(70.5 / 80)
    assert result["arpu"].change == pytest.approx((150.5 / 6 - 40) / 40)
    # rates change in points, not relative
    assert result["stickiness"].change == pytest.approx((13 / 7) / 6 - (3 / 7) / 2)
    assert result["d1_retention"].change == pytest.approx(-0.25)
    assert result["d7_retention"].change is None


def test_attribute_filters_restrict_members(store):
    zhejiang = GlobalFilters(start=PERIOD.start, end=PERIOD.end, regions=("浙江",))
    result = metrics.overview(store, zhejiang, AS_OF)
    # members 1, 2, 5 (7 signs up after the period); active 06-04 {1,2}, 06-05 {1,2},
    # 06-09 {5}, 06-10 {1,5} → 7/7
    assert result["members"].value == 3
    assert result["new_members"].value == 2
    assert result["dau"].value == pytest.approx(1.0)
    assert result["mau"].value == 3
    assert result["arpu"].value == pytest.approx(150.5 / 3)
    assert result["d1_retention"].value == pytest.approx(1.0)

    ios_zhejiang = GlobalFilters(
        start=PERIOD.start, end=PERIOD.end, regions=("浙江",), devices=("ios",)
    )
    result = metrics.overview(store, ios_zhejiang, AS_OF)
    assert result["members"].value == 2  # members 1 and 5
    assert result["new_members"].value == 1


def test_empty_scope_gives_empty_rates_not_zero(store):
    nobody = GlobalFilters(start=PERIOD.start, end=PERIOD.end, channels=("no_such_channel",))
    result = metrics.overview(store, nobody, AS_OF)
    assert result["members"].value == 0
    assert result["d1_retention"].value is None
    assert result["stickiness"].value is None
    assert result["arpu"].value is None


def test_incomplete_windows_are_empty(store):
    early = GlobalFilters(start=date(2026, 5, 10), end=date(2026, 5, 20))
    result = metrics.overview(store, early, AS_OF)
    # the 30 days ending 05-20 start before the first day with data (05-01)
    assert result["mau"].value is None
    assert result["stickiness"].value is None
    # the previous 11 days start 04-29, before the data: no comparison at all
    assert not result.previous_complete
    assert all(kpi.change is None for kpi in result.kpis)


def test_period_is_cut_at_the_as_of_date(store):
    beyond = GlobalFilters(start=date(2026, 6, 4), end=date(2026, 6, 30))
    result = metrics.overview(store, beyond, AS_OF)
    assert result.period.end == AS_OF
    assert result["dau"].value == pytest.approx(13 / 7)


def test_default_period_is_thirty_days_ending_as_of(store):
    result = metrics.overview(store, GlobalFilters(), AS_OF)
    assert result.period.start == date(2026, 5, 12)
    assert result.period.end == AS_OF


def test_daily_trend(store):
    trend = metrics.daily_trend(store, PERIOD, AS_OF)
    assert trend["active_members"].tolist() == [3, 3, 3, 0, 1, 1, 2]
    assert trend["orders"].tolist() == [1, 0, 0, 0, 0, 0, 1]
    assert trend["revenue"].tolist() == pytest.approx([100.0, 0, 0, 0, 0, 0, 50.5])


def test_tier_mix(store):
    mix = metrics.tier_mix(store, PERIOD, AS_OF)
    assert mix["tier_code"].tolist() == ["normal", "bronze", "silver", "gold"]
    assert mix["members"].tolist() == [3, 1, 1, 1]
    assert mix["share"].tolist() == pytest.approx([0.5, 1 / 6, 1 / 6, 1 / 6])


def test_same_period_last_year_values_match_hand_computation(store):
    add_last_year(store)
    result = metrics.overview(store, dataclasses.replace(PERIOD, compare="last_year"), AS_OF)
    assert result.previous_period.start == date(2025, 6, 4)
    assert result.previous_period.end == date(2025, 6, 10)
    assert result.previous_complete
    previous = {kpi.key: kpi.previous for kpi in result.kpis}
    assert previous == pytest.approx(
        {
            "members": 2,
            "new_members": 1,
            "dau": 4 / 7,
            "mau": None,
            "stickiness": None,
            "orders": 2,
            "revenue": 100.0,
            "arpu": 50.0,
            "d1_retention": 1.0,
            "d7_retention": 0.0,
        }
    )
    # this period's revenue (¥150.50, as above) against last year's ¥100
    assert result["revenue"].change == pytest.approx(0.505)
    assert result["d1_retention"].change == pytest.approx(-0.25)


def test_last_year_before_the_data_has_no_changes(store):
    result = metrics.overview(store, dataclasses.replace(PERIOD, compare="last_year"), AS_OF)
    assert not result.previous_complete
    assert all(kpi.change is None for kpi in result.kpis)

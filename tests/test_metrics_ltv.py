"""LTV against numbers worked out by hand on tests/fixtures_analytics.py.

Signup-month cohorts of the period 05-01 … 06-16: May = {1, 7}, June = {2, 3, 4, 5, 6}.
Paid orders (O4 is refunded and never counts): May cohort — O1 member 1 05-10 ¥100, O9
member 1 05-15 ¥1700, O6 member 7 05-25 ¥300, O2 member 1 06-02 ¥50; June cohort — O3
member 2 ¥200, O7 member 2 ¥60, O5 member 3 ¥40, O8 member 4 ¥100; members 5 and 6 buy
nothing but stay in the denominator.

As of 06-16: May month 0 = 2100 / 2 = 1050; May month 1 (June) has not ended → empty; June
month 0 → empty.
As of 06-30: May month 0 = 1050, month 1 = 2150 / 2 = 1075, month 2 empty; June month 0 =
(200 + 60 + 40 + 100) / 5 = 80.
By channel as of 06-30, month 0 pooled over complete cohorts: wechat May {1} ¥1800 + June
{2, 5} ¥260 → 2060 / 3; referral June {3, 4} ¥140 → 70; douyin May {7} ¥300 + June {6}
¥0 → 150. Month 1: only May is complete → wechat 1850 / 1, douyin 300 / 1, referral empty.
"""

from __future__ import annotations

import math
from datetime import date

import pytest

from core import metrics
from core.filters import GlobalFilters
from tests.fixtures_analytics import AS_OF, build_analytics_store

SPRING = GlobalFilters(date(2026, 5, 1), date(2026, 6, 16))
END_OF_JUNE = date(2026, 6, 30)


@pytest.fixture()
def store(tmp_path):
    return build_analytics_store(tmp_path / "analytics.duckdb")


def cell(frame, cohort: date, month: int, column: str = "ltv"):
    row = frame[(frame["cohort"].dt.date == cohort) & (frame["months_since_signup"] == month)]
    value = float(row[column].iloc[0])
    return None if math.isnan(value) else value


def test_ltv_as_of_mid_june(store):
    frame = metrics.ltv_cohorts(store, SPRING, AS_OF, max_months=2)
    assert cell(frame, date(2026, 5, 1), 0) == pytest.approx(1050.0)
    assert cell(frame, date(2026, 5, 1), 0, "revenue") == pytest.approx(2100.0)
    assert cell(frame, date(2026, 5, 1), 1) is None
    assert cell(frame, date(2026, 6, 1), 0) is None
    assert frame.groupby("cohort")["members"].first().tolist() == [2, 5]


def test_ltv_counts_non_buyers_and_leaves_refunds_out(store):
    frame = metrics.ltv_cohorts(store, SPRING, END_OF_JUNE, max_months=2)
    assert cell(frame, date(2026, 5, 1), 1) == pytest.approx(1075.0)
    assert cell(frame, date(2026, 5, 1), 2) is None
    assert cell(frame, date(2026, 6, 1), 0) == pytest.approx(80.0)


def test_ltv_by_channel_pools_complete_cohorts(store):
    frame = metrics.ltv_by_group(store, SPRING, END_OF_JUNE, "channel", max_months=1)
    month0 = frame[frame["months_since_signup"] == 0].set_index("group")
    assert month0["ltv"].to_dict() == pytest.approx(
        {"douyin": 150.0, "referral": 70.0, "wechat": 2060 / 3}
    )
    assert month0.loc["wechat", "cohorts"] == 2
    month1 = frame[frame["months_since_signup"] == 1].set_index("group")
    assert month1.loc["wechat", "ltv"] == pytest.approx(1850.0)
    assert month1.loc["douyin", "ltv"] == pytest.approx(300.0)
    assert math.isnan(month1.loc["referral", "ltv"])


def test_cumulative_ltv_never_falls_within_a_cohort(store):
    """Member 5 (June cohort) also pays ¥150 on 08-05, after a month (July) without orders.
    As of 08-31, months 0-3: May {1, 7} — 2100, 2150, 2150, 2150 (÷ 2: 1050, 1075, 1075,
    1075); June {2, 3, 4, 5, 6} — 400, 400 (July), 550 (August), September not ended
    (÷ 5: 80, 80, 110, empty). A month without orders keeps the cohort's value."""
    from core import rollups

    with store.transaction() as cur:
        cur.execute(
            "insert into orders (order_id, member_key, paid_at, amount, status, source) "
            "values ('O10', 5, '2026-08-05 10:00:00', 150.00, 'paid', 'file')"
        )
        rollups.complete_rollups(cur)
    frame = metrics.ltv_cohorts(store, SPRING, date(2026, 8, 31), max_months=3)
    may = [cell(frame, date(2026, 5, 1), month) for month in range(4)]
    june = [cell(frame, date(2026, 6, 1), month) for month in range(4)]
    assert may == pytest.approx([1050.0, 1075.0, 1075.0, 1075.0])
    assert june[:3] == pytest.approx([80.0, 80.0, 110.0]) and june[3] is None
    revenue = [cell(frame, date(2026, 6, 1), month, "revenue") for month in range(3)]
    assert revenue == pytest.approx([400.0, 400.0, 550.0])
    for _, cohort in frame.dropna(subset=["ltv"]).groupby("cohort"):
        assert cohort.sort_values("months_since_signup")["ltv"].is_monotonic_increasing

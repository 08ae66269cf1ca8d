"""Channel table and campaign comparison against numbers worked out by hand on
tests/fixtures_analytics.py.

Channel table, period 06-01 … 06-16, as of 2026-09-30 (every 7-, 30- and 90-day window of
the June signups has ended; no activity after 06-16):
- signups: wechat {2 (06-01 10:00), 5 (06-08)}, referral {3 (06-01 20:00), 4 (06-03)},
  douyin {6 (06-10)}.
- activation (paid order within 7 days of signup): 2 pays O3 on 06-01 12:00 → yes; 5 never;
  3's only paid order O5 is on 06-09 10:00, after 06-08 20:00 → no (O4 is refunded); 4 pays
  on 06-15 → no; 6 never. wechat 1/2, referral 0/2, douyin 0/1.
- 90-day LTV: wechat (260 + 0) / 2 = 130; referral (40 + 100) / 2 = 70; douyin 0.
- revenue in the period (all the channel's members): wechat O2 50 + O3 200 + O7 60 = 310;
  referral O5 40 + O8 100 = 140; douyin 0 (O6 is in May).
- cost: wechat June ¥3000 × 16/30 = 1600 (May is outside), douyin ¥600 × 16/30 = 320,
  referral none. CAC wechat 1600 / 2 = 800, douyin 320 / 1 = 320. ROI wechat
  (130 × 2 − 1600) / 1600 = −0.8375, douyin (0 − 320) / 320 = −1.
- retention: wechat d1 {2, 5} 1.0, d7 {2} 0.5, d30 0; referral d1 {4} 0.5, d7 0, d30 0;
  douyin 0, 0, 0. All d30 are 0, so the order is by name: douyin, referral, wechat.

Campaigns, period 05-01 … 06-16, as of 06-16:
- C2 五一 05-01…05-05: the 5 days before start 04-26, before the data → empty.
- C4 520 05-18…05-24 (douyin): during {7} = 1, before 05-11…05-17 none → growth empty (÷ 0).
- C1 618 06-10…06-16 (wechat): during {6} = 1, before 06-03…06-09 {4, 5} = 2 → −0.5;
  wechat during 0, before {5} 1 → −1.0.
- C3 late 06-15…06-20 ends after the as-of date → empty.
"""

from __future__ import annotations

import math
from datetime import date

import pytest

from core import metrics
from core.filters import GlobalFilters
from tests.fixtures_analytics import AS_OF, build_analytics_store

JUNE = GlobalFilters(date(2026, 6, 1), date(2026, 6, 16))
LATER = date(2026, 9, 30)


@pytest.fixture()
def store(tmp_path):
    return build_analytics_store(tmp_path / "analytics.duckdb")


def test_channel_table(store):
    table = metrics.channel_table(store, JUNE, LATER)
    assert table["channel"].tolist() == ["douyin", "referral", "wechat"]
    rows = table.set_index("channel")
    assert rows["signups"].to_dict() == {"douyin": 1, "referral": 2, "wechat": 2}
    assert rows["activation_rate"].to_dict() == pytest.approx(
        {"douyin": 0.0, "referral": 0.0, "wechat": 0.5}
    )
    assert rows["ltv_90d"].to_dict() == pytest.approx(
        {"douyin": 0.0, "referral": 70.0, "wechat": 130.0}
    )
    assert rows["revenue"].to_dict() == pytest.approx(
        {"douyin": 0.0, "referral": 140.0, "wechat": 310.0}
    )
    assert rows.loc["wechat", ["d1", "d7", "d30"]].tolist() == pytest.approx([1.0, 0.5, 0.0])
    assert rows.loc["referral", ["d1", "d7", "d30"]].tolist() == pytest.approx([0.5, 0.0, 0.0])


def test_cac_and_roi(store):
    rows = metrics.channel_table(store, JUNE, LATER).set_index("channel")
    assert rows.loc["wechat", "cost"] == pytest.approx(1600.0)
    assert rows.loc["wechat", "cac"] == pytest.approx(800.0)
    assert rows.loc["wechat", "roi"] == pytest.approx(-0.8375)
    assert rows.loc["douyin", "cac"] == pytest.approx(320.0)
    assert rows.loc["douyin", "roi"] == pytest.approx(-1.0)
    assert math.isnan(rows.loc["referral", "cac"])


def test_windows_not_yet_ended_are_empty(store):
    rows = metrics.channel_table(store, JUNE, AS_OF).set_index("channel")
    # as of 06-16 no June signup has had 90 days; douyin's member 6 (06-10) not even 7
    assert rows["ltv_90d"].isna().all()
    assert math.isnan(rows.loc["douyin", "activation_rate"])
    assert rows.loc["wechat", "activation_rate"] == pytest.approx(0.5)


def test_costs_are_not_split_by_region(store):
    zhejiang = GlobalFilters(JUNE.start, JUNE.end, regions=("浙江",))
    rows = metrics.channel_table(store, zhejiang, LATER).set_index("channel")
    assert rows["cac"].isna().all() and rows["roi"].isna().all()
    assert rows.loc["wechat", "signups"] == 2


def test_campaign_comparison(store):
    table = metrics.campaign_comparison(store, GlobalFilters(date(2026, 5, 1), AS_OF), AS_OF)
    assert table["campaign_id"].tolist() == ["C2", "C4", "C1", "C3"]
    rows = table.set_index("campaign_id")
    assert rows.loc["C1", ["signups_during", "signups_before"]].tolist() == [1, 2]
    assert rows.loc["C1", "growth"] == pytest.approx(-0.5)
    assert rows.loc["C1", "channel_growth"] == pytest.approx(-1.0)
    assert rows.loc["C4", "signups_during"] == 1
    assert math.isnan(rows.loc["C4", "growth"])
    assert rows.loc[["C2", "C3"], "signups_during"].isna().all()
    assert rows.loc[["C2", "C3"], "growth"].isna().all()
    assert rows.loc["C1", "days"] == 7


def test_demo_campaign_channels_grow(demo_store_path):
    from core.store import open_store
    from data.generate import PLANTED

    store = open_store(demo_store_path)
    as_of = store.last_event_day()
    table = metrics.campaign_comparison(store, GlobalFilters(start=date(2025, 1, 1)), as_of)
    # before and during have the same length, so the ratio of counts is the ratio of rates
    lifts = table["channel_signups_during"] / table["channel_signups_before"]
    assert len(table) >= 5
    assert lifts.median() == pytest.approx(PLANTED.campaign_signup_lift, rel=0.4)

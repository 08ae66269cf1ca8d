"""Time of day against numbers worked out by hand on tests/fixtures_analytics.py.

Activity by hour is events and orders (SPEC §4 "Active"): the fixture's orders come from a
file with times of day, so each order counts in its hour unless an order_paid event of the
member in the same hour stands for it (O2, O3 and O5 are such events).

Events 06-01 (Mon) … 06-16 (Tue), by weekday and hour: Mon 10h 3 (member 1), Mon 11h 3
(member 2), Mon 12h 1 (member 2) + 2 (member 5, 06-08) = 3 events of 2 members, Mon 20h 3
(member 3), Tue 22h 5 (member 1), Tue 07h 2 (member 7), Wed 08h 2 (member 4), Tue 09h
3 (member 3, 06-09) + 2 (member 7, 06-16) = 5 events of 2 members, Tue 10h 1 (member 3).
27 events, plus the June orders without an event: O4 Fri 06-05 09h (member 3, refunded:
still activity), O7 Sat 06-06 20h (member 2), O8 Mon 06-15 13h (member 4) → 30; by hour
7:2, 8:2, 9:6, 10:4, 11:3, 12:3, 13:1, 20:4, 22:5 → peak 9.

High value as of 06-16: paid spend over the 12 months: 1 → 100 + 1700 + 50 = 1850,
7 → 300, 2 → 260, 4 → 100, 3 → 40 (refund left out); top 20% of 7 members = ceil(1.4) =
2 → {1, 7}: hours 10 ×3, 22 ×5, 7 ×2, 9 ×2 (their June orders are events) → peak 22.

Best contact hour (90 days ending 06-16, member 1's 05-01 09:05 search and May orders
included): 1 → 10 (active in hour 10 on 05-10 by order O1 and on 06-01: 2 days beat 22's
one), 2 → 11, 3 → 9 (06-05 by O4 and 06-09: 2 days), 4 → 8, 5 → 12, 7 → 7 (2 at 7h, 2 at
9h, 1 at 23h by O6); member 6 has no activity.
"""

from __future__ import annotations

from datetime import date

import pytest

from core import metrics
from core.filters import GlobalFilters
from tests.fixtures_analytics import AS_OF, build_analytics_store

JUNE = GlobalFilters(date(2026, 6, 1), date(2026, 6, 16))


@pytest.fixture()
def store(tmp_path):
    return build_analytics_store(tmp_path / "analytics.duckdb")


def cell(frame, weekday: int, hour: int) -> tuple[int, int]:
    row = frame[(frame["weekday"] == weekday) & (frame["hour"] == hour)].iloc[0]
    return int(row["events"]), int(row["members"])


def test_heatmap_cells(store):
    frame = metrics.hour_heatmap(store, JUNE, AS_OF)
    assert len(frame) == 7 * 24
    assert frame["events"].sum() == 30
    assert cell(frame, 1, 12) == (3, 2)
    assert cell(frame, 1, 13) == (1, 1)
    assert cell(frame, 5, 9) == (1, 1)
    assert cell(frame, 2, 9) == (5, 2)
    assert cell(frame, 2, 22) == (5, 1)
    assert cell(frame, 3, 8) == (2, 1)
    assert cell(frame, 7, 0) == (0, 0)


def test_hour_share_and_peak(store):
    frame = metrics.hour_heatmap(store, JUNE, AS_OF)
    share = metrics.hour_share(frame).set_index("hour")
    assert share.loc[10, "events"] == 4
    assert share.loc[9, "share"] == pytest.approx(6 / 30)
    assert metrics.peak_hour(frame) == 9


def test_high_value_members_peak(store):
    frame = metrics.hour_heatmap(store, JUNE, AS_OF, group="high_value")
    assert frame["events"].sum() == 12
    assert metrics.peak_hour(frame) == 22


def test_best_contact_hours(store):
    frame = metrics.best_contact_hours(store, GlobalFilters(), AS_OF)
    assert dict(zip(frame["member_key"], frame["best_hour"], strict=True)) == {
        1: 10,
        2: 11,
        3: 9,
        4: 8,
        5: 12,
        7: 7,
    }
    distribution = metrics.best_hour_distribution(store, GlobalFilters(), AS_OF)
    assert distribution.set_index("hour")["members"].to_dict() == {
        hour: int(hour in (7, 8, 9, 10, 11, 12)) for hour in range(24)
    }


def test_no_events_no_peak(store):
    frame = metrics.hour_heatmap(store, GlobalFilters(date(2026, 5, 2), date(2026, 5, 3)), AS_OF)
    assert frame["events"].sum() == 0
    assert metrics.peak_hour(frame) is None


def test_demo_high_value_members_peak_late_at_night(demo_store_path):
    from core.store import open_store
    from data.generate import PLANTED

    store = open_store(demo_store_path)
    as_of = store.last_event_day()
    last_90_days = GlobalFilters(start=date.fromordinal(as_of.toordinal() - 89))
    frame = metrics.hour_heatmap(store, last_90_days, as_of, group="high_value")
    assert metrics.peak_hour(frame) in PLANTED.high_value_peak_hours


def test_one_best_contact_hour_everywhere(demo_store_path):
    # the hours page, the member profile / lists / alerts and the churn scores must agree
    from core import churn, segments
    from core.filters import GlobalFilters
    from core.store import close_store, open_store
    from data.generate import DEMO_END

    store = open_store(demo_store_path)
    try:
        page = metrics.best_contact_hours(store, GlobalFilters(), DEMO_END).set_index("member_key")[
            "best_hour"
        ]
        keys = [int(k) for k in page.index[:: max(1, len(page) // 800)]]
        profile = segments.best_contact_hours(store, keys, DEMO_END).set_index("member_key")
        assert len(profile) == len(keys)
        assert (profile["best_hour"] == page.loc[keys]).all()
        features = churn.features_at(store, DEMO_END).set_index("member_key")["best_hour"]
        shared = features.dropna().index.intersection(page.index)
        assert len(shared) > 1000
        assert (features.loc[shared].astype(int) == page.loc[shared]).all()
    finally:
        close_store(demo_store_path)

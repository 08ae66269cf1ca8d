"""The purchase funnel against numbers worked out by hand on tests/fixtures_analytics.py.

Events 06-01 … 06-16 (funnel steps only):
- member 1 (ios): S1 06-01 page_view 10:00, add_to_cart 10:05, checkout 10:06; S2 06-02
  page_view 22:00, add_to_cart 22:10, checkout 22:20, order_paid 22:30.
- member 2 (android): S3 page_view, add_to_cart, checkout, order_paid.
- member 3 (ios): S4 06-01 add_to_cart 20:30 *before* page_view 20:40, checkout 20:50;
  S5 06-09 add_to_cart 09:55, checkout 09:58, order_paid 10:00 (no page_view).
- member 4 (web): S6 page_view, add_to_cart. member 5: S7 page_view. member 7: S8
  page_view, checkout without a cart.
Per member: viewed {1,2,3,4,5,7} 6; carted after viewing {1, 2, 3 (06-09 09:55 after
06-01 20:40), 4} 4; checked out after that {1, 2, 3} 3; paid after that {1, 2, 3} 3.
Conversion 4/6, 3/4, 3/3; from the first step 1, 2/3, 1/2, 1/2.
Per session: viewed S1 S2 S3 S4 S6 S7 S8 = 7; carted after viewing S1 S2 S3 S6 = 4 (S4's cart
came first); checkout S1 S2 S3 = 3; paid S2 S3 = 2.
By device, per member: ios {1,3,5,7} 4 → 2 → 2 → 2; android {2} 1 → 1 → 1 → 1; web {4}
1 → 1 → 0 → 0.
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


def test_member_funnel(store):
    frame = metrics.funnel(store, JUNE, AS_OF)
    assert frame["step_name"].tolist() == list(metrics.FUNNEL_STEPS)
    assert frame["members"].tolist() == [6, 4, 3, 3]
    assert math.isnan(frame["conversion_from_previous"].iloc[0])
    assert frame["conversion_from_previous"].iloc[1:].tolist() == pytest.approx([4 / 6, 3 / 4, 1])
    assert frame["conversion_from_first"].tolist() == pytest.approx([1, 2 / 3, 1 / 2, 1 / 2])
    assert frame["drop_off"].iloc[1:].tolist() == pytest.approx([1 / 3, 1 / 4, 0])


def test_session_funnel_needs_the_steps_in_order(store):
    frame = metrics.funnel(store, JUNE, AS_OF, unit="session")
    assert frame["sessions"].tolist() == [7, 4, 3, 2]


def test_funnel_by_device(store):
    frame = metrics.funnel(store, JUNE, AS_OF, dimension="device")
    counts = frame.pivot(index="group", columns="step", values="members")
    assert counts.loc["ios"].tolist() == [4, 2, 2, 2]
    assert counts.loc["android"].tolist() == [1, 1, 1, 1]
    assert counts.loc["web"].tolist() == [1, 1, 0, 0]
    web = frame[frame["group"] == "web"]
    assert math.isnan(web["conversion_from_previous"].iloc[3])  # nobody reached checkout


def test_funnel_outside_the_events_is_empty(store):
    frame = metrics.funnel(store, GlobalFilters(date(2026, 5, 2), date(2026, 5, 3)), AS_OF)
    assert frame.empty

"""The global segment filter: a saved segment's members, materialised in ``segment_members``,
narrow every metric exactly like the attribute filters do.

Hand-built store (events, refreshed): five members, all signed up 2026-05-01 09:00 in 浙江 on
ios; channels 1 app_store, 2 wechat, 3 app_store, 4 wechat, 5 app_store. The saved segment
"wechat" (channel wechat) is members {2, 4}: two of the five.

Active days (one page view at 10:00):
    1: 06-04 06-05 06-06         2: 06-04 06-10          3: 06-05
    4: 06-04 06-05 06-06 06-07   5: 05-20 (the first day with data)
Paid orders (file): 2 → 100.00 on 06-05, 1 → 50.00 on 06-06, 4 → 30.00 on 06-07.

A paid order is activity too (SPEC §4): 2's order makes 2 active on 06-05; 1 and 4 were
active on their order days already.

Period 06-04 … 06-10 (7 days), as-of 06-10:
- everyone: DAU per day 06-04 {1,2,4} 3, 06-05 {1,2,3,4} 4, 06-06 {1,4} 2, 06-07 {4} 1,
  06-08 0, 06-09 0, 06-10 {2} 1 → mean 11/7; members 5; orders 3; revenue 180; active in
  the period {1,2,3,4} → ARPU 180 / 4 = 45.
- segment {2,4}: DAU 06-04 {2,4} 2, 06-05 {2,4} 2, 06-06 {4} 1, 06-07 {4} 1, 06-08 0,
  06-09 0, 06-10 {2} 1 → mean 7/7; members 2; orders 2; revenue 130; active {2,4} → ARPU 65.
"""

from __future__ import annotations

import inspect
from datetime import date

import pandas as pd
import pytest

from core import churn, metrics, reports, segments
from core.filters import GlobalFilters
from core.refresh import refresh
from core.store import close_store, open_store
from tests.fixtures_churn import fitted_demo_copy

AS_OF = date(2026, 6, 10)
PERIOD = GlobalFilters(date(2026, 6, 4), date(2026, 6, 10))
CHANNELS = {1: "app_store", 2: "wechat", 3: "app_store", 4: "wechat", 5: "app_store"}
ACTIVE = {
    1: ["06-04", "06-05", "06-06"],
    2: ["06-04", "06-10"],
    3: ["06-05"],
    4: ["06-04", "06-05", "06-06", "06-07"],
    5: ["05-20"],
}
ORDERS = [("O1", 2, "2026-06-05 12:00:00", 100.0), ("O2", 1, "2026-06-06 12:00:00", 50.0),
          ("O3", 4, "2026-06-07 12:00:00", 30.0)]  # fmt: skip
WECHAT = segments.SegmentDefinition(channels=("wechat",))


def _add_member(cur, key: int, channel: str, signup: str = "2026-05-01 09:00:00") -> None:
    cur.execute(
        "insert into members (member_key, member_id, signup_at, status, channel, tier, region, "
        "device) values ($k, $id, $s, 'active', $c, 'normal', '浙江', 'ios')",
        {"k": key, "id": f"M{key:03d}", "s": signup, "c": channel},
    )


def _add_event(cur, key: int, day: str, uid: int) -> None:
    cur.execute(
        "insert into events (member_key, event_time, event_type, event_uid) "
        "values ($k, $t, 'page_view', $uid)",
        {"k": key, "t": f"2026-{day} 10:00:00", "uid": uid},
    )


@pytest.fixture()
def store(tmp_path):
    path = tmp_path / "segment_filter.duckdb"
    close_store(path)
    store = open_store(path)
    with store.transaction() as cur:
        uid = 0
        for key, channel in CHANNELS.items():
            _add_member(cur, key, channel)
            for day in ACTIVE[key]:
                uid += 1
                _add_event(cur, key, day, uid)
        for order_id, key, paid_at, amount in ORDERS:
            cur.execute(
                "insert into orders (order_id, member_key, paid_at, amount, status, source) "
                "values ($o, $k, $p, $a, 'paid', 'file')",
                {"o": order_id, "k": key, "p": paid_at, "a": amount},
            )
    refresh(store)
    yield store
    close_store(path)


def materialised(store, segment_id: int) -> list[int]:
    return segments.segment_member_keys_now(store, segment_id)


def test_segment_of_two_changes_the_overview_and_activity_by_hand(store):
    sid = segments.save_segment(store, "analyst", "ann", "wechat", WECHAT)
    assert materialised(store, sid) == [2, 4]
    everyone = metrics.overview(store, PERIOD, AS_OF)
    chosen = metrics.overview(store, GlobalFilters(PERIOD.start, PERIOD.end, segment=sid), AS_OF)
    assert everyone["members"].value == 5
    assert chosen["members"].value == 2
    assert everyone["dau"].value == pytest.approx(11 / 7)
    assert chosen["dau"].value == pytest.approx(7 / 7)
    assert (everyone["orders"].value, everyone["revenue"].value) == (3, pytest.approx(180))
    assert (chosen["orders"].value, chosen["revenue"].value) == (2, pytest.approx(130))
    assert everyone["arpu"].value == pytest.approx(45)
    assert chosen["arpu"].value == pytest.approx(65)

    all_days = metrics.activity_daily(store, PERIOD, AS_OF)
    in_segment = GlobalFilters(PERIOD.start, PERIOD.end, segment=sid)
    seg_days = metrics.activity_daily(store, in_segment, AS_OF)
    assert all_days["dau"].tolist() == [3, 4, 2, 1, 0, 0, 1]
    assert seg_days["dau"].tolist() == [2, 2, 1, 1, 0, 0, 1]


def test_segment_and_attribute_filters_combine(store):
    sid = segments.save_segment(store, "analyst", "ann", "wechat", WECHAT)
    both = GlobalFilters(PERIOD.start, PERIOD.end, channels=("app_store",), segment=sid)
    assert metrics.overview(store, both, AS_OF)["members"].value == 0
    tags = segments.tag_counts(store, AS_OF, GlobalFilters(segment=sid))
    assert tags["members"].max() <= 2


def test_membership_is_rebuilt_on_save_edit_and_delete(store):
    sid = segments.save_segment(store, "analyst", "ann", "wechat", WECHAT)
    assert materialised(store, sid) == [2, 4]
    app = segments.SegmentDefinition(channels=("app_store",))
    segments.save_segment(store, "analyst", "ann", "app store", app, sid)
    assert materialised(store, sid) == [1, 3, 5]
    as_of = store.scalar("select as_of from segment_builds where segment_id = $id", {"id": sid})
    assert as_of == AS_OF
    segments.delete_segment(store, "analyst", "ann", sid)
    assert materialised(store, sid) == []
    assert store.scalar("select count(*) from segment_builds") == 0


def test_membership_is_rebuilt_on_refresh(store):
    sid = segments.save_segment(store, "analyst", "ann", "wechat", WECHAT)
    with store.transaction() as cur:
        _add_member(cur, 6, "wechat", "2026-06-08 09:00:00")
        _add_event(cur, 6, "06-11", 100)
    assert materialised(store, sid) == [2, 4]  # materialised: unchanged until the refresh
    report = refresh(store)
    assert report.segments_built == 1
    assert materialised(store, sid) == [2, 4, 6]
    assert store.scalar("select as_of from segment_builds") == date(2026, 6, 11)


def test_a_segment_saved_before_the_table_existed_is_built_on_first_use(store):
    sid = segments.save_segment(store, "analyst", "ann", "wechat", WECHAT)
    with store.transaction() as cur:
        cur.execute("delete from segment_members")
        cur.execute("delete from segment_builds")
    assert segments.ensure_segment_members(store) == [sid]
    assert materialised(store, sid) == [2, 4]
    assert segments.ensure_segment_members(store) == []


# -- every query that receives the filters names $segment --------------------------------------


@pytest.fixture(scope="module")
def demo_copy(demo_store_path):
    path, fit = fitted_demo_copy(demo_store_path)
    store = open_store(path)
    channel = store.scalar(
        "select channel from members group by 1 order by count(*) desc, 1 limit 1"
    )
    sid = segments.save_segment(
        store, "analyst", "ann", "top channel", segments.SegmentDefinition(channels=(channel,))
    )
    yield store, fit, sid
    close_store(path)


def _call(view, store, filters, as_of):
    needed = [
        p.name
        for p in inspect.signature(view).parameters.values()
        if p.default is inspect.Parameter.empty
    ]
    extra = {"dimension": "channel"} if "dimension" in needed else {}
    if "start_step" in inspect.signature(view).parameters:  # a Sankey needs its start
        extra["start_step"] = "home"
    return view(store, filters, as_of, **extra)


def test_every_view_report_and_list_runs_with_and_without_a_segment(demo_copy):
    store, fit, sid = demo_copy
    as_of = store.last_event_day()
    members = set(segments.segment_member_keys_now(store, sid))
    assert 0 < len(members) < store.scalar("select count(*) from members")
    without, chosen = GlobalFilters(), GlobalFilters(segment=sid)
    for name, view in metrics.ANALYTICS_VIEWS.items():
        for filters in (without, chosen):
            result = _call(view, store, filters, as_of)
            assert result is not None, name
    for name in reports.report_names():
        # paths needs the step its Sankey starts from
        options = reports.ReportOptions(start_step="home" if name == "paths" else None)
        for filters in (without, chosen):
            frame = reports.run_report(store, name, filters, as_of, options)
            assert isinstance(frame, pd.DataFrame), name
    for function in (metrics.daily_trend, metrics.tier_mix, metrics.best_contact_hours):
        for filters in (without, chosen):
            function(store, filters, as_of)
    assert metrics.overview(store, chosen, as_of)["members"].value == len(members)
    assert metrics.overview(store, without, as_of)["members"].value > len(members)
    survival = churn.survival_frame(store, as_of, filters=chosen)
    assert set(survival["member_key"]) <= members
    everyone = churn.at_risk_list(store, fit.run_id, without)
    at_risk = churn.at_risk_list(store, fit.run_id, chosen)
    ids = set(store.df("select member_id from members where list_contains($k, member_key)",
                       {"k": sorted(members)})["member_id"])  # fmt: skip
    assert set(at_risk["member_id"]) <= ids
    assert 0 < len(at_risk) < len(everyone)
    ltv = churn.ltv_by_group(store, fit.run_id, "channel", chosen)
    assert ltv["members"].sum() == len(members)

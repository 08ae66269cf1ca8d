"""The member list of a chart element (drill-down, issue 14.7) through AppTest, on the
hand-made store of tests/fixtures_analytics.py, and a drill-down list saved as a segment.

Hand-worked members (tests/test_drilldown.py): period 06-01 … 06-16, wechat signups are
members 2 (B) and 5 (E); who added to cart but did not check out is member 4 (D).
"""

from __future__ import annotations

import json
import time

import pytest
from streamlit.testing.v1 import AppTest

from core import i18n, segments
from core.config import PROJECT_ROOT
from tests.fixtures_analytics import AS_OF, build_analytics_store
from tests.fixtures_app import app_store

APP = str(PROJECT_ROOT / "app.py")
JUNE = {"from": "2026-06-01", "to": "2026-06-16"}


@pytest.fixture()
def store(tmp_path, monkeypatch):
    with app_store(tmp_path, monkeypatch, build_analytics_store, "drill.duckdb") as store:
        yield store


def open_list(username: str, query: dict) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["ml_session"] = {"username": username, "issued_at": time.time()}
    at.query_params.update(query)
    at.run()
    return at.switch_page("pages/member_list.py").run()


def listed(at: AppTest) -> list[str]:
    return sorted(at.dataframe[0].value.iloc[:, 0].tolist())


def test_a_channel_drill_lists_its_signups(store):
    at = open_list("analyst", {**JUNE, "drill": "channel", "value": "wechat"})
    assert not at.exception, at.exception
    assert at.radio[0].value == "drill"
    assert [i.value for i in at.info] == [
        "2026\\-06\\-01 至 2026\\-06\\-16 经「微信」渠道注册的会员"
    ]
    assert listed(at) == ["B", "E"]
    assert at.caption[0].value.startswith("2 位会员")


def test_a_dropoff_drill_in_english(store):
    with store.transaction() as cur:
        cur.execute("update accounts set language = 'en' where username = 'analyst'")
    at = open_list("analyst", {**JUNE, "drill": "dropoff", "value": "2"})
    assert not at.exception, at.exception
    text = at.info[0].value.replace("\\", "")
    assert text == i18n.t(
        "drill.dropoff",
        "en",
        step=i18n.t("funnel.step.add_to_cart", "en"),
        next=i18n.t("funnel.step.checkout", "en"),
        start="2026-06-01",
        end="2026-06-16",
    )
    assert text.startswith("Members who reached")
    assert listed(at) == ["D"]


def test_the_global_filters_scope_the_drill(store):
    # member 5 (E) signed up on 06-08: a period ending 06-07 leaves member 2 (B) only
    at = open_list(
        "operator",
        {"from": "2026-06-01", "to": "2026-06-07", "drill": "channel", "value": "wechat"},
    )
    assert not at.exception, at.exception
    assert listed(at) == ["B"]


def test_a_viewer_may_not_open_a_drill_list(store):
    at = open_list("viewer", {**JUNE, "drill": "channel", "value": "wechat"})
    assert not at.exception
    assert not at.dataframe
    assert at.error[0].value == i18n.t("access.denied", "zh", role=i18n.t("role.viewer", "zh"))


def test_a_bad_drill_link_is_refused(store):
    at = open_list("analyst", {**JUNE, "drill": "hour", "value": "9,99"})
    assert not at.exception, at.exception
    assert i18n.t("drill.bad_link", "zh") in [w.value for w in at.warning]
    assert "drill" not in at.query_params
    assert at.radio[0].value == "tag"


def test_an_analyst_saves_a_drill_list_as_a_segment(store):
    at = open_list("analyst", {**JUNE, "drill": "channel", "value": "wechat"})
    name = next(t for t in at.text_input if t.label == i18n.t("segments.name", "zh"))
    name.input("微信六月新客")
    next(b for b in at.button if b.label == i18n.t("drill.save", "zh")).click()
    at = at.run()
    assert not at.exception, at.exception
    saved = segments.list_segments(store)
    assert [(s.name, s.owner, s.definition.members) for s in saved] == [
        ("微信六月新客", "analyst", (2, 5))
    ]
    assert segments.segment_member_keys_now(store, saved[0].segment_id) == [2, 5]
    assert any("微信六月新客" in s.value for s in at.success)
    actions = store.df("select action, after_json from audit_log where action = 'segment.create'")
    assert len(actions) == 1
    after = json.loads(actions["after_json"].iloc[0])
    assert (after["fixed_members"], after["members"]) == (2, 2)  # how many, never who


def test_a_viewer_channels_chart_has_no_drill(store):
    # the chart selection is only offered to roles that may open member lists
    for username, selectable in (("viewer", False), ("analyst", True)):
        at = AppTest.from_file(APP, default_timeout=60)
        at.session_state["ml_session"] = {"username": username, "issued_at": time.time()}
        at.query_params.update({"from": "2026-05-01", "to": "2026-06-16", "as_of": "2026-09-30"})
        at.run()
        at = at.switch_page("pages/channels.py").run()
        assert not at.exception, at.exception
        charts = at.get("vega_lite_chart")
        assert len(charts) == 3
        modes = [list(chart.proto.selection_mode) for chart in charts]
        assert modes == ([["drill"], [], []] if selectable else [[], [], []]), username


def test_a_fixed_segment_says_so_and_keeps_its_members_when_renamed(store):
    with store.transaction() as cur:  # the segments page needs a tag snapshot
        segments.refresh_tags(cur, AS_OF, backfill_days=1)
    sid = segments.save_segment(
        store, "analyst", "analyst", "微信六月新客", segments.SegmentDefinition(members=(2, 5))
    )
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["ml_session"] = {"username": "analyst", "issued_at": time.time()}
    at.query_params.update({"segment": str(sid)})
    at.run()
    at = at.switch_page("pages/segments.py").run()
    assert not at.exception, at.exception
    assert i18n.t("drill.fixed_segment", "zh", n="2") in [c.value for c in at.caption]
    name = next(t for t in at.text_input if t.label == i18n.t("segments.name", "zh"))
    name.input("微信六月新客（改名）")
    next(b for b in at.button if b.label == i18n.t("segments.save", "zh")).click()
    at = at.run()
    assert not at.exception, at.exception
    assert segments.get_segment(store, sid).name == "微信六月新客（改名）"
    assert segments.segment_member_keys_now(store, sid) == [2, 5]

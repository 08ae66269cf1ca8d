"""The Paths page through AppTest over tests/fixtures_paths.py: guarded like the other
dashboards, its charts drawn, steps shown as labels, and a clear note on a store without
events (tests/fixtures_app.py's small store holds members and orders only)."""

from __future__ import annotations

import time

import pytest
from streamlit.testing.v1 import AppTest

from core import auth, i18n
from core.config import PROJECT_ROOT
from core.ingest import import_dir
from core.refresh import refresh
from core.store import open_store
from tests.fixtures_app import app_store, build_small_store
from tests.fixtures_paths import build_paths_store
from tests.test_pages_labels import problems as labels_problems

APP = str(PROJECT_ROOT / "app.py")
PAGE = "pages/paths.py"
WEEK = {"from": "2026-06-01", "to": "2026-06-04"}


@pytest.fixture()
def store(tmp_path, monkeypatch):
    with app_store(tmp_path, monkeypatch, build_paths_store, "paths.duckdb") as store:
        yield store


def open_page(username: str, query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["ml_session"] = {"username": username, "issued_at": time.time()}
    if query:
        at.query_params.update(query)
    at.run()
    return at.switch_page(PAGE).run()


def charts(at: AppTest) -> list:
    return at.get("vega_lite_chart")


def test_analyst_sees_matrix_sankey_loops_and_dwell(store):
    at = open_page("analyst", WEEK)
    assert not at.exception, at.exception
    assert at.title[0].value == i18n.t("paths.title", "zh")
    # the transition matrix, the Sankey and the dwell bars
    assert len(charts(at)) == 3
    # tests/test_paths.py: the loops occur once each; the first by name is home → product
    loop = i18n.t("paths.top_loop", "zh", loop="home → product → home", loops="1", sessions="1")
    assert loop in [markdown.value for markdown in at.markdown]
    # one table behind the matrix, the loops, the Sankey and the dwell, each downloadable
    assert len(at.get("download_button")) == len(at.expander) == 4


def test_steps_and_pseudo_steps_are_labelled(store):
    at = open_page("analyst", WEEK)
    transitions = at.dataframe[0].value
    from_header, to_header = i18n.t("col.from_step", "zh"), i18n.t("col.to_step", "zh")
    shown = set(transitions[from_header]) | set(transitions[to_header])
    assert {"离开", "加购", "结算", "浏览（未记页面）"} <= shown
    assert not shown & {"(exit)", "add_to_cart", "page_view"}
    # pages are the data's own names
    assert {"home", "product", "list"} <= shown


def test_the_sankey_follows_the_link(store):
    at = open_page("analyst", {**WEEK, "paths_direction": "before", "paths_step": "add_to_cart"})
    assert not at.exception
    flows = at.dataframe[2].value
    # tests/test_paths.py: the paths before add_to_cart, depth 1 links from product and list
    depth = flows[i18n.t("col.depth", "zh")]
    assert sorted(flows[depth == 1][i18n.t("col.from_step", "zh")]) == ["list", "product"]
    assert "进入" in set(flows[i18n.t("col.from_step", "zh")])


def test_dwell_by_device_shows_device_labels(store):
    at = open_page("analyst", {**WEEK, "paths_dwell_by": "device"})
    assert not at.exception
    dwell = at.dataframe[-1].value
    assert set(dwell[i18n.t("col.device", "zh")]) == {"iOS", "安卓", "网页"}


def test_support_is_refused(store):
    at = open_page("support", WEEK)
    assert not at.exception
    assert at.error and not charts(at) and not at.title


def test_english(store):
    auth.set_language(store, "viewer", "en")
    at = open_page("viewer", WEEK)
    assert not at.exception
    assert at.title[0].value == i18n.t("paths.title", "en")
    assert not at.get("download_button")  # a viewer may not export


def test_a_store_without_events_says_so(tmp_path, monkeypatch):
    with app_store(tmp_path, monkeypatch, build_small_store, "orders.duckdb"):
        at = open_page("analyst")
        assert not at.exception
        assert [info.value for info in at.info] == [i18n.t("paths.missing.events", "zh")]
        assert not charts(at)


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_no_codes_raw_headers_or_none_in_any_table(store, lang):
    """The sweep of tests/test_pages_labels.py over this page, with the dwell by device
    (device codes) and the Sankey before a step (the start pseudo-step)."""
    auth.set_language(store, "analyst", lang)
    query = {**WEEK, "paths_dwell_by": "device", "paths_direction": "before"}
    at = open_page("analyst", query)
    assert not at.exception
    assert len(at.dataframe) == 4
    assert labels_problems(at) == []


def test_no_matching_members_gives_a_message(store):
    # both values exist in the store, but no member is in 浙江 and on android
    at = open_page("viewer", {**WEEK, "region": "浙江", "device": "android"})
    assert not at.exception
    assert [info.value for info in at.info] == [i18n.t("analytics.empty", "zh")]
    assert not charts(at)


def test_an_unknown_step_in_the_link_is_refused(store):
    at = open_page("analyst", {**WEEK, "paths_step": "nowhere"})
    assert not at.exception
    assert at.warning  # the link's value is named and dropped
    assert len(charts(at)) == 3  # the Sankey falls back to the busiest step


def build_dates_only_store(path):
    """Members and events whose times are dates alone (no order within a day)."""
    folder = path.parent / "dates_only"
    folder.mkdir()
    (folder / "members.csv").write_text("member_id,signup_at\nA,2026-05-01\n", encoding="utf-8")
    (folder / "events.csv").write_text(
        "member_id,event_time,event_type,page\n"
        "A,2026-06-01,page_view,home\n"
        "A,2026-06-01,page_view,product\n",
        encoding="utf-8",
    )
    store = open_store(path)
    assert import_dir(store, folder, reports_dir=folder / "reports").status == "loaded"
    refresh(store)
    return store


def test_dates_without_times_say_why_there_are_no_paths(tmp_path, monkeypatch):
    with app_store(tmp_path, monkeypatch, build_dates_only_store, "dates.duckdb"):
        at = open_page("analyst")
        assert not at.exception
        assert [info.value for info in at.info] == [i18n.t("paths.missing.times", "zh")]
        assert not charts(at)


def build_paths_store_with_segment(path):
    """The session store with a saved segment 高价值: members on ios or android (P1, P2;
    the app builds its members from this definition on first use)."""
    store = build_paths_store(path)
    with store.transaction() as cur:
        cur.execute(
            "insert into saved_segments values (901, '高价值', 'admin', [], ['ios', 'android'], "
            "[], [], [], [], [], now(), now())"
        )
        cur.execute("insert into segment_members values (901, 1), (901, 2)")
    return store


def test_dwell_by_segment_shows_segment_names(tmp_path, monkeypatch):
    with app_store(tmp_path, monkeypatch, build_paths_store_with_segment, "seg.duckdb"):
        at = open_page("analyst", {**WEEK, "paths_dwell_by": "segment"})
        assert not at.exception
        dwell = at.dataframe[-1].value
        assert set(dwell[i18n.t("col.segment", "zh")]) == {"高价值"}
        # tests/test_paths.py: P3's list view is in no segment, so list has P1's two views
        rows = dwell.set_index(i18n.t("col.page", "zh"))
        assert rows.loc["list", i18n.t("col.views", "zh")] == 2

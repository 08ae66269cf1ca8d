"""Pages on stores of other shapes than the demo's, through Streamlit's AppTest.

- an orders-only store (members + orders, dates without times): the activity, retention,
  LTV and overview pages draw their charts from the orders (never "no activity yet"); the
  funnel, time-of-day and keyword sections each say in one sentence that their data is
  absent, and draw no chart;
- a store whose events carry no session id: the funnel per member is drawn, per session it
  says the sessions are missing.
"""

from __future__ import annotations

import time

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from core import auth, i18n
from core.config import PROJECT_ROOT
from core.ingest import import_dir
from core.store import close_store, open_store
from tests.fixtures_app import COOKIE_KEY, add_accounts
from tests.test_orders_only import MEMBERS, ORDERS

APP = str(PROJECT_ROOT / "app.py")
SPRING = {"from": "1997-01-01", "to": "1997-03-31"}
NO_DATA = {i18n.t("analytics.no_data", "zh"), i18n.t("overview.no_data", "zh")}

EVENTS_NO_SESSIONS = (
    "member_id,event_time,event_type\n"
    "A,1997-01-01,page_view\n"
    "A,1997-01-01,add_to_cart\n"
    "A,1997-01-01,checkout\n"
    "A,1997-01-01,order_paid\n"
    "B,1997-01-02,page_view\n"
)


def make_store(path, monkeypatch, files: dict[str, str]):
    monkeypatch.setattr(auth, "BCRYPT_ROUNDS", 4)
    monkeypatch.setenv("MEMBERLENS_DB", str(path))
    monkeypatch.setenv(auth.COOKIE_KEY_ENV_VAR, COOKIE_KEY)
    folder = path.parent / "in"
    folder.mkdir()
    for table, text in files.items():
        (folder / f"{table}.csv").write_text(text, encoding="utf-8")
    close_store(path)
    store = open_store(path)
    assert import_dir(store, folder, reports_dir=folder / "reports").status == "loaded"
    add_accounts(store)
    # earlier modules' AppTests leave cached frames and store handles of other stores
    st.cache_data.clear()
    st.cache_resource.clear()
    return store


@pytest.fixture()
def orders_only(tmp_path, monkeypatch):
    store = make_store(
        tmp_path / "orders.duckdb", monkeypatch, {"members": MEMBERS, "orders": ORDERS}
    )
    yield store
    close_store(store.path)


@pytest.fixture()
def no_sessions(tmp_path, monkeypatch):
    files = {"members": MEMBERS, "events": EVENTS_NO_SESSIONS}
    store = make_store(tmp_path / "events.duckdb", monkeypatch, files)
    yield store
    close_store(store.path)


def open_page(page: str, query: dict | None = None) -> AppTest:
    """``page`` opened by the analyst with the spring period and ``query`` in the link
    (page controls are kept in the link, core.page_controls)."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["ml_session"] = {"username": "analyst", "issued_at": time.time()}
    at.query_params.update(SPRING)
    at.run()
    at = at.switch_page(page)
    at.query_params.update(query or {})
    return at.run()


def infos(at: AppTest) -> list[str]:
    return [info.value for info in at.info]


def charts(at: AppTest) -> list:
    return at.get("vega_lite_chart")


@pytest.mark.parametrize(
    "page", ["pages/activity.py", "pages/retention.py", "pages/ltv.py", "pages/overview.py"]
)
def test_order_pages_draw_from_orders(orders_only, page):
    at = open_page(page)
    assert not at.exception
    assert not NO_DATA & set(infos(at))
    assert charts(at) or at.metric


@pytest.mark.parametrize(
    ("page", "key"),
    [
        ("pages/funnel.py", "shape.missing.page_views"),
        ("pages/hours.py", "shape.missing.times_of_day"),
    ],
)
def test_pages_without_their_data_say_so_in_one_sentence(orders_only, page, key):
    at = open_page(page)
    assert not at.exception
    assert infos(at) == [i18n.t(key, "zh")]
    assert not charts(at)


def test_keywords_without_searches_say_so(orders_only):
    at = open_page("pages/demographics.py")
    assert not at.exception
    assert i18n.t("shape.missing.searches", "zh") in infos(at)
    assert i18n.t("shape.missing.categories", "zh") in infos(at)
    assert not charts(at)
    assert i18n.t("demographics.no_searches", "zh") not in infos(at)


def test_funnel_per_session_without_session_ids(no_sessions):
    per_member = open_page("pages/funnel.py")
    assert not per_member.exception
    assert charts(per_member)
    assert not infos(per_member)
    per_session = open_page("pages/funnel.py", {"funnel_unit": "session"})
    assert not per_session.exception
    assert infos(per_session) == [i18n.t("shape.missing.sessions", "zh")]
    assert not charts(per_session)


def test_dates_without_times_say_so_on_the_hours_page(no_sessions):
    at = open_page("pages/hours.py")
    assert not at.exception
    assert infos(at) == [i18n.t("shape.missing.times_of_day", "zh")]
    assert not charts(at)


def test_the_data_page_lists_the_kinds_of_data(orders_only):
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["ml_session"] = {"username": "admin", "issued_at": time.time()}
    at.run()
    at = at.switch_page("pages/data.py").run()
    assert not at.exception
    kinds = next(
        frame.value for frame in at.dataframe if i18n.t("data.kind", "zh") in frame.value.columns
    )
    names, present = kinds[i18n.t("data.kind", "zh")], kinds[i18n.t("data.kind_present", "zh")]
    held = dict(zip(names, present, strict=True))
    yes, no = i18n.t("data.yes", "zh"), i18n.t("data.no", "zh")
    assert held[i18n.t("data_kind.orders", "zh")] == yes
    assert held[i18n.t("data_kind.events", "zh")] == no
    assert held[i18n.t("data_kind.times_of_day", "zh")] == no

"""The app shell through Streamlit's AppTest: sign-in, menus, guards, filters in the URL."""

from __future__ import annotations

import time

import pytest
from streamlit.testing.v1 import AppTest

from core import auth, i18n, permissions, ui
from core.config import PROJECT_ROOT
from core.store import close_store
from tests.fixtures_app import COOKIE_KEY, PASSWORDS, add_accounts, build_small_store

APP = str(PROJECT_ROOT / "app.py")
LOGIN_TITLE = i18n.t("login.title", "zh")
PERIOD = {"from": "2026-06-04", "to": "2026-06-10"}


@pytest.fixture()
def store(tmp_path, monkeypatch):
    monkeypatch.setattr(auth, "BCRYPT_ROUNDS", 4)
    path = tmp_path / "app.duckdb"
    monkeypatch.setenv("MEMBERLENS_DB", str(path))
    monkeypatch.setenv(auth.COOKIE_KEY_ENV_VAR, COOKIE_KEY)
    store = build_small_store(path)
    add_accounts(store)
    yield store
    close_store(path)


def app(username: str | None = None, query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    if username:
        at.session_state["ml_session"] = {"username": username, "issued_at": time.time()}
    if query:
        at.query_params.update(query)
    return at


def menu_labels(at: AppTest) -> list[str]:
    return [link.value for link in at.sidebar.get("page_link")]


def metrics_by_label(at: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in at.metric}


def shows_no_data(at: AppTest) -> bool:
    # Streamlit 1.67 reports altair charts as "vega_lite_chart" elements.
    return not at.metric and not at.dataframe and not at.get("vega_lite_chart")


def sign_in(at: AppTest, username: str, password: str) -> AppTest:
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    return at.button[0].click().run()


# -- signed out -----------------------------------------------------------------------------


@pytest.mark.parametrize("spec", permissions.PAGES, ids=lambda spec: spec.key)
def test_each_page_file_signed_out_shows_only_the_sign_in_form(store, spec):
    at = AppTest.from_file(str(PROJECT_ROOT / spec.file), default_timeout=30).run()
    assert not at.exception
    assert [title.value for title in at.title] == [LOGIN_TITLE]
    assert shows_no_data(at)
    assert not at.sidebar.get("page_link")


@pytest.mark.parametrize("spec", permissions.PAGES, ids=lambda spec: spec.key)
def test_each_page_url_signed_out_shows_only_the_sign_in_form(store, spec):
    at = app().run()
    at.switch_page(spec.file).run()
    assert not at.exception
    assert [title.value for title in at.title] == [LOGIN_TITLE]
    assert shows_no_data(at)


def test_sign_in_then_overview(store):
    at = sign_in(app().run(), "viewer", PASSWORDS["viewer"])
    assert not at.exception
    assert at.title[0].value == i18n.t("overview.title", "zh")
    assert at.metric


def test_unknown_user_and_wrong_password_get_the_same_message(store):
    wrong = sign_in(app().run(), "viewer", "not-the-password")
    unknown = sign_in(app().run(), "no-such-user", "not-the-password")
    assert [e.value for e in wrong.error] == [i18n.t("login.invalid", "zh")]
    assert [e.value for e in unknown.error] == [e.value for e in wrong.error]
    assert shows_no_data(wrong) and shows_no_data(unknown)


def test_lockout_after_five_failures_and_its_expiry(store):
    at = app().run()
    for _ in range(4):
        sign_in(at, "analyst", "wrong-password")
        assert at.error[0].value == i18n.t("login.invalid", "zh")
    sign_in(at, "analyst", "wrong-password")
    locked = i18n.t("login.locked", "zh", minutes=15)
    assert at.error[0].value == locked
    sign_in(at, "analyst", PASSWORDS["analyst"])  # the right password, still locked
    assert [e.value for e in at.error] == [locked]
    assert shows_no_data(at)
    # fifteen minutes later (moved back in the store rather than waiting)
    with store.transaction() as cur:
        cur.execute(
            "update login_throttle set locked_until = locked_until - interval 15 minute, "
            "last_failed_at = last_failed_at - interval 15 minute"
        )
    sign_in(at, "analyst", PASSWORDS["analyst"])
    assert not at.error
    assert at.title[0].value == i18n.t("overview.title", "zh")


# -- menus and guards -----------------------------------------------------------------------


@pytest.mark.parametrize("role", [role.value for role in permissions.Role])
def test_each_role_sees_exactly_its_menu(store, role):
    at = app(role).run()
    assert not at.exception
    expected = [i18n.t(spec.title, "zh") for spec in permissions.menu(role)]
    assert menu_labels(at) == expected
    if role == "admin":
        assert i18n.t("page.data", "zh") in expected
    else:
        assert i18n.t("page.data", "zh") not in expected


def test_viewer_opening_the_admin_page_is_denied_and_recorded(store):
    at = app("viewer").run()
    at.switch_page("pages/data.py").run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        i18n.t("access.denied", "zh", role=i18n.t("role.viewer", "zh"))
    ]
    assert shows_no_data(at)
    assert not at.title
    denied = store.df(
        "select username, role, target from access_log where event = 'page' and outcome = 'denied'"
    )
    assert denied.to_dict("records") == [{"username": "viewer", "role": "viewer", "target": "data"}]


def test_admin_sees_the_data_page(store):
    at = app("admin").run()
    at.switch_page("pages/data.py").run()
    assert not at.exception and not at.error
    assert at.title[0].value == i18n.t("data.title", "zh")
    assert at.dataframe  # row counts


def test_disabled_account_loses_its_open_session(store):
    at = app("operator").run()
    assert at.metric
    auth.disable_account(store, "admin", "operator")
    at.run()
    assert [title.value for title in at.title] == [LOGIN_TITLE]
    assert at.warning[0].value == i18n.t("session.ended", "zh")
    assert shows_no_data(at)


def test_logout_ends_the_session(store):
    at = app("analyst").run()
    at.sidebar.button(key="ml_logout").click().run()
    assert [title.value for title in at.title] == [LOGIN_TITLE]
    assert shows_no_data(at)
    # the session issued before logout is void, even if replayed
    assert auth.session_account(store, "analyst", time.time() - 5) is None


# -- KPIs and filters in the URL ------------------------------------------------------------


def test_overview_kpis_equal_hand_computed_values(store):
    at = app("viewer", PERIOD).run()
    assert not at.exception
    assert metrics_by_label(at) == {
        "会员数": "6",
        "新增会员": "4",
        "日活（DAU）": "1.9",  # 13 / 7
        "月活（MAU）": "6",
        "粘性（DAU/MAU）": "31.0%",  # (13 / 7) / 6
        "订单数": "2",
        "收入": "¥150.50",
        "ARPU": "¥25.08",  # 150.50 / 6
        "次日留存": "75.0%",
        "7日留存": "—",  # no complete day-7 cohort: empty, not zero
    }


def test_filters_round_trip_through_query_params(store):
    query = {**PERIOD, "region": "浙江", "device": ["ios", "android"]}
    at = app("viewer", query).run()
    assert not at.exception and not at.warning
    assert at.date_input(key="flt_from").value.isoformat() == "2026-06-04"
    assert at.date_input(key="flt_to").value.isoformat() == "2026-06-10"
    assert at.multiselect(key="flt_region").value == ["浙江"]
    assert at.multiselect(key="flt_device").value == ["ios", "android"]
    assert at.query_params == query
    assert metrics_by_label(at)["会员数"] == "3"  # members 1, 2, 5


def test_changing_a_filter_writes_the_url(store):
    at = app("viewer", PERIOD).run()
    at.multiselect(key="flt_region").select("浙江").run()
    assert at.query_params == {**PERIOD, "region": "浙江"}
    assert metrics_by_label(at)["会员数"] == "3"
    # the menu links carry the filters to the next page
    links = at.sidebar.get("page_link")
    assert all("region=%E6%B5%99%E6%B1%9F" in link.proto.query_string for link in links)


def test_sidebar_widgets_keep_the_filters_after_a_page_switch(store):
    # regression: widgets on another page are new widgets to Streamlit; the sidebar showed
    # defaults (and a start date equal to the as-of date) over correctly filtered numbers
    at = app("analyst", {**PERIOD, "region": "浙江"}).run()
    at.switch_page("pages/activity.py").run()
    assert not at.exception
    assert at.multiselect(key="flt_region").value == ["浙江"]
    assert at.date_input(key="flt_from").value.isoformat() == "2026-06-04"
    assert at.date_input(key="flt_to").value.isoformat() == "2026-06-10"
    at.multiselect(key="flt_device").select("ios").run()
    assert at.query_params == {**PERIOD, "region": "浙江", "device": "ios"}


def test_a_shared_link_opens_the_same_view_for_another_user(store):
    first = app("analyst", PERIOD).run()
    first.multiselect(key="flt_device").select("ios").run()
    link = dict(first.query_params)
    second = app("viewer", link).run()
    assert metrics_by_label(second) == metrics_by_label(first)
    assert metrics_by_label(second)["会员数"] == "3"  # members 1, 3, 5


def test_segment_filter_round_trips_through_the_url_and_narrows_the_overview(store):
    from core import segments

    sid = segments.save_segment(
        store,
        "analyst",
        "analyst",
        "App Store",
        segments.SegmentDefinition(channels=("app_store",)),
    )
    query = {**PERIOD, "segment": str(sid)}
    at = app("viewer", query).run()
    assert not at.exception and not at.warning
    assert at.selectbox(key="flt_segment").value == sid
    assert at.query_params == query
    assert metrics_by_label(at)["会员数"] == "2"  # members 1 and 4
    links = at.sidebar.get("page_link")
    assert all(f"segment={sid}" in link.proto.query_string for link in links)
    # choosing "all members" in the sidebar takes the segment out of the link
    at.selectbox(key="flt_segment").select(None).run()
    assert at.query_params == PERIOD
    assert metrics_by_label(at)["会员数"] == "6"


def test_choosing_a_segment_in_the_sidebar_writes_the_url(store):
    from core import segments

    sid = segments.save_segment(
        store,
        "analyst",
        "analyst",
        "App Store",
        segments.SegmentDefinition(channels=("app_store",)),
    )
    at = app("viewer", PERIOD).run()
    assert at.selectbox(key="flt_segment").value is None
    at.selectbox(key="flt_segment").select(sid).run()
    assert at.query_params == {**PERIOD, "segment": str(sid)}
    assert metrics_by_label(at)["会员数"] == "2"


@pytest.mark.parametrize("bogus", ["999", "abc", "1 or 1=1", "-1"])
def test_a_bogus_segment_in_a_link_is_dropped_with_a_notice(store, bogus):
    baseline = app("viewer", PERIOD).run()
    at = app("viewer", {**PERIOD, "segment": bogus}).run()
    assert not at.exception
    # the value is escaped for Markdown (issue 13.4); it renders as typed
    notice = i18n.t("notice.unknown_segment", "zh", name="segment", value=ui.md_escape(bogus))
    assert [w.value for w in at.warning] == [notice]
    assert at.query_params == PERIOD
    assert metrics_by_label(at) == metrics_by_label(baseline)


GARBAGE = {
    "region": ["浙江'; drop table members; --", "' or '1'='1"],
    "tier": 'gold" or 1=1 --',
    "device": "<script>alert(1)</script>",
    "channel": "x" * 3000,
    "from": "2026-99-99",
    "to": "'; delete from orders; --",
    "$regions": "[]",
    "evil": "1; drop table accounts",
}


def test_injection_and_garbage_in_the_link_change_nothing(store):
    baseline = app("viewer").run()
    counts_before = store.table_counts()
    at = app("viewer", GARBAGE).run()
    assert not at.exception
    assert not at.error
    assert len(at.warning) >= len(GARBAGE)  # every dropped value is reported
    assert metrics_by_label(at) == metrics_by_label(baseline)
    assert store.table_counts() == counts_before
    assert auth.has_accounts(store)
    assert at.query_params == {}  # the link is rewritten without the garbage


# -- language, account, first run -----------------------------------------------------------


def test_language_switch_is_remembered_per_account(store):
    at = app("viewer").run()
    at.sidebar.selectbox(key="ml_lang_pick").select("en").run()
    assert at.title[0].value == i18n.t("overview.title", "en")
    assert auth.get_account(store, "viewer").language == "en"
    assert auth.get_account(store, "analyst").language == "zh"
    again = app("viewer").run()  # a new session of the same account
    assert again.title[0].value == "Member overview"
    assert "Members" in metrics_by_label(again)


def test_password_change_on_the_account_page(store):
    at = app("support").run()
    at.switch_page("pages/account.py").run()
    current, new, confirm = at.main.text_input
    current.input(PASSWORDS["support"])
    new.input("a brand new passphrase")
    confirm.input("a brand new passphrase")
    submit = next(b for b in at.button if b.label == i18n.t("account.submit_password", "zh"))
    submit.click().run()
    assert not at.exception
    assert [s.value for s in at.success] == [i18n.t("account.password_changed", "zh")]
    assert at.title[0].value == i18n.t("page.account", "zh")  # this session continues
    assert auth.authenticate(store, "support", "a brand new passphrase").ok


def test_store_without_accounts_asks_for_the_first_admin(tmp_path, monkeypatch):
    monkeypatch.setattr(auth, "BCRYPT_ROUNDS", 4)
    path = tmp_path / "fresh.duckdb"
    monkeypatch.setenv("MEMBERLENS_DB", str(path))
    monkeypatch.setenv(auth.COOKIE_KEY_ENV_VAR, COOKIE_KEY)
    store = build_small_store(path)
    at = app().run()
    assert at.title[0].value == i18n.t("setup.title", "zh")
    assert shows_no_data(at)
    for field, value in zip(
        at.text_input, ["boss", "", "first-admin-pass", "first-admin-pass"], strict=True
    ):
        field.input(value)
    at.button[0].click().run()
    assert auth.get_account(store, "boss").role == "admin"
    assert at.title[0].value == LOGIN_TITLE  # set up once, then the normal sign-in
    close_store(path)


@pytest.mark.parametrize("key", [None, "some_key", "short-key"])
def test_missing_or_weak_cookie_key_stops_a_real_store(tmp_path, monkeypatch, key):
    path = tmp_path / "prod.duckdb"
    monkeypatch.setenv("MEMBERLENS_DB", str(path))
    if key is None:
        monkeypatch.delenv(auth.COOKIE_KEY_ENV_VAR, raising=False)
    else:
        monkeypatch.setenv(auth.COOKIE_KEY_ENV_VAR, key)
    build_small_store(path)
    at = app().run()
    assert not at.exception
    assert "MEMBERLENS_COOKIE_KEY" in at.error[0].value
    assert not at.text_input  # no sign-in form
    close_store(path)

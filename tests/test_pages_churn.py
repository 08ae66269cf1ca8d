"""The churn, LTV forecast and models pages through AppTest: nothing without sign-in, the
viewer refused (SPEC §1: churn is for analysts and up), an analyst sees the pages, and the
at-risk list is not downloadable without the right to export member-level data."""

from __future__ import annotations

import time

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from core import auth, i18n
from core.config import PROJECT_ROOT
from core.store import close_store, open_store
from tests.fixtures_app import COOKIE_KEY, add_accounts
from tests.fixtures_churn import fitted_demo_copy

APP = str(PROJECT_ROOT / "app.py")
PAGES = {
    "pages/churn.py": "churn.title",
    "pages/ltv_forecast.py": "ltvf.title",
    "pages/models.py": "models.title",
}


@pytest.fixture(scope="module")
def churn_store(demo_store_path):
    """The fitted demo copy, open for the whole module (the app caches the open store)."""
    path, fit = fitted_demo_copy(demo_store_path)
    yield path, fit
    close_store(path)


@pytest.fixture()
def app_env(churn_store, monkeypatch):
    path, fit = churn_store
    monkeypatch.setattr(auth, "BCRYPT_ROUNDS", 4)
    monkeypatch.setenv("MEMBERLENS_DB", str(path))
    monkeypatch.setenv(auth.COOKIE_KEY_ENV_VAR, COOKIE_KEY)
    store = open_store(path)
    if not auth.has_accounts(store):
        add_accounts(store)
    # earlier modules' AppTests leave cached frames and store handles of other stores
    st.cache_data.clear()
    st.cache_resource.clear()
    return fit


def open_page(page: str, username: str | None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    if username:
        at.session_state["ml_session"] = {"username": username, "issued_at": time.time()}
    at.run()
    return at.switch_page(page).run()


@pytest.mark.parametrize("page", PAGES)
def test_signed_out_shows_no_data(app_env, page):
    at = open_page(page, None)
    assert not at.exception
    assert [title.value for title in at.title] == [i18n.t("login.title", "zh")]
    assert not at.get("vega_lite_chart") and not at.dataframe and not at.metric


@pytest.mark.parametrize("page", PAGES)
def test_viewer_is_refused(app_env, page):
    at = open_page(page, "viewer")
    assert not at.exception
    assert not at.title and not at.dataframe and not at.get("vega_lite_chart")
    assert at.error[0].value == i18n.t("access.denied", "zh", role=i18n.t("role.viewer", "zh"))


@pytest.mark.parametrize("page", PAGES)
def test_analyst_sees_the_page(app_env, page):
    at = open_page(page, "analyst")
    assert not at.exception
    assert at.title[0].value == i18n.t(PAGES[page], "zh")
    assert at.dataframe


def test_churn_page_shows_hazard_ratios_and_at_risk_list(app_env):
    at = open_page("pages/churn.py", "analyst")
    assert len(at.get("vega_lite_chart")) == 2  # KM curves and hazard ratios
    concordance = app_env.holdout.set_index("model").loc["cox", "concordance"]
    assert at.metric[3].value == i18n.fmt_number(concordance, "zh", 3)
    # member-level list: no download for an analyst (export goes through a request)
    assert not at.get("download_button")
    assert i18n.t("churn.export_by_request", "zh") in [c.value for c in at.caption]


def test_churn_page_compares_a_saved_segment_with_everyone_else(app_env, churn_store):
    from core import segments

    path, _ = churn_store
    store = open_store(path)
    at = open_page("pages/churn.py", "analyst")
    at.button_group(key="churn_km_by").set_value("segment").run()
    # the fitted copy is shared by the session's tests (fixtures_churn): others may have
    # saved segments in it before, or this test may have saved "web 会员" already
    saved = {s.name: s.segment_id for s in segments.list_segments(store)}
    if not saved:
        assert i18n.t("churn.km_no_segments", "zh") in [i.value for i in at.info]
    if "web 会员" not in saved:
        saved["web 会员"] = segments.save_segment(
            store, "analyst", "analyst", "web 会员", segments.SegmentDefinition(devices=("web",))
        )
        at = open_page("pages/churn.py", "analyst")
        at.button_group(key="churn_km_by").set_value("segment").run()
    at.selectbox(key="churn_km_segment").set_value(saved["web 会员"]).run()
    assert not at.exception
    groups = at.dataframe[0].value.set_index(i18n.t("churn.km_col.group", "zh"))
    assert set(groups.index) == {"web 会员", i18n.t("churn.km_others", "zh")}
    web = store.scalar(
        "select count(*) from members where device = 'web' and signup_at < '2026-06-29'"
    )
    members = i18n.t("churn.km_col.members", "zh")
    assert groups.loc["web 会员", members] == i18n.fmt_int(web, "zh")


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("page", ["pages/churn.py", "pages/ltv_forecast.py"])
def test_churn_pages_show_labels_not_codes(app_env, churn_store, page, lang):
    from core import labels
    from tests.test_pages_labels import problems

    store = open_store(churn_store[0])
    auth.set_language(store, "analyst", lang)
    try:
        at = open_page(page, "analyst")
        assert not at.exception
        assert problems(at) == []
        if page == "pages/churn.py":  # KM groups by device, Cox covariates, drivers
            groups = at.dataframe[0].value.iloc[:, 0].tolist()
            assert labels.label("device", "miniprogram", lang) in groups
            drivers = at.dataframe[-1].value[i18n.t("col.drivers", lang)]
            assert drivers.str.len().gt(0).any()
            assert not drivers.str.contains("log_|=", regex=True).any()
    finally:
        auth.set_language(store, "analyst", "zh")

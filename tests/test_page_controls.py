"""Page controls kept in the link (issue 14.8): core/page_controls.py and ``ui.url_bound``,
the date presets and the comparison in the sidebar, and the filter chips, through AppTest
over tests/fixtures_analytics.py (as-of 2026-06-16)."""

from __future__ import annotations

import time
from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from core import churn, i18n, page_controls
from core.config import PROJECT_ROOT
from core.filters import Notice
from tests.fixtures_analytics import build_analytics_store
from tests.fixtures_app import app_store

APP = str(PROJECT_ROOT / "app.py")


def test_a_control_reads_its_allow_list_and_falls_back_to_the_default():
    control = page_controls.CONTROLS["retention_unit"]
    assert control.read("retention_unit", ["month"]) == ("month", [])
    assert control.read("retention_unit", []) == ("week", [])
    value, notices = control.read("retention_unit", ["fortnight"])
    assert value == "week"
    assert notices == [
        Notice("notice.unknown_value", {"name": "retention_unit", "value": "fortnight"})
    ]


def test_the_default_stays_out_of_the_link():
    assert page_controls.link_value("retention_unit", "week") is None
    assert page_controls.link_value("retention_unit", None) is None
    assert page_controls.link_value("retention_unit", "month") == "month"
    assert page_controls.link_value("retention_max_period_week", 20) == "20"
    assert page_controls.link_value("retention_max_period_week", 999) is None


def test_the_spelt_out_model_groupings_match_core_churn():
    assert page_controls.KM_GROUPS == churn.KM_GROUPS
    assert page_controls.LTV_FORECAST_DIMENSIONS == churn.LTV_DIMENSIONS


@pytest.fixture()
def store(tmp_path, monkeypatch):
    with app_store(tmp_path, monkeypatch, build_analytics_store, "app.duckdb") as store:
        yield store


def open_page(page: str, query: dict) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["ml_session"] = {"username": "analyst", "issued_at": time.time()}
    at.query_params.update(query)
    at.run()
    return at.switch_page(page).run()


def test_a_shared_link_restores_the_page_controls(store):
    link = {"retention_unit": "month", "retention_mode": "on_or_after", "retention_by": "signup"}
    at = open_page("pages/retention.py", link)
    assert not at.exception
    assert not at.warning
    assert at.button_group(key="retention_unit").value == "month"
    assert at.button_group(key="retention_mode").value == "on_or_after"
    assert at.number_input(key="retention_max_period_month").value == 12
    # the default (signup) is left out of the link, the others stay
    assert dict(at.query_params) == {"retention_unit": "month", "retention_mode": "on_or_after"}


def test_a_bad_control_value_is_refused_with_a_warning(store):
    at = open_page("pages/retention.py", {"retention_unit": "fortnight"})
    assert not at.exception
    expected = i18n.t("notice.unknown_value", "zh", name="retention\\_unit", value="fortnight")
    assert [w.value for w in at.warning] == [expected]
    assert at.button_group(key="retention_unit").value == "week"
    assert "retention_unit" not in at.query_params


def test_changing_a_control_puts_it_in_the_link_beside_the_filters(store):
    at = open_page("pages/channels.py", {"region": "浙江"})
    at.button_group(key="channels_window").set_value("period").run()
    assert not at.exception
    assert dict(at.query_params) == {"region": "浙江", "channels_window": "period"}
    # a filter change keeps the page control
    at.multiselect(key="flt_device").set_value(["ios"]).run()
    assert at.query_params["channels_window"] == "period"
    assert at.button_group(key="channels_window").value == "period"


def test_a_date_preset_sets_the_range_from_the_as_of_date(store):
    at = open_page("pages/overview.py", {})
    assert at.pills(key="flt_preset").value == "last_30"
    at.pills(key="flt_preset").set_value("this_month").run()
    assert not at.exception
    # as-of 2026-06-16: this month is 06-01 … 06-16 (an end on the as-of date, the default,
    # stays out of the link)
    assert dict(at.query_params) == {"from": "2026-06-01"}
    assert at.date_input(key="flt_from").value == date(2026, 6, 1)
    assert at.date_input(key="flt_to").value == date(2026, 6, 16)
    assert at.pills(key="flt_preset").value == "this_month"


def test_same_period_last_year_is_kept_and_shown_as_a_chip(store):
    at = open_page("pages/overview.py", {"compare": "last_year", "region": "浙江"})
    assert not at.exception
    assert at.button_group(key="flt_compare").value == "last_year"
    chips = at.pills(key="flt_chips")
    assert chips.options == [
        i18n.t(
            "filters.chip",
            "zh",
            name=i18n.t("filters.compare", "zh"),
            value=i18n.t("filters.compare.last_year", "zh"),
        ),
        i18n.t("filters.chip", "zh", name=i18n.t("filters.region", "zh"), value="浙江"),
    ]


def test_clicking_a_chip_removes_that_filter(store):
    at = open_page("pages/activity.py", {"region": "浙江", "device": "ios"})
    at.pills(key="flt_chips").set_value("region:浙江").run()
    assert not at.exception
    assert dict(at.query_params) == {"device": "ios"}


def test_a_control_whose_choices_come_from_the_data_is_kept_in_the_link(store):
    at = open_page("pages/demographics.py", {})
    categories = at.selectbox(key="demo_category").options
    assert len(categories) > 1
    at.selectbox(key="demo_category").set_value(categories[-1]).run()
    assert dict(at.query_params) == {"demo_category": categories[-1]}
    shared = open_page("pages/demographics.py", {"demo_category": categories[-1]})
    assert shared.selectbox(key="demo_category").value == categories[-1]
    refused = open_page("pages/demographics.py", {"demo_category": "no such category"})
    assert len(refused.warning) == 1
    assert refused.selectbox(key="demo_category").value == categories[0]


def test_custom_stays_picked_until_the_dates_change(store):
    at = open_page("pages/overview.py", {})
    at.pills(key="flt_preset").set_value("custom").run()
    assert at.pills(key="flt_preset").value == "custom"
    assert dict(at.query_params) == {}  # the range itself is unchanged
    at.date_input(key="flt_from").set_value(date(2026, 6, 1)).run()
    assert at.pills(key="flt_preset").value == "this_month"

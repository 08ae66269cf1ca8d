"""Labels, not codes (issue 14.1–2): the pages that show channels, devices, tags, tiers and
audit actions show them as labels, in zh and en, and every table has translated headers.

A sweep over the pages through AppTest, on the hand-made stores of the other page tests:
no table cell equals a known raw channel, device, tag or tier code, no header is a
snake_case column name, no cell reads "None"."""

from __future__ import annotations

import json
import re
import time

import pytest
from streamlit.testing.v1 import AppTest

from core import auth, i18n, labels, segments
from core.config import PROJECT_ROOT
from data.generate import CHANNELS, DEVICES
from tests.fixtures_admin import build_admin_store
from tests.fixtures_analytics import build_analytics_store
from tests.fixtures_app import app_store
from tests.fixtures_segments import build_tagged_segments_store

APP = str(PROJECT_ROOT / "app.py")
RAW_CODES = {*CHANNELS, *DEVICES, *segments.TAGS, "normal", "bronze", "silver", "gold"}
# a column name as the code has it: lowercase (snake_case) words, perhaps with a currency
RAW_HEADER = re.compile(r"^[a-z][a-z0-9_]*( \(.+\))?$")
PERIOD = {"from": "2026-06-01", "to": "2026-06-16"}

ANALYTICS = [
    "channels",
    "tiers",
    "demographics",
    "activity",
    "retention",
    "ltv",
    "funnel",
    "hours",
    "overview",
]
SEGMENTS = ["segments", "member_list", "member_profile", "alerts"]
ADMIN = ["audit", "data", "approvals", "accounts", "tier_rules", "members"]


def open_page(page: str, query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["ml_session"] = {"username": "admin", "issued_at": time.time()}
    if query:
        at.query_params.update(query)
    at.run()
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, at.exception
    return at


def headers(table) -> list[str]:
    """The headers a person sees: the column_config label, else the column name."""
    config = json.loads(table.proto.columns or "{}")
    shown = []
    for column in table.value.columns:
        entry = config.get(f"name:{column}") or config.get(str(column)) or {}
        shown.append(str(entry.get("label") or column))
    return shown


def problems(at: AppTest) -> list[str]:
    found = []
    for table in at.dataframe:
        for header in headers(table):
            if RAW_HEADER.match(header):
                found.append(f"header {header!r}")
        frame = table.value
        # a missing value is drawn as "None" unless the table has a placeholder
        blank = table.proto.HasField("placeholder") and table.proto.placeholder != "None"
        for column in frame.columns:
            if frame[column].isna().any() and not blank:
                found.append(f"None in column {column!r}")
            for value in frame[column].dropna().astype(str).unique():
                if value in RAW_CODES:
                    found.append(f"code {value!r} in column {column!r}")
                if value == "None":
                    found.append(f"None in column {column!r}")
    return sorted(set(found))


def set_language(store, lang: str) -> None:
    auth.set_language(store, "admin", lang)


@pytest.fixture()
def analytics_store(tmp_path, monkeypatch):
    with app_store(tmp_path, monkeypatch, build_analytics_store, "labels.duckdb") as store:
        yield store


@pytest.fixture()
def segments_store(tmp_path, monkeypatch):
    with app_store(tmp_path, monkeypatch, build_tagged_segments_store, "labels.duckdb") as store:
        yield store


@pytest.fixture()
def admin_store(tmp_path, monkeypatch):
    with app_store(tmp_path, monkeypatch, build_admin_store, "labels.duckdb") as store:
        yield store


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
@pytest.mark.parametrize("page", ANALYTICS)
def test_analytics_pages_show_labels_not_codes(analytics_store, page, lang):
    set_language(analytics_store, lang)
    at = open_page(page, PERIOD)
    assert at.dataframe or page == "overview"  # the overview shows cards and charts
    assert problems(at) == []


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
@pytest.mark.parametrize("page", SEGMENTS)
def test_segment_pages_show_labels_not_codes(segments_store, page, lang):
    set_language(segments_store, lang)
    query = {"member": "B_IN"} if page == "member_profile" else None
    at = open_page(page, query)
    assert problems(at) == []


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
@pytest.mark.parametrize("page", ADMIN)
def test_admin_pages_show_labels_not_codes(admin_store, page, lang):
    set_language(admin_store, lang)
    labels.set_code_label(admin_store, "region", "浙江", None, "Zhejiang", "admin", "admin")
    at = open_page(page)
    assert problems(at) == []


def test_the_channel_table_shows_the_admins_label(analytics_store):
    set_language(analytics_store, "zh")
    labels.set_code_label(
        analytics_store, "channel", "wechat", "微信服务号", None, "admin", "admin"
    )
    at = open_page("channels", PERIOD)
    channels = at.dataframe[0].value["channel"].tolist()
    assert "微信服务号" in channels
    assert "抖音" in channels


def test_an_admin_sets_a_channel_label_on_the_data_page(admin_store):
    set_language(admin_store, "zh")
    at = open_page("data")
    at.selectbox(key="labels_code").select("wechat")
    at.text_input(key="labels_zh").input("微信服务号")
    at.text_input(key="labels_en").input("WeChat OA")
    save = [button for button in at.button if button.label == i18n.t("labels.save", "zh")]
    save[0].click().run()
    assert not at.exception and not at.error
    assert labels.label("channel", "wechat", "zh", admin_store) == "微信服务号"
    assert labels.label("channel", "wechat", "en", admin_store) == "WeChat OA"
    row = admin_store.df("select actor, target from audit_log where action = 'label.set'")
    assert row.values.tolist() == [["admin", "channel:wechat"]]

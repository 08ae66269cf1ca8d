"""The audit log page (issue 14.1, 14.2, 14.4): actions, fields and their before/after values
as labels, times in the store's business time zone with the zone named, and the download
as the table is shown (translated headers), on the hand-made admin store."""

from __future__ import annotations

import io
import time
from datetime import date, datetime

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from core import audit, auth, i18n, labels, members, privacy
from core.config import PROJECT_ROOT
from tests.fixtures_admin import build_admin_store
from tests.fixtures_app import app_store

APP = str(PROJECT_ROOT / "app.py")
# 2026-07-01 17:30 UTC is 2026-07-02 01:30 in Asia/Shanghai: another calendar day
FROZEN_AT = datetime(2026, 7, 1, 17, 30)


@pytest.fixture()
def store(tmp_path, monkeypatch):
    with app_store(tmp_path, monkeypatch, build_admin_store, "audit.duckdb") as store:
        members.set_status(store, "operator", "operator", 2, "frozen", "投诉", now=FROZEN_AT)
        members.override_tier(store, "operator", "operator", 3, "gold", "补偿", now=FROZEN_AT)
        yield store


def open_audit(lang: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["ml_session"] = {"username": "admin", "issued_at": time.time()}
    at.run()
    at.switch_page("pages/audit.py").run()
    assert not at.exception, at.exception
    return at


def test_audit_values_are_labels():
    assert labels.audit_values('{"status": "frozen"}', "zh") == "状态：冻结"
    assert labels.audit_values('{"status": "frozen"}', "en") == "Status: Frozen"
    assert labels.audit_values(None, "zh") == ""
    shown = labels.audit_values('{"outcome": "ok", "detail": "analyst"}', "zh")
    assert shown == "结果：成功；详情：分析师"
    assert labels.audit_values('{"demo": false}', "en") == "Demo store: No"
    assert labels.audit_values("not json", "en") == "not json"
    refused = '{"attempted": "approval.approve", "needs": "another person than the requester"}'
    assert labels.audit_values(refused, "zh") == "尝试的操作：批准；需要：申请人以外的人"
    assert labels.audit_values('{"needs": "edit_members"}', "zh") == "需要：编辑会员"
    assert labels.audit_values('{"kind": "member_erase"}', "zh") == "类别：删除会员个人信息"
    assert labels.audit_values('{"kind": "channel"}', "zh") == "类别：渠道"
    # the counted sign-in attempt (core.auth): its outcome and failure count in words
    attempt = '{"outcome": "attempt", "detail": "failures=3"}'
    assert (
        labels.audit_values(attempt, "zh")
        == "结果：尝试；详情：连续失败计数 3（含本次，登录成功后清零）"
    )
    assert labels.label("audit_action", "access.login_attempt", "zh") == "登录尝试（先计数后校验）"


def test_the_audit_page_shows_labels_and_business_time(store):
    auth.set_language(store, "admin", "zh")
    at = open_audit("zh")
    table = at.dataframe[0].value
    assert store.business_tz == "Asia/Shanghai"
    time_header = i18n.t("audit.time", "zh", zone="Asia/Shanghai")
    assert time_header == "时间（Asia/Shanghai）"
    status = table[table["操作"] == i18n.t("label.audit_action.member.status", "zh")]
    assert status["修改前"].tolist() == ["状态：正常"]
    assert status["修改后"].tolist() == ["状态：冻结"]
    assert status[time_header].tolist() == [pd.Timestamp("2026-07-02 01:30:00")]
    tier = table[table["操作"] == i18n.t("label.audit_action.member.tier_override", "zh")]
    assert tier["修改前"].tolist() == ["等级：铜牌会员；手动等级："]
    assert tier["修改后"].tolist() == ["等级：金牌会员；手动等级：金牌会员"]
    assert "Asia/Shanghai" in " ".join(caption.value for caption in at.caption)


def test_the_day_filter_uses_business_days(store):
    # 01:30 on 2 July in Shanghai is 1 July in UTC: the row belongs to 2 July here
    on_second = audit.audit_rows(
        store, "admin", start=date(2026, 7, 2), end=date(2026, 7, 2), time_zone="Asia/Shanghai"
    )
    assert set(on_second["action"]) == {"member.status", "member.tier_override"}
    on_first = audit.audit_rows(
        store, "admin", start=date(2026, 7, 1), end=date(2026, 7, 1), time_zone="Asia/Shanghai"
    )
    assert not {"member.status", "member.tier_override"} & set(on_first["action"])
    in_utc = audit.audit_rows(store, "admin", start=date(2026, 7, 1), end=date(2026, 7, 1))
    assert {"member.status", "member.tier_override"} <= set(in_utc["action"])


def test_the_audit_download_has_translated_headers(store):
    auth.set_language(store, "admin", "zh")
    at = open_audit("zh")
    at.button(key="audit_prepare").click().run()
    assert not at.exception
    shown = at.dataframe[0].value
    data = audit.audit_export(store, "admin", shown, "admin")
    frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert "修改后" in frame.columns and "after_json" not in frame.columns
    assert "状态：冻结" in frame["修改后"].tolist()


def test_approvals_read_in_the_users_language_and_business_time(store):
    """Issue 14.2/14.4: a request's summary is translated (the stored one is English, for
    the audit row) and its times are in the business time zone, named."""
    members.request_member_list_export(
        store, "analyst", "analyst", [1, 2, 3], "高价值", "回访", date(2026, 6, 30), now=FROZEN_AT
    )
    privacy.request_erasure(store, "operator", "operator", 2, "会员要求", now=FROZEN_AT)
    auth.set_language(store, "admin", "zh")
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["ml_session"] = {"username": "admin", "issued_at": time.time()}
    at.run()
    at.switch_page("pages/approvals.py").run()
    assert not at.exception, at.exception
    shown = [expander.label.replace("\\", "") for expander in at.expander]
    assert any("2026-07-02 01:30（Asia/Shanghai）" in label for label in shown), shown
    text = "\n".join(markdown.value for markdown in at.markdown).replace("\\", "")
    assert "导出会员名单「高价值」（3 名会员，不含个人信息列）" in text
    assert "删除（匿名化）会员 M2 的个人信息" in text
    assert "export the member list" not in text and "erase (anonymise)" not in text


def test_a_label_changed_in_the_app_shows_its_time_in_the_business_zone(store):
    """The Data page's code labels: ``updated_at`` (stored UTC) in Asia/Shanghai, named."""
    labels.set_code_label(store, "channel", "wechat", "微信服务号", None, "admin", "admin")
    stored = store.df("select updated_at from code_labels where code = 'wechat'")["updated_at"]
    auth.set_language(store, "admin", "zh")
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["ml_session"] = {"username": "admin", "issued_at": time.time()}
    at.run()
    at.switch_page("pages/data.py").run()
    assert not at.exception, at.exception
    header = "更新时间（Asia/Shanghai）"
    tables = [table.value for table in at.dataframe if header in table.value.columns]
    assert tables, [list(table.value.columns) for table in at.dataframe]
    expected = pd.Timestamp(stored.iloc[0]) + pd.Timedelta(hours=8)
    assert tables[0][header].tolist() == [expected]

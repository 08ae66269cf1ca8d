"""The tags & segments, member list, member profile and alerts pages through AppTest, on
the hand-made store of tests/fixtures_segments.py (refreshed, so tags and alerts exist)."""

from __future__ import annotations

import time

import pytest
from streamlit.testing.v1 import AppTest

from core import i18n, segments
from core.config import PROJECT_ROOT
from tests.fixtures_app import app_store
from tests.fixtures_segments import EMAILS, PHONES, build_tagged_segments_store

APP = str(PROJECT_ROOT / "app.py")
PAGES = {
    "pages/segments.py": "segments.title",
    "pages/member_list.py": "member_list.title",
    "pages/member_profile.py": "profile.title",
    "pages/alerts.py": "alerts.title",
}


@pytest.fixture()
def store(tmp_path, monkeypatch):
    with app_store(tmp_path, monkeypatch, build_tagged_segments_store, "pages.duckdb") as store:
        yield store


def open_page(page: str, username: str | None, query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    if username:
        at.session_state["ml_session"] = {"username": username, "issued_at": time.time()}
    if query:
        at.query_params.update(query)
    at.run()
    return at.switch_page(page).run()


def shown_text(at: AppTest) -> str:
    parts = [str(df.value.to_csv()) for df in at.dataframe]
    parts += [m.value for m in at.markdown] + [c.value for c in at.caption]
    return "\n".join(parts)


@pytest.mark.parametrize("page", PAGES)
def test_signed_out_sees_only_the_sign_in_form(store, page):
    at = open_page(page, None)
    assert not at.exception
    assert [t.value for t in at.title] == [i18n.t("login.title", "zh")]
    assert not at.dataframe


@pytest.mark.parametrize("page", PAGES)
def test_admin_renders_every_page(store, page):
    at = open_page(page, "admin", {"member": "H1"})
    assert not at.exception, at.exception
    assert at.title[0].value == i18n.t(PAGES[page], "zh")


def test_viewer_may_open_alerts_but_not_member_lists(store):
    assert not open_page("pages/alerts.py", "viewer").exception
    at = open_page("pages/member_list.py", "viewer", {"tag": "high_value"})
    assert at.error and not at.dataframe


def test_analyst_member_list_is_masked(store):
    at = open_page("pages/member_list.py", "analyst", {"tag": "high_value"})
    assert not at.exception
    text = shown_text(at)
    assert "H1" in text and "139****0014" in text
    assert all(PHONES[k] not in text and EMAILS[k] not in text for k in PHONES)
    assert not at.get("download_button")  # member-level files only by request (issue 13.5)


def test_support_profile_shows_personal_data_analyst_does_not(store):
    support = shown_text(open_page("pages/member_profile.py", "support", {"member": "H1"}))
    assert PHONES[14] in support and EMAILS[14] in support
    analyst = shown_text(open_page("pages/member_profile.py", "analyst", {"member": "H1"}))
    assert PHONES[14] not in analyst and "139****0014" in analyst


def test_segment_link_opens_the_saved_segment(store):
    sid = segments.save_segment(
        store, "analyst", "analyst", "大客户", segments.SegmentDefinition(all_tags=("high_value",))
    )
    at = open_page("pages/segments.py", "analyst", {"segment": str(sid)})
    assert not at.exception
    assert i18n.t("segments.detail", "zh", name="大客户") in [s.value for s in at.subheader]
    assert [m.value for m in at.metric if m.label == i18n.t("segments.size_now", "zh")] == ["5"]


def test_member_list_follows_the_global_segment(store):
    sid = segments.save_segment(
        store, "analyst", "analyst", "大客户", segments.SegmentDefinition(all_tags=("high_value",))
    )
    at = open_page("pages/member_list.py", "analyst", {"segment": str(sid)})
    assert not at.exception and not at.warning
    assert at.radio[0].value == "segment"
    assert len(at.dataframe[0].value) == 5
    assert at.query_params["segment"] == str(sid)
    # a tag list within the global segment: high value ∩ 大客户 is the segment itself
    at = open_page("pages/member_list.py", "analyst", {"segment": str(sid), "tag": "new"})
    assert not at.exception
    assert at.radio[0].value == "tag"
    assert len(at.dataframe[0].value) == 0


# -- analysts and personal data (issue 13.5) ------------------------------------------------


def test_analyst_member_list_offers_a_request_not_a_download(store):
    at = open_page("pages/member_list.py", "analyst", {"tag": "high_value"})
    assert not at.get("download_button")
    at.text_input[0].input("campaign review")
    at.button[0].click().run()
    assert not at.exception and not at.error
    requests = store.df("select kind, requested_by, status, payload from approval_requests")
    assert requests[["kind", "requested_by", "status"]].values.tolist() == [
        ["member_export", "analyst", "pending"]
    ]
    assert '"scope": "member_list"' in requests["payload"].iloc[0]


@pytest.mark.parametrize("text", [PHONES[14], EMAILS[14], "nick14"])
def test_analyst_profile_link_with_a_phone_or_email_finds_nobody(store, text):
    at = open_page("pages/member_profile.py", "analyst", {"member": text})
    assert not at.exception
    assert [w.value for w in at.warning] == [i18n.t("profile.not_found", "zh")]
    assert not at.dataframe
    assert store.scalar("select count(*) from audit_log where action = 'member.view'") == 0


@pytest.mark.parametrize("role", ["analyst", "support"])
def test_opening_a_profile_page_is_audited(store, role):
    at = open_page("pages/member_profile.py", role, {"member": "H1"})
    assert not at.exception and at.dataframe
    viewed = store.df("select actor, role, target from audit_log where action = 'member.view'")
    assert viewed.drop_duplicates().values.tolist() == [[role, role, "H1"]]


def test_the_alert_rule_editor_offers_labelled_groups(store):
    """Issue 14.1: the group of a rule is picked among labels (渠道 → 微信), not typed as a
    code, and the rule table names "each channel" in words."""
    at = open_page("pages/alerts.py", "operator")
    assert not at.exception
    at.selectbox(key="alerts_kind_None").select("channel").run()
    picker = at.selectbox(key="alerts_value")
    assert picker.label == i18n.t("alerts.value", "zh")
    assert "微信" in picker.options and "wechat" not in picker.options
    name = [box for box in at.text_input if box.label == i18n.t("segments.name", "zh")]
    name[-1].input("微信下滑")
    picker.select("wechat")
    save = [button for button in at.button if button.label == i18n.t("alerts.save_rule", "zh")]
    save[0].click().run()
    assert not at.exception and not at.error
    rules = {rule.name: rule for rule in segments.alert_rules(store)}
    assert (rules["微信下滑"].group_kind, rules["微信下滑"].group_value) == ("channel", "wechat")
    table = at.dataframe[-1].value
    assert "渠道: 微信" in table["分组"].tolist()

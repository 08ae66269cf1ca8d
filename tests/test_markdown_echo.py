"""Markdown in the app's own messages (issue 13.4): a value from a link, a form or the data
shown through a Markdown-rendering element (warning, info, error, success, markdown, caption,
write, subheader, expander and widget labels) is escaped with ``core.ui.md_escape``: it shows
as the text it is, never as a link, an image the browser fetches, a heading or a colour."""

from __future__ import annotations

import re
import time

import pytest
from streamlit.testing.v1 import AppTest

from core import auth, i18n, privacy, segments, ui
from core.config import PROJECT_ROOT
from tests.fixtures_app import PASSWORDS, app_store, build_small_store
from tests.fixtures_segments import build_tagged_segments_store

APP = str(PROJECT_ROOT / "app.py")
LINK = "[重新登录](http://evil.example/login)"
IMAGE = "![t](http://evil.example/pix.png)"
PAYLOADS = [
    LINK,
    IMAGE,
    "<http://evil.example>",
    "www.evil.example/login",
    "see http://evil.example now",
    "mail x@evil.example",
    ":red[紧急] :material/warning:",
    "$\\frac{1}{2}$",
    "**bold**\n\n# heading\n\n    code",
    "a\\](http://evil.example)",
]
# a link or image ("](" not escaped), an autolink (a bare URL, "www.", an e-mail or "<…>")
LIVE = re.compile(r"(?<!\\)\]\(|https?://|www\.|\w@\w|(?<!\\)<")


def live(text: str) -> bool:
    return bool(LIVE.search(text))


# -- the helper -----------------------------------------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS)
def test_md_escape_leaves_no_markdown_construct(payload):
    escaped = ui.md_escape(payload)
    assert not live(escaped)
    assert "\n" not in escaped and "\r" not in escaped
    # every ASCII punctuation character is escaped, so no construct can start
    unescaped = re.sub(r"\\[!-/:-@\[-`{-~]", "", escaped)
    assert not re.search(r"[!-/:-@\[-`{-~]", unescaped), unescaped


def test_md_escape_keeps_the_readable_text():
    escaped = ui.md_escape(LINK)
    assert "重新登录" in escaped
    shown = re.sub(r"\\(.)", r"\1", escaped).replace("\u2060", "")
    assert shown == LINK


def test_t_md_escapes_the_values_not_the_catalogue_markup():
    ctx = ui.PageContext(store=None, account=None, lang="en")
    text = ctx.t_md("notice.unknown_value", name="region", value=LINK)
    assert "重新登录" in text and not live(text)
    assert text == i18n.t("notice.unknown_value", "en", name="region", value=ui.md_escape(LINK))


# -- pages that echo input ------------------------------------------------------------------


def shown_markdown(at: AppTest) -> list[str]:
    """Every text AppTest sees that Streamlit renders as Markdown."""
    texts = []
    for kind in ("markdown", "caption", "warning", "info", "error", "success", "subheader",
                 "title", "header", "toast"):  # fmt: skip
        texts += [str(element.value) for element in at.get(kind)]
    texts += [str(e.label) for e in at.get("expander")]
    texts += [str(e.label) for e in at.get("metric")]
    for kind in ("button", "text_input", "selectbox", "radio", "checkbox", "toggle"):
        texts += [str(e.label) for e in at.get(kind)]
    return texts


def assert_escaped(at: AppTest, marker: str) -> None:
    texts = shown_markdown(at)
    echoed = [t for t in texts if marker in t]
    assert echoed, f"{marker!r} is not shown anywhere"
    assert [t for t in texts if live(t)] == []


@pytest.fixture()
def store(tmp_path, monkeypatch):
    with app_store(tmp_path, monkeypatch, build_small_store, "echo.duckdb") as store:
        yield store


@pytest.fixture()
def segments_store(tmp_path, monkeypatch):
    with app_store(
        tmp_path, monkeypatch, build_tagged_segments_store, "echo_segments.duckdb"
    ) as store:
        yield store


def open_page(page: str, username: str, query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["ml_session"] = {"username": username, "issued_at": time.time()}
    at.run().switch_page(f"pages/{page}.py")
    if query:
        at.query_params.update(query)
    return at.run()


def test_unknown_values_in_a_link_are_shown_as_text(store):
    at = open_page("activity", "viewer", {"region": LINK, "channel": IMAGE, "tier": PAYLOADS[4]})
    assert not at.exception
    assert len(at.warning) == 3
    assert_escaped(at, "重新登录")


def test_an_erasure_reason_is_shown_to_the_approver_as_text(store):
    reason = f"{LINK} {IMAGE} **urgent**"
    privacy.request_erasure(store, "operator", "operator", 1, reason)
    at = open_page("approvals", "admin")
    assert not at.exception
    assert_escaped(at, "重新登录")


def test_a_segment_name_is_shown_as_text(segments_store):
    sid = segments.save_segment(
        segments_store,
        "analyst",
        "analyst",
        LINK,
        segments.SegmentDefinition(all_tags=("high_value",)),
    )
    at = open_page("segments", "analyst", {"segment": str(sid)})
    assert not at.exception
    assert_escaped(at, "重新登录")


def test_a_display_name_in_the_sidebar_is_shown_as_text(store):
    auth.create_account(
        store, "admin", "shady", PASSWORDS["viewer"], "viewer", display_name=IMAGE + " 小王"
    )
    at = open_page("overview", "shady")
    assert not at.exception
    assert_escaped(at, "小王")


def test_a_group_value_from_the_data_is_shown_as_text_in_an_alert(store):
    # a channel name comes from an imported file
    with store.transaction() as cur:
        cur.execute(
            "insert into alerts values (1, 1, 'channel', $v, '2026-06-05', '2026-06-08', "
            "'2026-06-10', 3, 10.0, 4.0, 0.6, 5, 21, 'care_sms', 'open', null)",
            {"v": LINK},
        )
    at = open_page("alerts", "viewer")
    assert not at.exception
    assert_escaped(at, "重新登录")

"""Bidi control characters in names are not displayed (issue 13, item 7): a right-to-left
override makes ``abc\u202egpj.exe`` read as ``abcexe.jpg``. Stripped in one place,
``core.masking.display_text``, which every member table and record passes through."""

from __future__ import annotations

import pandas as pd
import pytest

from core import masking, members
from core.store import close_store
from tests.fixtures_admin import build_admin_store

CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f"


def test_every_bidi_control_is_stripped():
    assert masking.display_text(f"a{CONTROLS}b") == "ab"
    assert masking.display_text("小明\u202egpj.exe") == "小明gpj.exe"
    assert masking.display_text(None) is None
    assert masking.display_text(12) == 12
    assert masking.display_text("王 小明 \u200d") == "王 小明 \u200d"  # a joiner is not bidi


def test_a_record_is_shown_without_controls_for_roles_that_see_it_whole():
    record = {"member_id": "M1\u202e", "nickname": "\u202eevil", "tier": "gold"}
    assert masking.mask_record(record, "support") == {
        "member_id": "M1",
        "nickname": "evil",
        "tier": "gold",
    }


def test_a_masked_value_never_starts_with_a_control():
    assert masking.mask_record({"name": "\u202e张三丰"}, "operator") == {"name": "张**"}


@pytest.mark.parametrize("role", ["support", "operator", "admin"])
def test_a_table_is_shown_without_controls(role):
    frame = pd.DataFrame({"member_id": ["M1"], "nickname": ["\u2067abc\u2069"], "n": [3]})
    shown = masking.mask_frame(frame, role)
    assert "\u2067" not in shown.loc[0, "nickname"] and "\u2069" not in shown.loc[0, "nickname"]
    assert shown.loc[0, "n"] == 3
    assert frame.loc[0, "nickname"] == "\u2067abc\u2069"  # the caller's frame is unchanged


@pytest.fixture()
def store(tmp_path):
    path = tmp_path / "bidi.duckdb"
    store = build_admin_store(path)
    yield store
    close_store(path)


def test_the_member_pages_show_names_without_controls(store):
    store.con.execute(
        "update members set nickname = 'abc\u202egpj.exe', name = '\u202e王小明' "
        "where member_key = 1"
    )
    member_id = store.scalar("select member_id from members where member_key = 1")
    profile = members.member_profile(store, "sup", "support", 1)
    assert profile.attributes["nickname"] == "abcgpj.exe"
    assert profile.attributes["name"] == "王小明"
    found = members.search_members(store, "sup", "support", member_id)
    assert found.loc[0, "nickname"] == "abcgpj.exe"
    # stored as given: only the display drops them
    assert store.scalar("select nickname from members where member_key = 1") == "abc\u202egpj.exe"

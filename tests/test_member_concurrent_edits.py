"""Two people editing one member (issue 13, item 8): an edit carries the version of the
member it was based on (``MemberProfile.version``); when the member changed since, the
second writer is told and nothing is written."""

from __future__ import annotations

import pytest

from core import i18n, members
from core.members import MemberError
from core.store import close_store
from tests.fixtures_admin import build_admin_store
from tests.test_pages_admin import form_button, members_row, open_page, search
from tests.test_pages_admin import store as page_store  # noqa: F401 (the page fixture)


@pytest.fixture()
def store(tmp_path):
    path = tmp_path / "concurrent.duckdb"
    store = build_admin_store(path)
    yield store
    close_store(path)


def changes(store) -> int:
    return store.scalar(
        "select count(*) from audit_log where action like 'member.%' and action <> 'member.view'"
    )


EDITS = {
    "contact": lambda s, who, version, value: members.update_contact(
        s, who, "operator", 1, {"phone": value}, "customer called", based_on=version
    ),
    "status": lambda s, who, version, value: members.set_status(
        s, who, "operator", 1, {"13911110001": "frozen", "13922220002": "cancelled"}[value],
        "fraud", based_on=version,
    ),
    "tier": lambda s, who, version, value: members.override_tier(
        s, who, "operator", 1, {"13911110001": "gold", "13922220002": "silver"}[value],
        "VIP", based_on=version,
    ),
}  # fmt: skip


@pytest.mark.parametrize("edit", list(EDITS))
def test_the_second_writer_is_told_the_member_changed_and_nothing_is_written(store, edit):
    first = members.member_profile(store, "alice", "operator", 1)
    second = members.member_profile(store, "bob", "operator", 1)
    assert first.version == second.version
    EDITS[edit](store, "alice", first.version, "13911110001")
    before = members_row(store)
    with pytest.raises(MemberError) as refused:
        EDITS[edit](store, "bob", second.version, "13922220002")
    assert refused.value.code == "members.error.changed"
    assert members_row(store) == before
    assert changes(store) == 1


def test_an_edit_based_on_the_current_version_is_saved(store):
    profile = members.member_profile(store, "alice", "operator", 1)
    members.set_status(store, "alice", "operator", 1, "frozen", "fraud", based_on=profile.version)
    again = members.member_profile(store, "alice", "operator", 1)
    assert again.version != profile.version
    members.set_status(store, "alice", "operator", 1, "active", "cleared", based_on=again.version)
    assert members_row(store)["status"] == "active"


def test_the_message_is_in_both_languages():
    assert set(i18n.CATALOGUE["members.error.changed"]) == {"zh", "en"}


def test_the_member_page_passes_the_version_it_showed(page_store):  # noqa: F811
    at = search(open_page("members", "operator"), "M1")
    # someone else saves while the form is open
    members.update_contact(page_store, "admin", "admin", 1, {"phone": "13911110001"}, "called")
    phone = next(t for t in at.text_input if t.form_id == "members_contact" and "手机" in t.label)
    phone.input("13922220002")
    reason = [t for t in at.text_input if t.form_id == "members_contact"][-1]
    reason.input("customer called")
    form_button(at, "members_contact").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [i18n.t("members.error.changed", "zh")]
    assert members_row(page_store)["phone"] == "13911110001"
    # the page now shows the new version: the same edit again goes through
    phone = next(t for t in at.text_input if t.form_id == "members_contact" and "手机" in t.label)
    phone.input("13922220002")
    [t for t in at.text_input if t.form_id == "members_contact"][-1].input("customer called")
    form_button(at, "members_contact").click().run()
    assert not at.error
    assert members_row(page_store)["phone"] == "13922220002"

"""Analysts and personal data (issue 13.5, SPEC §1): analysts reach a member only by member
id, see every personal value masked (nickname and birth date too), download member-level
files only through an approved request; every profile view is audited. Checked in core."""

from __future__ import annotations

import io
import json
from datetime import datetime

import pandas as pd
import pytest

from core import approvals, members, segments
from core.permissions import PermissionDenied
from core.store import close_store
from tests.fixtures_admin import AS_OF, MEMBERS, build_admin_store

NOW = datetime(2026, 7, 1, 9, 0)
# member_key 1: M1, nickname 小明, phone 13800000001, e-mail xiaoming@example.com, born 1990-05-01
NICK, PHONE, EMAIL = MEMBERS[0][2], MEMBERS[0][4], MEMBERS[0][5]


@pytest.fixture()
def store(tmp_path):
    path = tmp_path / "member_privacy.duckdb"
    store = build_admin_store(path)
    yield store
    close_store(path)


def views(store) -> list[tuple]:
    return store.df(
        "select actor, role, target from audit_log where action = 'member.view' order by audit_id"
    ).itertuples(index=False, name=None)


# -- finding a member -----------------------------------------------------------------------


@pytest.mark.parametrize("text", [PHONE, EMAIL, EMAIL.upper(), NICK])
def test_analyst_cannot_find_a_member_by_phone_email_or_nickname(store, text):
    assert segments.find_member(store, text, "analyst").empty
    assert segments.find_member(store, text, "support")["member_id"].tolist() == ["M1"]


def test_analyst_finds_a_member_by_member_id(store):
    assert segments.find_member(store, " M1 ", "analyst")["member_id"].tolist() == ["M1"]


def test_roles_without_the_profile_find_nobody(store):
    assert segments.find_member(store, "M1", "viewer").empty
    assert segments.find_member(store, "M1", None).empty


# -- what a masking role sees ---------------------------------------------------------------


@pytest.mark.parametrize("role", ["analyst", "operator"])
def test_member_360_masks_nickname_and_birth_date(store, role):
    member = segments.member_360(store, role, 1, AS_OF, actor=role)
    assert member.attributes["nickname"] == "小*"
    assert member.attributes["birth_date"] == "1990-**-**"
    assert member.attributes["phone"] == "138****0001"


def test_support_sees_nickname_and_birth_date(store):
    member = segments.member_360(store, "support", 1, AS_OF, actor="sup")
    assert member.attributes["nickname"] == NICK
    assert str(member.attributes["birth_date"]) == "1990-05-01"


def test_operator_member_search_masks_nicknames(store):
    found = members.search_members(store, "op", "operator", "M1")
    assert found["nickname"].tolist() == ["小*"]
    assert members.search_members(store, "s", "support", "M1")["nickname"].tolist() == [NICK]


@pytest.mark.parametrize("role", ["analyst", "operator"])
def test_member_list_masks_nicknames(store, role):
    frame = segments.member_list(store, role, [1, 2], AS_OF)
    assert NICK not in frame["nickname"].tolist() and "小*" in frame["nickname"].tolist()


# -- every profile view is audited ----------------------------------------------------------


@pytest.mark.parametrize("role", ["analyst", "operator", "support", "admin"])
def test_every_member_360_view_is_audited(store, role):
    segments.member_360(store, role, 1, AS_OF, actor=f"{role}-1")
    segments.member_360(store, role, 2, AS_OF, actor=f"{role}-1")
    assert list(views(store)) == [(f"{role}-1", role, "M1"), (f"{role}-1", role, "M2")]


@pytest.mark.parametrize("role", ["operator", "support"])
def test_every_members_page_profile_view_is_audited(store, role):
    members.member_profile(store, "someone", role, 3)
    assert list(views(store)) == [("someone", role, "M3")]


def test_a_refused_profile_view_is_audited_as_denied(store):
    with pytest.raises(PermissionDenied):
        segments.member_360(store, "viewer", 1, AS_OF, actor="v")
    denied = store.df("select actor, after_json from audit_log where action = 'access.denied'")
    assert denied["actor"].tolist() == ["v"]
    assert json.loads(denied["after_json"].iloc[0])["attempted"] == "member.view"
    assert list(views(store)) == []


# -- member-level files ---------------------------------------------------------------------


@pytest.mark.parametrize("role", ["analyst", "operator"])
def test_masking_roles_cannot_download_a_member_list_directly(store, role):
    frame = segments.member_list(store, role, [1, 2], AS_OF)
    with pytest.raises(PermissionDenied):
        segments.member_list_export(frame, role)


def test_analyst_member_list_file_comes_through_an_approved_request(store):
    request_id = members.request_member_list_export(
        store, "ana", "analyst", [1, 2, 3], "tag high_value", "campaign review", AS_OF, NOW
    )
    req = approvals.get_request(store, request_id)
    assert (req.kind, req.status) == ("member_export", "pending")
    assert req.payload["member_keys"] == [1, 2, 3]
    with pytest.raises(approvals.ApprovalError):
        approvals.execute(store, "ana", "analyst", request_id, now=NOW)
    approvals.approve(store, "root", "admin", request_id, now=NOW)
    outcome = approvals.execute(store, "ana", "analyst", request_id, now=NOW)
    exported = pd.read_csv(io.BytesIO(outcome.data), encoding="utf-8-sig")
    assert exported["member_id"].tolist() == ["M1", "M2", "M3"]
    assert not {"nickname", "name", "phone", "email", "address"} & set(exported.columns)
    text = outcome.data.decode("utf-8-sig")
    assert PHONE not in text and NICK not in text
    assert outcome.result["rows"] == 3
    with pytest.raises(approvals.ApprovalError):  # exactly once
        approvals.execute(store, "ana", "analyst", request_id, now=NOW)


def test_a_member_list_request_needs_a_reason_and_members(store):
    with pytest.raises(members.MemberError):
        members.request_member_list_export(store, "ana", "analyst", [1], "t", " ", AS_OF, NOW)
    with pytest.raises(members.MemberError):
        members.request_member_list_export(store, "ana", "analyst", [], "t", "why", AS_OF, NOW)
    with pytest.raises(PermissionDenied):
        members.request_member_list_export(store, "v", "viewer", [1], "t", "why", AS_OF, NOW)

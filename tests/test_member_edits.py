"""Member look-up and edits (core/members.py): roles enforced in the function, forged values
refused, audit row in the same transaction, tier override sticky through recomputes."""

from __future__ import annotations

import json

import duckdb
import pytest

from core import audit, members
from core.members import MemberError
from core.permissions import PermissionDenied
from core.refresh import recompute_tiers
from core.store import close_store
from tests.fixtures_admin import AS_OF_END, build_admin_store, tiers_by_member


@pytest.fixture()
def store(tmp_path):
    path = tmp_path / "members.duckdb"
    store = build_admin_store(path)
    yield store
    close_store(path)


def snapshot(store):
    return store.df("select * from members order by member_key").to_dict("records"), store.df(
        "select * from tier_history order by all"
    ).to_dict("records")


WRITES = {
    "update_contact": lambda s, role: members.update_contact(
        s, "x", role, 1, {"phone": "13912345678"}, "customer called"
    ),
    "set_status": lambda s, role: members.set_status(s, "x", role, 1, "frozen", "fraud"),
    "override_tier": lambda s, role: members.override_tier(s, "x", role, 5, "gold", "VIP"),
    "clear_override": lambda s, role: members.override_tier(s, "x", role, 5, None, "undo"),
}


@pytest.mark.parametrize("write", list(WRITES))
@pytest.mark.parametrize("role", ["viewer", "analyst", "support", None, "root"])
def test_write_refused_for_role_and_nothing_changes(store, write, role):
    before = snapshot(store)
    with pytest.raises(PermissionDenied):
        WRITES[write](store, role)
    assert snapshot(store) == before
    denied = store.df("select actor, role, action from audit_log").to_dict("records")
    assert denied == [{"actor": "x", "role": role, "action": "access.denied"}]


@pytest.mark.parametrize(
    "call",
    [
        lambda s: members.set_status(s, "op", "operator", 1, "deleted", "forged option"),
        lambda s: members.set_status(s, "op", "operator", 1, "frozen", "   "),
        lambda s: members.override_tier(s, "op", "operator", 1, "platinum", "forged tier"),
        lambda s: members.update_contact(s, "op", "operator", 1, {"tier": "gold"}, "forged"),
        lambda s: members.update_contact(s, "op", "operator", 1, {"email": "not-an-email"}, "x"),
        lambda s: members.update_contact(s, "op", "operator", 1, {"phone": "call me"}, "x"),
        lambda s: members.update_contact(s, "op", "operator", 99, {"phone": "13912345678"}, "x"),
    ],
    ids=["status", "no_reason", "tier", "field", "email", "phone", "member"],
)
def test_forged_or_bad_values_change_nothing(store, call):
    before = snapshot(store)
    with pytest.raises(MemberError):
        call(store)
    assert snapshot(store) == before
    assert store.scalar("select count(*) from audit_log") == 0


def test_contact_edit_changes_only_what_differs_and_audits_masked(store):
    changed = members.update_contact(
        store,
        "op",
        "operator",
        1,
        {"phone": "13912345678", "email": "xiaoming@example.com", "nickname": "明明"},
        "customer called to update",
    )
    assert changed == ["nickname", "phone"]
    row = store.cursor().execute("select phone, nickname from members where member_key = 1")
    assert row.fetchone() == ("13912345678", "明明")
    entry = store.df("select * from audit_log").iloc[0]
    assert (entry.action, entry.target, entry.actor, entry.role) == (
        "member.contact",
        "M1",
        "op",
        "operator",
    )
    assert json.loads(entry.before_json) == {"nickname": "小*", "phone": "138****0001"}
    assert json.loads(entry.after_json) == {"nickname": "明*", "phone": "139****5678"}
    assert entry.reason == "customer called to update"


def test_status_change_is_audited(store):
    assert members.set_status(store, "op", "operator", 2, "frozen", "chargeback")
    assert not members.set_status(store, "op", "operator", 2, "frozen", "again")
    assert store.scalar("select status from members where member_key = 2") == "frozen"
    entry = store.df("select before_json, after_json from audit_log").iloc[0]
    assert (entry.before_json, entry.after_json) == ('{"status":"active"}', '{"status":"frozen"}')


def test_audit_failure_rolls_the_edit_back(store, monkeypatch):
    def broken(cur, params):
        raise duckdb.IOException("audit disk unavailable")

    monkeypatch.setattr(audit, "_insert", broken)
    before = snapshot(store)
    with pytest.raises(audit.AuditError):
        members.set_status(store, "op", "operator", 1, "cancelled", "closing")
    with pytest.raises(audit.AuditError):
        members.override_tier(store, "op", "operator", 5, "gold", "VIP")
    with pytest.raises(audit.AuditError):
        members.update_contact(store, "op", "operator", 1, {"phone": "13912345678"}, "x")
    assert snapshot(store) == before


def test_override_sticks_through_recompute_until_removed(store):
    assert tiers_by_member(store)["M5"] == "normal"
    assert members.override_tier(store, "op", "operator", 5, "gold", "VIP guest") == "gold"
    with store.transaction() as cur:
        recompute_tiers(cur, AS_OF_END)
    assert tiers_by_member(store)["M5"] == "gold"
    assert members.override_tier(store, "op", "operator", 5, None, "guest period over") == "normal"
    with store.transaction() as cur:
        assert recompute_tiers(cur, AS_OF_END) == 0
    history = store.df(
        "select from_tier, to_tier, reason, actor, note from tier_history "
        "where member_key = 5 and actor = 'op' order by changed_at, reason"
    ).to_dict("records")
    assert history == [
        {
            "from_tier": "normal",
            "to_tier": "gold",
            "reason": "manual_override",
            "actor": "op",
            "note": "VIP guest",
        },
        {
            "from_tier": "gold",
            "to_tier": "normal",
            "reason": "rule_recompute",
            "actor": "op",
            "note": "guest period over",
        },
    ]
    assert audit.verify_chain(store).ok


def test_search_by_id_phone_email_and_nickname(store):
    def ids(text, role="support"):
        return list(members.search_members(store, "s", role, text)["member_id"])

    assert ids("M3") == ["M3"]
    assert ids("13800000004") == ["M4"]
    assert ids("AHUA@example.com") == ["M2"]
    assert ids("小") == []  # one character is too short for a nickname search
    assert ids("小明") == ["M1"]
    assert ids("1380000000") == []  # a partial phone number lists nobody
    assert ids("") == []


def test_search_masks_for_operator_and_refuses_viewer(store):
    frame = members.search_members(store, "op", "operator", "M1")
    assert (frame.phone.iloc[0], frame.email.iloc[0], frame.name.iloc[0]) == (
        "138****0001",
        "x***@example.com",
        "王**",
    )
    frame = members.search_members(store, "s", "support", "M1")
    assert frame.phone.iloc[0] == "13800000001"
    for role in ("viewer", "analyst"):
        with pytest.raises(PermissionDenied):
            members.search_members(store, "v", role, "M1")


def test_profile_masks_personal_fields_for_operator(store):
    profile = members.member_profile(store, "op", "operator", 1)
    assert profile.attributes["phone"] == "138****0001"
    assert profile.attributes["address"] == "浙江省杭州市****"
    assert profile.attributes["nickname"] == "小*"
    assert profile.attributes["birth_date"] == "****"
    assert profile.spend_12m == 2500.0 and profile.orders_12m == 2
    support = members.member_profile(store, "s", "support", 1)
    assert support.attributes["phone"] == "13800000001"

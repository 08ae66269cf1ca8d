"""Maker-checker approvals (core/approvals.py): no self-approval, exactly once, expiry."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest

from core import approvals, audit, members
from core.approvals import ApprovalError
from core.permissions import PermissionDenied
from core.store import close_store
from tests.fixtures_admin import AS_OF, build_admin_store

NOW = datetime(2026, 7, 1, 9, 0)


@pytest.fixture()
def store(tmp_path):
    path = tmp_path / "approvals.duckdb"
    store = build_admin_store(path)
    with store.transaction() as cur:
        cur.execute(
            "insert into saved_segments values (1, 'first three', 'ana', [], [], [], [], [], "
            "[], [], $now, $now)",
            {"now": NOW},
        )
    yield store
    close_store(path)


def export_request(store, now=NOW) -> int:
    return members.request_member_export(
        store, "ana", "analyst", 1, ["phone", "email"], "campaign call list", AS_OF, now
    )


def status_of(store, request_id):
    return approvals.get_request(store, request_id).status


def test_request_records_the_exact_scope(store):
    request_id = export_request(store)
    req = approvals.get_request(store, request_id)
    assert req.status == "pending"
    assert req.payload["columns"] == ["phone", "email"]
    assert req.payload["member_keys"] == [1, 2, 3, 4, 5, 6]
    assert req.expires_at == NOW + timedelta(days=7)


def test_requester_cannot_approve_their_own_request(store):
    request_id = members.request_bulk_status(
        store, "root", "admin", 1, "frozen", "fraud ring", AS_OF, NOW
    )
    with pytest.raises(ApprovalError) as error:
        approvals.approve(store, "root", "admin", request_id, now=NOW)
    assert error.value.code == "approvals.error.self_approval"
    assert status_of(store, request_id) == "pending"
    assert store.scalar("select count(*) from members where status = 'frozen'") == 0


def test_a_role_without_approval_rights_cannot_approve(store):
    request_id = export_request(store)
    for role in ("viewer", "analyst", "support", "operator"):
        with pytest.raises(PermissionDenied):
            approvals.approve(store, "someone", role, request_id, now=NOW)
    assert status_of(store, request_id) == "pending"
    denied = store.scalar("select count(*) from audit_log where action = 'access.denied'")
    assert denied == 4


def test_approved_export_runs_exactly_once(store):
    request_id = export_request(store)
    assert approvals.approve(store, "boss", "admin", request_id, now=NOW) is None
    assert status_of(store, request_id) == "approved"
    outcome = approvals.execute(store, "ana", "analyst", request_id, now=NOW)
    lines = outcome.data.decode("utf-8-sig").strip().splitlines()
    assert lines[0] == "member_id,phone,email"
    assert len(lines) == 7 and "13800000001" in outcome.data.decode("utf-8-sig")
    assert outcome.result["rows"] == 6
    with pytest.raises(ApprovalError) as error:
        approvals.execute(store, "ana", "analyst", request_id, now=NOW)
    assert error.value.values["status"] == "executed"
    executed = store.df("select after_json from audit_log where action = 'approval.execute'")
    assert len(executed) == 1 and '"rows":6' in executed["after_json"].iloc[0]


def test_only_the_requester_downloads_the_export(store):
    request_id = export_request(store)
    approvals.approve(store, "boss", "admin", request_id, now=NOW)
    with pytest.raises(PermissionDenied):
        approvals.execute(store, "boss", "admin", request_id, now=NOW)
    assert status_of(store, request_id) == "approved"


def test_approval_on_execution_kind_runs_once_even_when_replayed(store):
    request_id = members.request_bulk_status(
        store, "op", "operator", 1, "frozen", "fraud ring", AS_OF, NOW
    )
    outcome = approvals.approve(store, "boss", "admin", request_id, now=NOW)
    assert outcome.result == {"changed": 6, "requested": 6}
    assert status_of(store, request_id) == "executed"
    # someone unfreezes a member; replaying the approval or the execution changes nothing
    members.set_status(store, "op", "operator", 1, "active", "verified by phone")
    with pytest.raises(ApprovalError):
        approvals.approve(store, "boss", "admin", request_id, now=NOW)
    with pytest.raises(ApprovalError):
        approvals.execute(store, "op", "operator", request_id, now=NOW)
    assert store.scalar("select status from members where member_key = 1") == "active"
    assert store.scalar("select count(*) from audit_log where action = 'member.bulk_status'") == 1


def test_concurrent_double_click_executes_once(store):
    request_id = export_request(store)
    approvals.approve(store, "boss", "admin", request_id, now=NOW)
    results: list[str] = []
    barrier = threading.Barrier(2)

    def click():
        barrier.wait()
        try:
            approvals.execute(store, "ana", "analyst", request_id, now=NOW)
            results.append("ok")
        except Exception as exc:  # an ApprovalError or a write-write conflict
            results.append(type(exc).__name__)

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count("ok") == 1
    assert store.scalar("select count(*) from audit_log where action = 'approval.execute'") == 1


def test_requests_expire_after_seven_days(store):
    request_id = export_request(store)
    later = NOW + timedelta(days=7, seconds=1)
    with pytest.raises(ApprovalError) as error:
        approvals.approve(store, "boss", "admin", request_id, now=later)
    assert error.value.values["status"] == "expired"
    assert status_of(store, request_id) == "expired"


def test_an_approved_but_unused_export_expires_too(store):
    request_id = export_request(store)
    approvals.approve(store, "boss", "admin", request_id, now=NOW + timedelta(days=6))
    with pytest.raises(ApprovalError):
        approvals.execute(store, "ana", "analyst", request_id, now=NOW + timedelta(days=8))
    assert status_of(store, request_id) == "expired"


def test_still_valid_one_second_before_expiry(store):
    request_id = export_request(store)
    approvals.approve(store, "boss", "admin", request_id, now=NOW + timedelta(days=7, seconds=-1))
    assert status_of(store, request_id) == "approved"


def test_reject_and_withdraw(store):
    first = export_request(store)
    second = export_request(store)
    approvals.reject(store, "boss", "admin", first, "no business need", now=NOW)
    approvals.reject(store, "ana", "analyst", second, "withdrawn", now=NOW)
    assert [status_of(store, i) for i in (first, second)] == ["rejected", "rejected"]
    with pytest.raises(ApprovalError):
        approvals.approve(store, "boss", "admin", first, now=NOW)


def test_requests_need_a_reason_and_the_right_role(store):
    with pytest.raises(members.MemberError):
        members.request_member_export(store, "ana", "analyst", 1, ["phone"], " ", AS_OF, NOW)
    with pytest.raises(PermissionDenied):
        members.request_member_export(store, "v", "viewer", 1, ["phone"], "x", AS_OF, NOW)
    with pytest.raises(PermissionDenied):
        members.request_bulk_status(store, "ana", "analyst", 1, "frozen", "x", AS_OF, NOW)
    with pytest.raises(members.MemberError):
        members.request_member_export(store, "ana", "analyst", 1, ["birth_date"], "x", AS_OF, NOW)
    assert store.scalar("select count(*) from approval_requests") == 0


def test_list_shows_own_and_approvable_requests(store):
    export_request(store)
    members.request_bulk_status(store, "op", "operator", 1, "frozen", "fraud", AS_OF, NOW)
    assert len(approvals.list_requests(store, "boss", "admin", now=NOW)) == 2
    assert list(approvals.list_requests(store, "ana", "analyst", now=NOW)["kind"]) == [
        "member_export"
    ]
    assert list(approvals.list_requests(store, "op2", "operator", now=NOW)["kind"]) == []
    with pytest.raises(PermissionDenied):
        approvals.list_requests(store, "v", "viewer", now=NOW)


def test_every_transition_is_audited_and_the_chain_holds(store):
    request_id = export_request(store)
    approvals.approve(store, "boss", "admin", request_id, now=NOW)
    approvals.execute(store, "ana", "analyst", request_id, now=NOW)
    actions = list(store.df("select action from audit_log order by audit_id")["action"])
    assert actions == ["approval.request", "approval.approve", "approval.execute"]
    assert audit.verify_chain(store).ok


@pytest.mark.parametrize("kind", sorted(approvals.KINDS))
def test_only_admins_may_approve_any_kind(kind):
    # issue 13.7: the request permission was listed among the tier-rule approvers
    for role in ("viewer", "analyst", "support", "operator", None, "root"):
        assert not approvals.may_approve(role, kind), (role, kind)
    assert approvals.may_approve("admin", kind)


def test_an_operator_cannot_approve_another_operators_tier_rule_change(store):
    from decimal import Decimal as D

    from core import tier_rules

    proposal = tier_rules.RuleSet(
        {"normal": D(0), "bronze": D(400), "silver": D(1300), "gold": D(2000)},
        {"normal": D("1"), "bronze": D("0.9"), "silver": D("0.85"), "gold": D("0.75")},
        "trailing_12m",
    )
    request_id = tier_rules.request_change(
        store, "op", "operator", proposal, "spring campaign", AS_OF, NOW
    )
    before = store.df("select * from tiers order by rank")
    with pytest.raises(PermissionDenied):
        approvals.approve(store, "op2", "operator", request_id, now=NOW)
    with pytest.raises(PermissionDenied):
        approvals.reject(store, "op2", "operator", request_id, now=NOW)
    assert status_of(store, request_id) == "pending"
    assert store.df("select * from tiers order by rank").equals(before)
    denied = store.df(
        "select actor, target from audit_log where action = 'access.denied' order by audit_id"
    )
    assert denied.to_dict("records")[-2:] == [
        {"actor": "op2", "target": f"request:{request_id}"},
        {"actor": "op2", "target": None},
    ]
    approvals.approve(store, "boss", "admin", request_id, now=NOW)
    assert status_of(store, request_id) == "executed"


@pytest.mark.parametrize("spelling", ["ROOT", " Root ", "ｒｏｏｔ"])
def test_self_approval_is_refused_whatever_the_case_of_the_name(store, spelling):
    request_id = members.request_bulk_status(
        store, "root", "admin", 1, "frozen", "fraud ring", AS_OF, NOW
    )
    with pytest.raises(ApprovalError) as error:
        approvals.approve(store, spelling, "admin", request_id, now=NOW)
    assert error.value.code == "approvals.error.self_approval"
    assert status_of(store, request_id) == "pending"
    assert store.scalar("select count(*) from members where status = 'frozen'") == 0

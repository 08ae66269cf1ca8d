"""Maker-checker approval of sensitive operations (SPEC §7).

A request records exactly what executing it will do (``payload``) and moves through
``pending`` → ``approved`` → ``executed``, or ends ``rejected`` or ``expired`` (7 days
after it was made, if not executed by then). The requester can never approve their own
request. Execution is exactly once: the executing transaction moves the status from
``approved`` to ``executed`` with a conditional update and only goes on when that update
changed the row, so a double click or a replayed request does nothing more (and two
concurrent attempts conflict, one of them rolling back).

The kinds and who may request and approve them are in :data:`KINDS`; the module that
owns a kind registers its executor with :func:`executor`. Every transition writes its
audit row in the same transaction.
"""

from __future__ import annotations

import importlib
import json
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb
import pandas as pd

from core import audit
from core.permissions import Capability, PermissionDenied, can
from core.store import Store

EXPIRY = timedelta(days=7)
STATUSES: tuple[str, ...] = ("pending", "approved", "rejected", "executed", "expired")


@dataclass(frozen=True)
class KindSpec:
    """Who may ask for a kind and who may approve it.

    Approving is :attr:`Capability.APPROVE_REQUESTS` for every kind, which the permission
    matrix gives to admins only (SPEC §1, §7); a kind that should be approved by another
    role gets that through the matrix, never by listing the request capability here.
    """

    request: Capability  # who may ask
    module: str  # registers the executor
    on_approval: bool  # execute in the approving transaction (else the requester runs it)
    approve: tuple[Capability, ...] = (Capability.APPROVE_REQUESTS,)  # any of these approves


KINDS: dict[str, KindSpec] = {
    "tier_rule_change": KindSpec(Capability.REQUEST_TIER_RULE_CHANGE, "core.tier_rules", True),
    "bulk_status_change": KindSpec(Capability.EDIT_MEMBERS, "core.members", True),
    "member_export": KindSpec(Capability.REQUEST_MEMBER_EXPORT, "core.members", False),
    "member_erase": KindSpec(Capability.EDIT_MEMBERS, "core.privacy", True),
}


def same_person(a: str | None, b: str | None) -> bool:
    """Whether two account names are one person (names are compared as sign-in does:
    case, width and surrounding blanks do not count)."""

    def norm(name: str | None) -> str:
        return unicodedata.normalize("NFKC", name or "").strip().casefold()

    return a is not None and b is not None and norm(a) == norm(b)


class ApprovalError(Exception):
    """A request that cannot move as asked; ``code`` is a translation key."""

    def __init__(self, code: str, **values: object):
        self.code = code
        self.values = values
        super().__init__(code)


@dataclass(frozen=True)
class Request:
    request_id: int
    kind: str
    payload: dict
    summary: str
    reason: str
    requested_by: str
    requested_role: str
    requested_at: datetime
    expires_at: datetime
    status: str
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str | None
    executed_by: str | None
    executed_at: datetime | None
    result: dict | None


@dataclass(frozen=True)
class Outcome:
    """What an executor did: a summary for the audit row, and a file for exports."""

    result: dict
    data: bytes | None = None


Executor = Callable[[duckdb.DuckDBPyConnection, Request, str, datetime], Outcome]
_EXECUTORS: dict[str, Executor] = {}


def executor(kind: str) -> Callable[[Executor], Executor]:
    """Register the function that carries out an approved request of ``kind``."""
    if kind not in KINDS:
        raise ValueError(f"unknown request kind {kind!r}")

    def register(function: Executor) -> Executor:
        _EXECUTORS[kind] = function
        return function

    return register


def _executor_for(kind: str) -> Executor:
    if kind not in _EXECUTORS:
        importlib.import_module(KINDS[kind].module)
    return _EXECUTORS[kind]


_COLUMNS = (
    "request_id, kind, payload, summary, reason, requested_by, requested_role, requested_at, "
    "expires_at, status, decided_by, decided_at, decision_note, executed_by, executed_at, result"
)


def _request(row: tuple) -> Request:
    values = list(row)
    values[2] = json.loads(values[2])
    values[15] = json.loads(values[15]) if values[15] else None
    return Request(*values)


def _fetch(cur: duckdb.DuckDBPyConnection, request_id: int) -> Request | None:
    row = cur.execute(
        f"select {_COLUMNS} from approval_requests where request_id = $id",  # noqa: S608
        {"id": int(request_id)},
    ).fetchone()
    return _request(row) if row else None


def get_request(store: Store, request_id: int) -> Request | None:
    cur = store.cursor()
    try:
        return _fetch(cur, request_id)
    finally:
        cur.close()


def _kind(kind: str) -> KindSpec:
    if kind not in KINDS:
        raise ApprovalError("approvals.error.unknown_kind", kind=kind)
    return KINDS[kind]


def may_approve(role: str | None, kind: str) -> bool:
    return any(can(role, capability) for capability in _kind(kind).approve)


# -- transitions ----------------------------------------------------------------------------


def request(
    store: Store,
    actor: str,
    role: str | None,
    kind: str,
    payload: dict,
    summary: str,
    reason: str,
    now: datetime | None = None,
) -> int:
    """File a request; returns its id. ``payload`` is what executing it will do."""
    spec = _kind(kind)
    audit.require(store, actor, role, spec.request, f"approval.request.{kind}")
    if not (reason or "").strip():
        raise ApprovalError("approvals.error.reason_required")
    now = now or audit.utcnow()
    with store.transaction() as cur:
        request_id = cur.execute(
            "select coalesce(max(request_id), 0) + 1 from approval_requests"
        ).fetchone()[0]
        cur.execute(
            "insert into approval_requests (request_id, kind, payload, summary, reason, "
            "requested_by, requested_role, requested_at, expires_at, status) values "
            "($id, $kind, $payload, $summary, $reason, $actor, $role, $now, $expires, 'pending')",
            {
                "id": request_id,
                "kind": kind,
                "payload": json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str),
                "summary": summary,
                "reason": reason.strip(),
                "actor": actor,
                "role": role,
                "now": now,
                "expires": now + EXPIRY,
            },
        )
        audit.record(
            cur,
            actor=actor,
            role=role,
            action="approval.request",
            target=f"request:{request_id}",
            after={"kind": kind, "summary": summary},
            reason=reason.strip(),
            now=now,
        )
    return int(request_id)


def expire_due(cur: duckdb.DuckDBPyConnection, now: datetime) -> list[int]:
    """Mark requests past their expiry (pending or approved, not executed) as expired."""
    expired = cur.execute(
        "update approval_requests set status = 'expired' "
        "where status in ('pending', 'approved') and expires_at <= $now returning request_id",
        {"now": now},
    ).fetchall()
    ids = sorted(int(row[0]) for row in expired)
    for request_id in ids:
        audit.record(
            cur,
            actor=None,
            role=None,
            action="approval.expire",
            target=f"request:{request_id}",
            after={"status": "expired"},
            now=now,
        )
    return ids


def _expire_now(store: Store, now: datetime) -> None:
    """Expire what is due in a transaction of its own, so it sticks whatever follows."""
    with store.transaction() as cur:
        expire_due(cur, now)


def _transition(
    cur: duckdb.DuckDBPyConnection,
    request_id: int,
    from_status: str,
    to_status: str,
    actor: str,
    note: str | None,
    now: datetime,
) -> bool:
    """Move one request from ``from_status`` to ``to_status``; False if it was not there."""
    changed = cur.execute(
        "update approval_requests set status = $to, decided_by = $actor, decided_at = $now, "
        "decision_note = $note where request_id = $id and status = $from returning request_id",
        {"to": to_status, "actor": actor, "now": now, "note": note, "id": int(request_id),
         "from": from_status},
    ).fetchall()  # fmt: skip
    return bool(changed)


def _check_approver(store: Store, actor: str, role: str | None, req: Request, action: str) -> None:
    if not may_approve(role, req.kind):
        audit.require(
            store, actor, role, KINDS[req.kind].approve[0], action, f"request:{req.request_id}"
        )
    if same_person(actor, req.requested_by):
        audit.record_now(
            store,
            actor=actor,
            role=role,
            action="access.denied",
            target=f"request:{req.request_id}",
            after={"attempted": action, "needs": "another person than the requester"},
        )
        raise ApprovalError("approvals.error.self_approval")


def approve(
    store: Store,
    actor: str,
    role: str | None,
    request_id: int,
    note: str | None = None,
    now: datetime | None = None,
) -> Outcome | None:
    """Approve a pending request (never one's own); kinds that run on approval run now,
    in the same transaction, so a failure leaves the request pending."""
    now = now or audit.utcnow()
    req = get_request(store, request_id)
    if req is None:
        raise ApprovalError("approvals.error.not_found")
    _check_approver(store, actor, role, req, "approval.approve")
    _expire_now(store, now)
    with store.transaction() as cur:
        _decide(cur, request_id, "approved", "approval.approve", actor, role, note, now)
        if KINDS[req.kind].on_approval:
            return _execute(cur, request_id, actor, role, now)
    return None


def _decide(cur, request_id: int, status: str, action: str, actor: str, role, note, now) -> None:
    """Move a pending request to ``status`` (approved / rejected) with its audit row, inside
    the caller's transaction; a request no longer pending is refused."""
    if not _transition(cur, request_id, "pending", status, actor, note, now):
        current = _fetch(cur, request_id)
        raise ApprovalError("approvals.error.not_pending", status=current.status)
    audit.record(
        cur,
        actor=actor,
        role=role,
        action=action,
        target=f"request:{request_id}",
        before={"status": "pending"},
        after={"status": status},
        reason=note,
        now=now,
    )


def reject(
    store: Store,
    actor: str,
    role: str | None,
    request_id: int,
    note: str | None = None,
    now: datetime | None = None,
) -> None:
    """Reject a pending request (an approver), or withdraw one's own."""
    now = now or audit.utcnow()
    req = get_request(store, request_id)
    if req is None:
        raise ApprovalError("approvals.error.not_found")
    if not same_person(actor, req.requested_by) and not may_approve(role, req.kind):
        audit.require(store, actor, role, KINDS[req.kind].approve[0], "approval.reject")
    _expire_now(store, now)
    with store.transaction() as cur:
        _decide(cur, request_id, "rejected", "approval.reject", actor, role, note, now)


def execute(
    store: Store, actor: str, role: str | None, request_id: int, now: datetime | None = None
) -> Outcome:
    """Carry out an approved request that runs on demand (e.g. the requester's export).

    Exactly once: a second call finds the request ``executed`` and raises.
    """
    now = now or audit.utcnow()
    req = get_request(store, request_id)
    if req is None:
        raise ApprovalError("approvals.error.not_found")
    if not same_person(actor, req.requested_by):
        audit.record_now(
            store,
            actor=actor,
            role=role,
            action="access.denied",
            target=f"request:{request_id}",
            after={"attempted": "approval.execute", "needs": "the requester"},
        )
        raise PermissionDenied(role, KINDS[req.kind].request)
    audit.require(store, actor, role, KINDS[req.kind].request, "approval.execute")
    _expire_now(store, now)
    with store.transaction() as cur:
        return _execute(cur, request_id, actor, role, now)


def _execute(
    cur: duckdb.DuckDBPyConnection, request_id: int, actor: str, role: str | None, now: datetime
) -> Outcome:
    claimed = cur.execute(
        "update approval_requests set status = 'executed', executed_by = $actor, "
        "executed_at = $now where request_id = $id and status = 'approved' returning request_id",
        {"actor": actor, "now": now, "id": int(request_id)},
    ).fetchall()
    if not claimed:
        current = _fetch(cur, request_id)
        raise ApprovalError("approvals.error.not_approved", status=current.status)
    req = _fetch(cur, request_id)
    outcome = _executor_for(req.kind)(cur, req, actor, now)
    cur.execute(
        "update approval_requests set result = $result where request_id = $id",
        {"result": json.dumps(outcome.result, ensure_ascii=False, default=str), "id": request_id},
    )
    audit.record(
        cur,
        actor=actor,
        role=role,
        action="approval.execute",
        target=f"request:{request_id}",
        before={"status": "approved"},
        after={"status": "executed", "kind": req.kind, **outcome.result},
        now=now,
    )
    return outcome


# -- reading --------------------------------------------------------------------------------


def pending_count(store: Store, actor: str, role: str | None, now: datetime | None = None) -> int:
    """How many pending, unexpired requests ``actor`` may decide (not their own): the
    count on the Approvals menu entry. Read-only; 0 for a role that approves nothing."""
    kinds = [kind for kind in KINDS if may_approve(role, kind)]
    if not kinds:
        return 0
    params = {"actor": actor, "kinds": kinds, "now": now or audit.utcnow()}
    return int(store.query("audit/pending_approvals", params)["pending"].iloc[0])


def list_requests(
    store: Store,
    actor: str,
    role: str | None,
    status: str | None = None,
    now: datetime | None = None,
) -> pd.DataFrame:
    """Requests ``actor`` may see, newest first: all for admins, else their own and those
    they may approve. Expired requests are marked on the way."""
    if status is not None and status not in STATUSES:
        raise ValueError(f"unknown status {status!r}")
    visible = [kind for kind in KINDS if may_approve(role, kind)]
    if not visible and not any(can(role, spec.request) for spec in KINDS.values()):
        audit.require(store, actor, role, Capability.APPROVE_REQUESTS, "approval.list")
    _expire_now(store, now or audit.utcnow())
    return store.query(
        "audit/approval_requests", {"actor": actor, "kinds": visible, "status": status}
    )

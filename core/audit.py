"""The audit log: append-only, hash-chained, personal data masked (SPEC §7, §8).

Every change in MemberLens calls :func:`record` with the cursor of the transaction that
makes the change, so the audit row and the change commit or roll back together: if the
row cannot be written, :class:`AuditError` propagates and the change is undone.

Each row stores ``row_hash`` = sha256 over its canonical content, which includes the
previous row's hash (``prev_hash``) and ``details_hash`` (sha256 over before, after and
reason). :func:`verify_chain` recomputes the chain and names the first row that does not
fit: an edited row fails its own hash, a deleted or inserted row breaks the link to its
neighbour, a removed tail no longer matches the head kept in ``meta``.

Details (before / after / reason) of rows about an erased member are redacted by
:func:`redact_details` (PIPL / GDPR erasure only); the erasure's own audit row lists the
redacted rows, and those are the only rows whose details may differ from their hash.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import duckdb
import pandas as pd

from core import masking
from core.permissions import Capability, PermissionDenied
from core.permissions import require as _require
from core.store import Store

GENESIS = "0" * 64
HEAD_META_KEY = "audit_head"
REDACTED = json.dumps({"redacted": "erased"})
ERASE_ACTION = "privacy.erase"

# Personal values are masked in audit details whatever the actor's role: the log is read
# by admins, exported and kept for years. Columns beyond the four of core.masking that
# identify a person get the masker that fits them.
_AUDIT_MASKERS = {
    **masking.MASKERS,
    "nickname": masking.mask_name,
    "display_name": masking.mask_name,
    "birth_date": lambda value: None if value is None else str(value)[:4] + "-**-**",
}


class AuditError(Exception):
    """The audit row could not be written; the change that needed it did not happen."""


@dataclass(frozen=True)
class ChainReport:
    """Outcome of :func:`verify_chain`: ``ok``, rows checked, the first broken row."""

    ok: bool
    rows: int
    first_broken: int | None = None
    problem: str | None = None

    def message(self) -> str:
        if self.ok:
            return f"audit chain intact: {self.rows:,} rows"
        return f"audit chain broken at row {self.first_broken}: {self.problem}"


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if value is None or isinstance(value, str | int | float | bool):
        return None if isinstance(value, float) and pd.isna(value) else value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    if pd.isna(value):
        return None
    return str(value)


def mask_details(details: dict | None) -> dict | None:
    """``details`` with every personal value masked (nested dicts too)."""
    if details is None:
        return None
    masked = {}
    for key, value in details.items():
        if isinstance(value, dict):
            masked[key] = mask_details(value)
        elif key in _AUDIT_MASKERS and value is not None:
            masked[key] = _AUDIT_MASKERS[key](str(_plain(value)))
        else:
            masked[key] = _plain(value)
    return masked


def _json(value: dict | None) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def details_hash(before_json: str | None, after_json: str | None, reason: str | None) -> str:
    return _sha(_json({"before": before_json, "after": after_json, "reason": reason}))


def row_hash(
    audit_id: int,
    logged_at: datetime,
    actor: str | None,
    role: str | None,
    action: str,
    target: str | None,
    details: str,
    prev_hash: str,
) -> str:
    """sha256 over the canonical content of one row (its details by their hash)."""
    content = {
        "audit_id": int(audit_id),
        "logged_at": logged_at.isoformat(timespec="microseconds"),
        "actor": actor,
        "role": role,
        "action": action,
        "target": target,
        "details_hash": details,
        "prev_hash": prev_hash,
    }
    return _sha(_json(content))


def record(
    cur: duckdb.DuckDBPyConnection,
    *,
    actor: str | None,
    role: str | None,
    action: str,
    target: str | None = None,
    before: dict | None = None,
    after: dict | None = None,
    reason: str | None = None,
    now: datetime | None = None,
) -> int:
    """Append one audit row inside the caller's transaction; returns its ``audit_id``.

    ``before`` and ``after`` are dicts of the values that changed; personal values in them
    are masked here. Raises :class:`AuditError` when the row cannot be written (the
    caller's transaction then rolls back with it).
    """
    moment = now or utcnow()
    before_json = _json(mask_details(before))
    after_json = _json(mask_details(after))
    try:
        head = cur.execute(
            "select audit_id, row_hash from audit_log order by audit_id desc limit 1"
        ).fetchone()
        audit_id, prev = (int(head[0]) + 1, head[1]) if head else (1, GENESIS)
        digest = details_hash(before_json, after_json, reason)
        hashed = row_hash(audit_id, moment, actor, role, action, target, digest, prev)
        _insert(
            cur,
            {
                "id": audit_id,
                "logged_at": moment,
                "actor": actor,
                "role": role,
                "action": action,
                "target": target,
                "before": before_json,
                "after": after_json,
                "reason": reason,
                "details": digest,
                "prev": prev,
                "hash": hashed,
            },
        )
        cur.execute(
            "insert or replace into meta values ($key, $value)",
            {"key": HEAD_META_KEY, "value": f"{audit_id}:{hashed}"},
        )
    except duckdb.Error as exc:
        raise AuditError(f"the audit row could not be written: {exc}") from exc
    return audit_id


def _insert(cur: duckdb.DuckDBPyConnection, params: dict) -> None:
    cur.execute(
        "insert into audit_log values ($id, $logged_at, $actor, $role, $action, $target, "
        "$before, $after, $reason, $details, $prev, $hash)",
        params,
    )


def record_now(store: Store, **fields: Any) -> int:
    """:func:`record` in a transaction of its own (for events that change nothing else)."""
    with store.transaction() as cur:
        return record(cur, **fields)


def require(
    store: Store,
    actor: str | None,
    role: str | None,
    capability: Capability,
    action: str,
    target: str | None = None,
) -> None:
    """:func:`core.permissions.require`, with the refusal written to the audit log."""
    try:
        _require(role, capability)
    except PermissionDenied:
        record_now(
            store,
            actor=actor,
            role=role,
            action="access.denied",
            target=target,
            after={"attempted": action, "needs": capability.value},
        )
        raise


def redact_details(
    cur: duckdb.DuckDBPyConnection, audit_ids: list[int], now: datetime | None = None
) -> list[int]:
    """Replace before/after/reason of ``audit_ids`` with a redaction marker.

    Only for a PIPL/GDPR erasure, inside its transaction, which must then :func:`record` an
    ``privacy.erase`` row whose ``after`` lists these ids under ``redacted_audit_ids``.
    """
    ids = sorted({int(i) for i in audit_ids})
    if ids:
        cur.execute(
            "update audit_log set before_json = $r, after_json = $r, reason = null "
            "where list_contains($ids, audit_id)",
            {"r": REDACTED, "ids": ids},
        )
    return ids


# -- verification --------------------------------------------------------------------------


def _redacted_ids(rows: list[tuple]) -> set[int]:
    """Rows listed as redacted by an erasure row that itself verifies."""
    ids: set[int] = set()
    for row in rows:
        _, _, _, _, action, _, before, after, reason, digest, _, _ = row
        if action != ERASE_ACTION or details_hash(before, after, reason) != digest:
            continue
        try:
            listed = json.loads(after or "{}").get("redacted_audit_ids", [])
        except (ValueError, AttributeError):
            continue
        ids.update(int(i) for i in listed)
    return ids


def verify_chain(store: Store) -> ChainReport:
    """Check every row's hash and link; the first row that does not fit is reported."""
    cur = store.cursor()
    try:
        rows = cur.execute("select * from audit_log order by audit_id").fetchall()
        head = cur.execute("select value from meta where key = $k", {"k": HEAD_META_KEY}).fetchone()
    finally:
        cur.close()
    redacted = _redacted_ids(rows)
    prev = GENESIS
    expected_id = 1
    for row in rows:
        audit_id, logged_at, actor, role, action, target, before, after, reason = row[:9]
        digest, prev_hash, stored = row[9:]
        if audit_id != expected_id:
            problem = (
                f"expected row {expected_id} next, found row {audit_id} (rows missing or added)"
            )
            return ChainReport(False, len(rows), min(audit_id, expected_id), problem)
        if prev_hash != prev:
            return ChainReport(
                False, len(rows), audit_id, "does not link to the previous row's hash"
            )
        recomputed = row_hash(audit_id, logged_at, actor, role, action, target, digest, prev_hash)
        if recomputed != stored:
            return ChainReport(False, len(rows), audit_id, "content does not match its hash")
        if details_hash(before, after, reason) != digest and audit_id not in redacted:
            return ChainReport(False, len(rows), audit_id, "details do not match their hash")
        prev = stored
        expected_id += 1
    head_value = head[0] if head else None
    last = f"{rows[-1][0]}:{rows[-1][11]}" if rows else None
    if head_value != last:
        where = int(rows[-1][0]) if rows else 0
        return ChainReport(
            False, len(rows), where + 1, "rows after this point were removed (head mismatch)"
        )
    return ChainReport(True, len(rows))


# -- reading (admins) ----------------------------------------------------------------------

ACTION_GROUPS: tuple[str, ...] = (
    "access",
    "account",
    "member",
    "tier_rule",
    "benefit",
    "approval",
    "privacy",
    "import",
    "audit",
    "tag",
    "segment",
    "alert",
    "setting",
)


def audit_rows(
    store: Store,
    role: str | None,
    *,
    start: date | None = None,
    end: date | None = None,
    actor: str | None = None,
    action_group: str | None = None,
    target: str | None = None,
    limit: int = 5000,
) -> pd.DataFrame:
    """The audit log, newest first, filtered; only for roles that may read it."""
    _require(role, Capability.VIEW_AUDIT_LOG)
    if action_group is not None and action_group not in ACTION_GROUPS:
        raise ValueError(f"unknown action group {action_group!r}")
    return store.query(
        "audit/audit_rows",
        {
            "start": start,
            "end": end,
            "actor": actor or None,
            "action_prefix": f"{action_group}." if action_group else None,
            "target": target or None,
            "row_limit": int(limit),
        },
    )


def audit_export(store: Store, role: str | None, frame: pd.DataFrame, actor: str) -> bytes:
    """``frame`` (from :func:`audit_rows`) as CSV; the export itself is audited."""
    _require(role, Capability.VIEW_AUDIT_LOG)
    data = frame.to_csv(index=False).encode("utf-8-sig")
    record_now(
        store,
        actor=actor,
        role=role,
        action="audit.export",
        after={"rows": len(frame)},
    )
    return data

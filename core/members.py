"""Looking members up and editing them (SPEC §7): contact fields, status, tier override.

Every write function takes the caller's account name and role, checks the role here (a
refusal is audited and raises :class:`~core.permissions.PermissionDenied`), validates the
values against allow-lists (a forged widget value raises :class:`MemberError` and changes
nothing) and writes its audit row in the transaction that makes the change.

An edit may carry the version of the member it was based on (``based_on``, the
``MemberProfile.version`` the form was filled from, i.e. the member's ``updated_at``): when
the member changed since, :class:`MemberError` ``members.error.changed`` is raised and
nothing is written, so of two people editing one member the second is told, not overwritten.

A status change for a whole saved segment, and a download of members' personal data, go
through maker-checker approval (:mod:`core.approvals`); their executors live here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd

from core import approvals, audit, contract, exports, masking, rollups
from core.config import DEFAULT_BUSINESS_TZ
from core.contract import MEMBERS
from core.permissions import Capability, can
from core.sqlfiles import sql_text
from core.store import Store

CONTACT_FIELDS: tuple[str, ...] = ("nickname", "name", "phone", "email", "address")
STATUSES: tuple[str, ...] = ("active", "frozen", "cancelled")
EXPORT_COLUMNS: tuple[str, ...] = ("name", "phone", "email", "address")
MAX_TEXT = 200
SEARCH_LIMIT = 50


class MemberError(ValueError):
    """A value that cannot be saved; ``code`` is a translation key, ``values`` fill it."""

    def __init__(self, code: str, **values: object):
        self.code = code
        self.values = values
        super().__init__(f"{code}: {values}")


@dataclass(frozen=True)
class MemberProfile:
    """One member as a role may see them: attributes (masked by role) and history."""

    member_key: int
    attributes: dict
    tier_history: pd.DataFrame
    recent_days: pd.DataFrame
    orders_12m: int
    spend_12m: float
    erased: bool
    version: datetime | None = None  # updated_at when read: pass as ``based_on`` to an edit


# ``based_on`` left out: the caller does not say what it saw (approved requests, scripts)
UNCHECKED = object()


def business_now(conn: Store | duckdb.DuckDBPyConnection) -> datetime:
    """Now in the business time zone, naive (like every business table's timestamps)."""
    if isinstance(conn, Store):
        zone = conn.business_tz
    else:
        row = conn.execute("select value from meta where key = 'business_tz'").fetchone()
        zone = row[0] if row else DEFAULT_BUSINESS_TZ
    return datetime.now(ZoneInfo(zone)).replace(tzinfo=None)


def _clean_reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        raise MemberError("members.error.reason_required")
    if len(text) > 500:
        raise MemberError("members.error.too_long", field="reason", max=500)
    return text


def _member(cur: duckdb.DuckDBPyConnection, member_key: int) -> dict:
    row = cur.execute(
        "select m.member_key, m.member_id, m.nickname, m.name, m.phone, m.email, m.address, "
        "m.status, m.tier, m.tier_override, e.member_key is not null as erased, m.updated_at "
        "from members m left join erased_members e on e.member_key = m.member_key "
        "where m.member_key = $k",
        {"k": int(member_key)},
    ).fetchone()
    if row is None:
        raise MemberError("members.error.not_found")
    keys = [
        "member_key",
        "member_id",
        "nickname",
        "name",
        "phone",
        "email",
        "address",
        "status",
        "tier",
        "tier_override",
        "erased",
        "updated_at",
    ]
    return dict(zip(keys, row, strict=True))


def _unchanged_since(current: dict, based_on: object) -> None:
    """Refuse an edit based on an older version of the member (see the module's notes)."""
    if based_on is not UNCHECKED and current["updated_at"] != based_on:
        raise MemberError("members.error.changed")


def member_version(store: Store, member_key: int) -> datetime | None:
    """The member's version now (``updated_at``), as :attr:`MemberProfile.version`."""
    cur = store.cursor()
    try:
        row = cur.execute(
            "select updated_at from members where member_key = $k", {"k": int(member_key)}
        ).fetchone()
    finally:
        cur.close()
    return None if row is None else row[0]


# -- reading --------------------------------------------------------------------------------


def may_look_up(role: str | None) -> bool:
    return can(role, Capability.LOOK_UP_MEMBERS)


def search_members(
    store: Store, actor: str, role: str | None, text: str, limit: int = SEARCH_LIMIT
) -> pd.DataFrame:
    """Members whose id, phone or e-mail is ``text``, or whose nickname contains it;
    personal columns masked for ``role``."""
    audit.require(store, actor, role, Capability.LOOK_UP_MEMBERS, "member.search")
    text = (text or "").strip()[:MAX_TEXT]
    if not text:
        return pd.DataFrame(
            columns=["member_key", "member_id", "nickname", "name", "phone", "email", "status",
                     "tier", "tier_override", "signup_at"]
        )  # fmt: skip
    frame = store.query("members/search", {"text": text, "row_limit": int(limit)})
    return masking.mask_frame(frame, role)


def member_profile(
    store: Store, actor: str, role: str | None, member_key: int, as_of: date | None = None
) -> MemberProfile:
    """One member's attributes, tier history, last 30 active days and 12-month spend; the
    view is audited (``member.view``) before anything is returned."""
    audit.require(store, actor, role, Capability.LOOK_UP_MEMBERS, "member.view")
    cur = store.cursor()
    try:
        attributes = cur.execute(
            "select member_id, nickname, name, gender, birth_date, phone, email, address, "
            "region, city, channel, device, status, tier, tier_override, signup_at, "
            "last_login_at from members where member_key = $k",
            {"k": int(member_key)},
        ).df()
        if attributes.empty:
            raise MemberError("members.error.not_found")
        history = cur.execute(
            "select changed_at, from_tier, to_tier, reason, actor, note from tier_history "
            "where member_key = $k order by changed_at desc, to_tier limit 200",
            {"k": int(member_key)},
        ).df()
        recent = cur.execute(
            "select day, events, page_views, add_to_carts, orders_paid, orders from member_day "
            "where member_key = $k order by day desc limit 30",
            {"k": int(member_key)},
        ).df()
        # the 12 months end on the as-of date (default the last day with data), never today
        end = as_of or cur.execute("select max(day) from member_day").fetchone()[0]
        orders, spend = (
            (0, 0.0)
            if end is None
            else cur.execute(
                "select count(*), coalesce(sum(amount), 0) from orders where member_key = $k "
                "and status = 'paid' and paid_at < cast($end as date) + 1 "
                "and paid_at >= cast($end as date) + 1 - interval 12 month",
                {"k": int(member_key), "end": end},
            ).fetchone()
        )
        erased = cur.execute(
            "select count(*) from erased_members where member_key = $k", {"k": int(member_key)}
        ).fetchone()[0]
        version = cur.execute(
            "select updated_at from members where member_key = $k", {"k": int(member_key)}
        ).fetchone()[0]
    finally:
        cur.close()
    record = attributes.iloc[0].to_dict()
    audit.record_now(
        store, actor=actor, role=role, action="member.view", target=str(record["member_id"])
    )
    record = masking.mask_record(record, role)
    if masking.masks_pii(role):
        record["birth_date"] = None if record.get("birth_date") is None else "****"
    return MemberProfile(
        int(member_key), record, history, recent, int(orders), float(spend), bool(erased), version
    )


# -- edits ----------------------------------------------------------------------------------


def _validated_contact(field: str, value: str | None) -> str | None:
    if field not in CONTACT_FIELDS:
        raise MemberError("members.error.field", field=str(field)[:40])
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    if len(text) > MAX_TEXT or any(ord(ch) < 32 for ch in text):
        raise MemberError("members.error.too_long", field=field, max=MAX_TEXT)
    # the importer's own check (core.contract), so both refuse the same phones and e-mails
    if field in ("phone", "email") and contract.value_problem(MEMBERS.column(field), text):
        raise MemberError(f"members.error.{field}")
    return text


def update_contact(
    store: Store,
    actor: str,
    role: str | None,
    member_key: int,
    changes: dict[str, str | None],
    reason: str,
    now: datetime | None = None,
    based_on: object = UNCHECKED,
) -> list[str]:
    """Change contact fields (``CONTACT_FIELDS``); returns the fields that changed."""
    audit.require(store, actor, role, Capability.EDIT_MEMBERS, "member.contact")
    reason = _clean_reason(reason)
    cleaned = {field: _validated_contact(field, value) for field, value in changes.items()}
    with store.transaction() as cur:
        current = _member(cur, member_key)
        if current["erased"]:
            raise MemberError("members.error.erased")
        _unchanged_since(current, based_on)
        changed = [f for f in CONTACT_FIELDS if f in cleaned and cleaned[f] != current[f]]
        if not changed:
            return []
        # Column names come from CONTACT_FIELDS (an allow-list), values are bound.
        assignments = ", ".join(f"{field} = ${field}" for field in changed)
        cur.execute(
            f"update members set {assignments}, updated_at = $now where member_key = $k",  # noqa: S608
            {**{f: cleaned[f] for f in changed}, "now": business_now(store), "k": int(member_key)},
        )
        audit.record(
            cur,
            actor=actor,
            role=role,
            action="member.contact",
            target=current["member_id"],
            before={f: current[f] for f in changed},
            after={f: cleaned[f] for f in changed},
            reason=reason,
            now=now,
        )
    return changed


def set_status(
    store: Store,
    actor: str,
    role: str | None,
    member_key: int,
    status: str,
    reason: str,
    now: datetime | None = None,
    based_on: object = UNCHECKED,
) -> bool:
    """Set a member's status (active / frozen / cancelled); False when it already was."""
    audit.require(store, actor, role, Capability.EDIT_MEMBERS, "member.status")
    if status not in STATUSES:
        raise MemberError("members.error.status", status=str(status)[:40])
    reason = _clean_reason(reason)
    with store.transaction() as cur:
        current = _member(cur, member_key)
        _unchanged_since(current, based_on)
        if current["status"] == status:
            return False
        cur.execute(
            "update members set status = $s, updated_at = $now where member_key = $k",
            {"s": status, "now": business_now(store), "k": int(member_key)},
        )
        audit.record(
            cur,
            actor=actor,
            role=role,
            action="member.status",
            target=current["member_id"],
            before={"status": current["status"]},
            after={"status": status},
            reason=reason,
            now=now,
        )
    return True


def tier_codes(store: Store | duckdb.DuckDBPyConnection) -> list[str]:
    cur = store.cursor()
    try:
        return [
            row[0] for row in cur.execute("select tier_code from tiers order by rank").fetchall()
        ]
    finally:
        cur.close()


def _rule_tier(cur: duckdb.DuckDBPyConnection, member_key: int, as_of: datetime) -> str:
    spend_basis = cur.execute("select value from settings where key = 'spend_basis'").fetchone()[0]
    row = cur.execute(
        "select t.tier_code from tiers t where t.threshold <= ("
        " select coalesce(sum(amount), 0) from orders where member_key = $k and status = 'paid'"
        " and paid_at < $as_of and ($basis = 'lifetime' or paid_at >= $as_of - interval 12 month)"
        ") order by t.rank desc limit 1",
        {"k": int(member_key), "as_of": as_of, "basis": spend_basis},
    ).fetchone()
    return row[0] if row else "normal"


def override_tier(
    store: Store,
    actor: str,
    role: str | None,
    member_key: int,
    tier: str | None,
    reason: str,
    now: datetime | None = None,
    based_on: object = UNCHECKED,
) -> str:
    """Override a member's tier (sticks through recomputes), or remove the override with
    ``tier=None`` (the member goes back to the tier the rules give). Returns the new tier;
    the move is kept in the tier history as ``manual_override`` with the reason."""
    audit.require(store, actor, role, Capability.EDIT_MEMBERS, "member.tier_override")
    reason = _clean_reason(reason)
    with store.transaction() as cur:
        if tier is not None and tier not in tier_codes(cur):
            raise MemberError("members.error.tier", tier=str(tier)[:40])
        current = _member(cur, member_key)
        _unchanged_since(current, based_on)
        moment = business_now(store)
        if tier is None:
            if current["tier_override"] is None:
                return current["tier"]
            last_day = cur.execute("select max(day) from member_day").fetchone()[0]
            as_of = (
                datetime.combine(last_day + timedelta(days=1), datetime.min.time())
                if last_day
                else moment
            )
            new_tier, history_reason = _rule_tier(cur, member_key, as_of), "rule_recompute"
        else:
            new_tier, history_reason = tier, "manual_override"
        cur.execute(
            "update members set tier_override = $o, tier = $t, updated_at = $now "
            "where member_key = $k",
            {"o": tier, "t": new_tier, "now": moment, "k": int(member_key)},
        )
        if new_tier != current["tier"] or tier is not None:
            cur.execute(
                "insert into tier_history (member_key, from_tier, to_tier, changed_at, reason, "
                "actor, note) values ($k, $from, $to, $now, $why, $actor, $note)",
                {"k": int(member_key), "from": current["tier"], "to": new_tier, "now": moment,
                 "why": history_reason, "actor": actor, "note": reason},
            )  # fmt: skip
        rollups.sync_member_attributes(cur, [member_key])
        rollups.rebuild_tier_spans(cur)
        audit.record(
            cur,
            actor=actor,
            role=role,
            action="member.tier_override" if tier else "member.tier_override_removed",
            target=current["member_id"],
            before={"tier": current["tier"], "tier_override": current["tier_override"]},
            after={"tier": new_tier, "tier_override": tier},
            reason=reason,
            now=now,
        )
    return new_tier


# -- requests: bulk status change and personal-data export ----------------------------------


def _segment_keys(store: Store, segment_id: int, as_of: date) -> tuple[str, list[int]]:
    from core import segments

    segment = segments.get_segment(store, int(segment_id))
    if segment is None:
        raise MemberError("members.error.segment")
    return segment.name, segments.segment_member_keys(store, segment.definition, as_of)


def request_bulk_status(
    store: Store,
    actor: str,
    role: str | None,
    segment_id: int,
    status: str,
    reason: str,
    as_of: date,
    now: datetime | None = None,
) -> int:
    """Ask for every member of a saved segment (as of ``as_of``) to get ``status``.

    The members are fixed now, so the approver approves exactly this list."""
    audit.require(store, actor, role, Capability.EDIT_MEMBERS, "member.bulk_status")
    if status not in STATUSES:
        raise MemberError("members.error.status", status=str(status)[:40])
    reason = _clean_reason(reason)
    name, keys = _segment_keys(store, segment_id, as_of)
    if not keys:
        raise MemberError("members.error.empty_segment")
    payload = {
        "segment_id": int(segment_id),
        "segment_name": name,
        "as_of": as_of.isoformat(),
        "status": status,
        "member_keys": keys,
    }
    summary = f"status → {status} for {len(keys):,} members of segment “{name}” ({as_of})"
    return approvals.request(
        store, actor, role, "bulk_status_change", payload, summary, reason, now
    )


@approvals.executor("bulk_status_change")
def _execute_bulk_status(
    cur, req: approvals.Request, actor: str, now: datetime
) -> approvals.Outcome:
    status = req.payload["status"]
    if status not in STATUSES:
        raise MemberError("members.error.status", status=str(status)[:40])
    keys = [int(k) for k in req.payload["member_keys"]]
    changed = cur.execute(
        "update members set status = $s, updated_at = $now "
        "where list_contains($keys, member_key) and status <> $s "
        "and member_key not in (select member_key from erased_members) returning member_id",
        {"s": status, "now": business_now(cur), "keys": keys},
    ).fetchall()
    member_ids = sorted(row[0] for row in changed)
    audit.record(
        cur,
        actor=actor,
        role=None,
        action="member.bulk_status",
        target=f"segment:{req.payload['segment_id']}",
        after={"status": status, "changed": len(member_ids), "member_ids": member_ids},
        reason=req.reason,
        now=now,
    )
    return approvals.Outcome({"changed": len(member_ids), "requested": len(keys)})


def request_member_export(
    store: Store,
    actor: str,
    role: str | None,
    segment_id: int,
    columns: list[str],
    reason: str,
    as_of: date,
    now: datetime | None = None,
) -> int:
    """Ask to download the personal ``columns`` of a saved segment's members.

    Once an approver agrees, the requester downloads it once (:func:`core.approvals.execute`);
    the file has exactly these members and columns, and its row count is audited."""
    audit.require(store, actor, role, Capability.REQUEST_MEMBER_EXPORT, "member.export")
    chosen = [c for c in EXPORT_COLUMNS if c in columns]
    if not chosen or set(columns) - set(EXPORT_COLUMNS):
        raise MemberError("members.error.export_columns")
    reason = _clean_reason(reason)
    name, keys = _segment_keys(store, segment_id, as_of)
    if not keys:
        raise MemberError("members.error.empty_segment")
    payload = {
        "segment_id": int(segment_id),
        "segment_name": name,
        "as_of": as_of.isoformat(),
        "columns": chosen,
        "member_keys": keys,
    }
    summary = f"export {', '.join(chosen)} of {len(keys):,} members of segment “{name}”"
    return approvals.request(store, actor, role, "member_export", payload, summary, reason, now)


def request_member_list_export(
    store: Store,
    actor: str,
    role: str | None,
    member_keys: list[int],
    source: str,
    reason: str,
    as_of: date,
    now: datetime | None = None,
) -> int:
    """Ask to download a member list (one row per member) as the requester sees it: member
    ids and the non-personal columns (SPEC §1: member-level export by analysts only through
    an approved request). ``source`` says where the list came from (tag, segment, alert).

    A ``member_export`` request; once an admin approves it, the requester downloads it once
    and the row count is audited."""
    audit.require(store, actor, role, Capability.REQUEST_MEMBER_EXPORT, "member.export")
    reason = _clean_reason(reason)
    keys = sorted({int(k) for k in member_keys})
    if not keys:
        raise MemberError("members.error.empty_list")
    source = (source or "").strip()[:MAX_TEXT]
    payload = {
        "scope": "member_list",
        "source": source,
        "as_of": as_of.isoformat(),
        "member_keys": keys,
    }
    summary = f"export the member list “{source}” of {len(keys):,} members (no personal columns)"
    return approvals.request(store, actor, role, "member_export", payload, summary, reason, now)


def _execute_list_export(cur, req: approvals.Request) -> approvals.Outcome:
    from core import segments

    role = req.requested_role
    keys = [int(k) for k in req.payload["member_keys"]]
    frame = segments.member_list(cur, role, keys, date.fromisoformat(req.payload["as_of"]))
    frame = masking.export_frame(frame.sort_values("member_id"), role)
    return approvals.Outcome(
        {"rows": len(frame), "scope": "member_list", "source": req.payload["source"]},
        exports.csv_bytes(frame),
    )


@approvals.executor("member_export")
def _execute_export(cur, req: approvals.Request, actor: str, now: datetime) -> approvals.Outcome:
    if req.payload.get("scope") == "member_list":
        return _execute_list_export(cur, req)
    columns = [c for c in EXPORT_COLUMNS if c in req.payload["columns"]]
    keys = [int(k) for k in req.payload["member_keys"]]
    frame = cur.execute(sql_text("members/scope_export"), {"keys": keys}).df()
    frame = frame[["member_id", *columns]]
    data = exports.csv_bytes(frame)
    return approvals.Outcome(
        {"rows": len(frame), "columns": columns, "segment_id": req.payload["segment_id"]}, data
    )

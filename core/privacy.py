"""PIPL / GDPR requests about one member: export everything held, erase (anonymise).

The registry below is the single answer to "where does MemberLens keep data about a
member": :data:`MEMBER_TABLES` names every table with rows about one member (and the
column that says which), :data:`PERSONAL_COLUMNS` every column holding personal data and
how erasure treats it, :data:`NOT_PERSONAL` the columns whose names look personal but are
not (with the reason). ``tests/test_privacy.py`` fails when the schema gains a table with
member rows, or a personal-looking column, that is not mapped here, so a new column is
exported and erased from the day it is added.

Erasure keeps aggregates: orders, events, activity and tier history stay (revenue, DAU and
tier counts do not change) while every personal field is cleared, the raw text of rejected
import lines that mention the member is blanked, and the details of the audit rows about
the member are redacted (the hash chain records which, see ``core.audit``). Erasure needs
maker-checker approval; both export and erasure are audited.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import datetime

import duckdb
import pandas as pd

from core import approvals, audit, exports
from core.members import MemberError, business_now
from core.permissions import Capability, can
from core.store import Store

# table -> the column identifying the member (rows about one member)
MEMBER_TABLES: dict[str, str] = {
    "members": "member_key",
    "events": "member_key",
    "orders": "member_key",
    "tier_history": "member_key",
    "member_day": "member_key",
    "member_week": "member_key",
    "member_month": "member_key",
    "paid_orders": "member_key",
    "member_facts": "member_key",
    "tier_spans": "member_key",
    "funnel_day": "member_key",
    "member_hour": "member_key",
    "search_day": "member_key",
    "tag_spells": "member_key",
    "segment_members": "member_key",
    "churn_member_scores": "member_key",
    "erased_members": "member_key",
}

# (table, column) -> treatment on erasure: "null" clears the value; "scrub" blanks the
# text when it mentions the member (rows not keyed by member)
PERSONAL_COLUMNS: dict[tuple[str, str], str] = {
    ("members", "nickname"): "null",
    ("members", "name"): "null",
    ("members", "phone"): "null",
    ("members", "email"): "null",
    ("members", "address"): "null",
    ("members", "birth_date"): "null",
    ("members", "last_login_at"): "null",
    ("events", "keyword"): "null",  # free text the member typed
    ("search_day", "keyword"): "null",  # the same text, rolled up
    ("import_rejects", "raw_text"): "scrub",  # a rejected file line may hold a member's data
    ("audit_log", "before_json"): "redact",
    ("audit_log", "after_json"): "redact",
    ("audit_log", "reason"): "redact",
}

# Columns whose names look personal, and why they are not a member's personal data.
NOT_PERSONAL: dict[tuple[str, str], str] = {
    ("members", "gender"): "kept as an aggregate dimension (purchase rate by gender)",
    ("members", "member_id"): "the programme's own key; personal fields around it are erased",
    ("tiers", "name_zh"): "tier name",
    ("tiers", "name_en"): "tier name",
    ("benefits", "name_zh"): "benefit name",
    ("benefits", "name_en"): "benefit name",
    ("campaigns", "name"): "campaign name",
    ("saved_segments", "name"): "segment name",
    ("alert_rules", "name"): "alert rule name",
    ("accounts", "username"): "staff account, not a member",
    ("accounts", "display_name"): "staff account, not a member",
    ("accounts", "last_login_at"): "staff account, not a member",
    ("access_log", "username"): "staff account, not a member",
    ("login_throttle", "name_hash"): "hash of a typed sign-in name",
    ("account_totp", "username"): "staff account, not a member",
    ("import_files", "table_name"): "contract table name",
    ("import_rejects", "table_name"): "contract table name",
    ("import_rejects", "column_name"): "contract column name",
    ("schema_migrations", "name"): "file name of an applied schema migration",
}

PERSONAL_LOOKING = re.compile(
    r"(phone|mobile|tel$|e_?mail|name|addr|birth|nick|gender|sex$|id_?card|passport|"
    r"wechat|openid|unionid|ip_?addr|login)",
    re.IGNORECASE,
)

MEMBER_FIELDS = [column for (table, column), how in PERSONAL_COLUMNS.items() if table == "members"]


def may_export(role: str | None) -> bool:
    return can(role, Capability.LOOK_UP_MEMBERS) and can(role, Capability.VIEW_PII)


def _member_id(cur: duckdb.DuckDBPyConnection, member_key: int) -> str:
    row = cur.execute(
        "select member_id from members where member_key = $k", {"k": int(member_key)}
    ).fetchone()
    if row is None:
        raise MemberError("members.error.not_found")
    return row[0]


def _json_default(value):
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def export_member(
    store: Store, actor: str, role: str | None, member_key: int, now: datetime | None = None
) -> bytes:
    """Everything held about one member, as a zip: ``member.json`` (the member row) and one
    CSV per table with rows about them (including the audit rows about them)."""
    if not may_export(role):
        audit.require(store, actor, role, Capability.VIEW_PII, "privacy.export", str(member_key))
    buffer = io.BytesIO()
    with store.transaction() as cur:
        member_id = _member_id(cur, member_key)
        counts: dict[str, int] = {}
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for table, key in MEMBER_TABLES.items():
                # table and key column come from the registry above, never from input
                frame = cur.execute(
                    f"select * from {table} where {key} = $k",  # noqa: S608
                    {"k": int(member_key)},
                ).df()
                counts[table] = len(frame)
                if table == "members":
                    record = frame.iloc[0].to_dict()
                    record = {k: (None if _missing(v) else v) for k, v in record.items()}
                    archive.writestr(
                        "member.json",
                        json.dumps(record, ensure_ascii=False, indent=2, default=_json_default),
                    )
                else:
                    archive.writestr(f"{table}.csv", exports.csv_text(frame))
            audit_rows = cur.execute(
                "select audit_id, logged_at, actor, role, action, target, before_json, "
                "after_json, reason from audit_log where target = $id order by audit_id",
                {"id": member_id},
            ).df()
            counts["audit_log"] = len(audit_rows)
            archive.writestr("audit_log.csv", exports.csv_text(audit_rows))
            archive.writestr(
                "README.txt",
                f"MemberLens data export for member {member_id}\n"
                f"Tables: {', '.join(f'{t} ({n})' for t, n in counts.items())}\n",
            )
        audit.record(
            cur,
            actor=actor,
            role=role,
            action="privacy.export",
            target=member_id,
            after={"rows": counts},
            now=now,
        )
    return buffer.getvalue()


def _missing(value) -> bool:
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def request_erasure(
    store: Store,
    actor: str,
    role: str | None,
    member_key: int,
    reason: str,
    now: datetime | None = None,
) -> int:
    """Ask for a member's personal data to be erased; runs when an approver agrees."""
    audit.require(store, actor, role, Capability.EDIT_MEMBERS, "privacy.erase", str(member_key))
    cur = store.cursor()
    try:
        member_id = _member_id(cur, member_key)
        erased = cur.execute(
            "select count(*) from erased_members where member_key = $k", {"k": int(member_key)}
        ).fetchone()[0]
    finally:
        cur.close()
    if erased:
        raise MemberError("members.error.erased")
    if not (reason or "").strip():
        raise MemberError("members.error.reason_required")
    payload = {"member_key": int(member_key), "member_id": member_id}
    summary = f"erase (anonymise) the personal data of member {member_id}"
    return approvals.request(store, actor, role, "member_erase", payload, summary, reason, now)


@approvals.executor("member_erase")
def _execute_erasure(
    cur: duckdb.DuckDBPyConnection, req: approvals.Request, actor: str, now: datetime
) -> approvals.Outcome:
    member_key = int(req.payload["member_key"])
    member_id = _member_id(cur, member_key)
    known = cur.execute(
        "select phone, email, name, address, nickname from members where member_key = $k",
        {"k": member_key},
    ).fetchone()
    cleared: dict[str, int] = {}
    for (table, column), how in PERSONAL_COLUMNS.items():
        if how != "null":
            continue
        key = MEMBER_TABLES[table]
        # table, column and key come from the registry, never from input
        changed = cur.execute(
            f"update {table} set {column} = null where {key} = $k and {column} is not null "  # noqa: S608
            "returning 1",
            {"k": member_key},
        ).fetchall()
        cleared[f"{table}.{column}"] = len(changed)
    cur.execute(
        "update members set updated_at = $now where member_key = $k",
        {"now": business_now(cur), "k": member_key},
    )
    needles = [member_id, *(value for value in known if value)]
    scrubbed = cur.execute(
        "update import_rejects set raw_text = '[erased]' "
        "where list_bool_or(list_transform($needles, lambda n: contains(raw_text, n))) "
        "returning 1",
        {"needles": needles},
    ).fetchall()
    redacted_ids = [
        int(row[0])
        for row in cur.execute(
            "select audit_id from audit_log where target = $id", {"id": member_id}
        ).fetchall()
    ]
    audit.redact_details(cur, redacted_ids, now, request_id=req.request_id, actor=actor)
    cur.execute(
        "insert into erased_members values ($k, $now, $r)",
        {"k": member_key, "now": now, "r": req.request_id},
    )
    audit.record(
        cur,
        actor=actor,
        role=None,
        action=audit.ERASE_ACTION,
        target=member_id,
        after={
            "cleared": cleared,
            "import_lines_scrubbed": len(scrubbed),
            "redacted_audit_ids": redacted_ids,
        },
        now=now,
    )
    return approvals.Outcome({"member_id": member_id, "audit_rows_redacted": len(redacted_ids)})

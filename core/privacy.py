"""PIPL / GDPR requests about one member: export everything held, erase (anonymise).

The registry below is the single answer to "where does MemberLens keep data about a
member": :data:`MEMBER_TABLES` names every table with rows about one member (and the
column that says which), :data:`PERSONAL_COLUMNS` every column holding personal data and
how erasure treats it (:data:`TREATMENTS`), :data:`NOT_PERSONAL` and :data:`CODE_COLUMNS`
every other text column (with the reason), :data:`PERSONAL_FILES` and
:data:`NOT_PERSONAL_FILES` every file kept beside the store, and :data:`FILE_WRITERS`
every function that writes a file. ``tests/test_privacy.py`` fails when the schema gains a
table with member rows or a text column, or the code a file location or a file writer,
that is not mapped here, so new data is exported and erased from the day it is added.

Erasure keeps aggregates: orders, events, activity and tier history stay (revenue, DAU and
tier counts do not change) while every personal field is cleared. Before the member row is
cleared, the member's known values (``core.redaction``) are looked for around it: rejected
import lines about the member lose their raw text, in ``import_rejects`` and in every
``rejects.csv`` beside the store; staff free text (tier history notes, approval reasons and
notes) and the details of other audit rows have the values replaced; the details of the
audit rows about the member are replaced whole (the hash chain records which, see
``core.audit``). The store file keeps the old bytes until ``core.store.compact_store``
rewrites it; the erasure marks that as due. Erasure needs maker-checker approval; both
export and erasure are audited.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import zipfile
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from core import approvals, audit, exports
from core.members import MemberError, business_now
from core.permissions import Capability, can
from core.redaction import TEXT_FIELDS, KnownValues, redact_line_values
from core.store import COMPACT_DUE_META_KEY, Store

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
    "segment_fixed_members": "member_key",
    "churn_member_scores": "member_key",
    "erased_members": "member_key",
}

# What erasure does with a personal column (the values of PERSONAL_COLUMNS).
TREATMENTS: dict[str, str] = {
    "null": "cleared on the member's rows",
    "note": (
        "staff free text on rows keyed by member: cleared on the member's rows, the member's "
        "known values replaced on every other row"
    ),
    "text": "free text: the member's known values replaced on every row (core.redaction)",
    "temporary": (
        "a temporary copy of an imported file (core.ingest.import_temp_root): removed when "
        "its import ends; a copy left by a killed import is removed when the next import "
        "starts, and by an erasure"
    ),
    "reject_line": (
        "a rejected import line: dropped when the line is about the member (the row keeps "
        "line, column and reason, the reason without the line's value)"
    ),
    "redact": (
        "audit details: replaced on the rows about the member, the member's known values "
        "replaced on every other row; recorded so the chain verifies (core.audit)"
    ),
}

# (table, column) -> treatment on erasure (a key of TREATMENTS)
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
    ("tier_history", "note"): "note",  # the reason staff gave for an override or rule change
    ("approval_requests", "reason"): "text",  # typed by the requester
    ("approval_requests", "decision_note"): "text",  # typed by the approver
    ("import_rejects", "raw_text"): "reject_line",  # a rejected file line may hold a member's data
    ("import_rejects", "reason"): "text",  # may quote a value of the line
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
    ("members", "region"): "kept as an aggregate dimension (members by region)",
    ("members", "city"): "kept as an aggregate dimension (members by city)",
    ("approval_requests", "summary"): "generated: what the request does, with member ids only",
    ("approval_requests", "payload"): "generated: member keys and ids, settings, filters",
    ("approval_requests", "result"): "generated: counts and member ids",
    ("access_log", "detail"): "generated: roles, counts and flags of staff account events",
    ("access_log", "target"): "a staff account or page name",
    ("imports", "source"): "paths of the imported files",
    ("import_files", "file"): "name of an imported file",
    ("import_rejects", "file"): "name of an imported file",
    ("churn_model_runs", "summary"): "generated: model figures",
    ("settings", "value"): "programme settings",
    ("meta", "value"): "store metadata (schema version, audit head, demo flag)",
    ("saved_segments", "owner"): "staff account, not a member",
    ("code_labels", "label_zh"): "label of a channel or region code, set by an admin",
    ("code_labels", "label_en"): "label of a channel or region code, set by an admin",
}

# Text columns that hold only codes from closed lists, identifiers, hashes or staff account
# names: nothing a member or a staff member types about a member reaches them.
CODE_COLUMNS: dict[str, tuple[str, ...]] = {
    "access_log": ("event", "outcome", "role"),
    "account_totp": ("secret",),
    "accounts": ("language", "password_hash", "role"),
    "alert_rules": ("group_kind", "group_value", "updated_by"),
    "alerts": ("action", "group_kind", "group_value", "status"),
    "approval_requests": (
        "decided_by", "executed_by", "kind", "requested_by", "requested_role", "status",
    ),
    "audit_log": ("action", "actor", "details_hash", "prev_hash", "role", "row_hash", "target"),
    "benefits": ("benefit_code",),
    "campaigns": ("campaign_id", "channel"),
    "channel_costs": ("channel",),
    "churn_member_scores": ("action", "drivers"),
    "code_labels": ("code", "kind", "updated_by"),
    "churn_model_runs": ("data_stamp", "fitted_by"),
    "events": (
        "campaign", "category", "coupon_id", "device", "event_id", "event_type", "item_id",
        "page", "session_id",
    ),
    "funnel_day": ("chain", "channel", "device", "event_device", "region", "session_id", "tier"),
    "import_files": ("file_sha256",),
    "imports": ("actor", "mode", "status"),
    "member_day": ("channel", "device", "region", "tier"),
    "member_facts": ("channel", "device", "region", "tier"),
    "member_hour": ("channel", "device", "region", "tier"),
    "member_month": ("channel", "device", "region", "tier"),
    "member_week": ("channel", "device", "region", "tier"),
    "members": ("channel", "device", "status", "tier", "tier_override"),
    "meta": ("key",),
    "orders": ("category", "coupon_id", "order_id", "source", "status"),
    "paid_orders": ("category", "channel", "device", "region", "tier", "tier_at_paid"),
    "saved_segments": (
        "all_tags", "any_tags", "channels", "devices", "none_tags", "regions", "tiers",
    ),
    "search_day": ("channel", "device", "region", "tier"),
    "settings": ("key",),
    "tag_settings": ("param", "tag", "updated_by"),
    "tag_spells": ("tag",),
    "tier_benefits": ("benefit_code", "tier_code"),
    "tier_history": ("actor", "from_tier", "reason", "to_tier"),
    "tier_spans": ("channel", "device", "region", "tier", "to_tier"),
    "tiers": ("tier_code",),
}  # fmt: skip

PERSONAL_LOOKING = re.compile(
    r"(phone|mobile|tel$|e_?mail|name|addr|birth|nick|gender|sex$|id_?card|passport|"
    r"wechat|openid|unionid|ip_?addr|login)",
    re.IGNORECASE,
)

MEMBER_FIELDS = [column for (table, column), how in PERSONAL_COLUMNS.items() if table == "members"]

# Files MemberLens keeps beside a store, as patterns relative to the store's folder
# ("{store}" is the store file's name), and what erasure does with them (a treatment).
PERSONAL_FILES: dict[str, str] = {
    "{store}.imports/*/rejects.csv": "reject_line",  # the rows of import_rejects, as a file
    "{store}.imports/tmp/*": "temporary",  # an import's working copies (GBK, line endings)
}

# Files beside a store that hold no member's personal data, and why.
NOT_PERSONAL_FILES: dict[str, str] = {
    "{store}": "the store itself: its tables and columns are mapped above",
    "{store}.wal": "the store's write-ahead log, folded into the store at each checkpoint",
    "{store}.compacting": "the store being rewritten by compact_store, renamed over it",
    "{store}.building": "a demo store being built, renamed over {store}",
    "{store}.imports/*/rejects.csv.erasing": "a rejects.csv already scrubbed, being put in place",
    "{store}.imports/*/report.json": "counts, mode and the names of the imported files",
    ".audit_key": "the audit key of a demo store",
    ".cookie_key": "the cookie key of a demo store",
}

# Every function in core/ that writes a file, and where: a location mapped above, or why
# the file is not beside the store (tests/test_privacy.py reads core/ to keep this whole).
FILE_WRITERS: dict[str, str] = {
    "core.ingest._write_report": "{store}.imports/*/rejects.csv, {store}.imports/*/report.json",
    "core.ingest._copy_as_utf8": "{store}.imports/tmp/*, removed when the import ends",
    "core.ingest.import_uploads": "{store}.imports/tmp/*, removed when the import ends",
    "core.audit.create_demo_key": ".audit_key",
    "core.auth.resolve_cookie_key": ".cookie_key",
    "core.cli.cmd_report": "the operator's --out file: an aggregate report, no member rows",
    "core.cli.cmd_audit": "the operator's --out file: an audit anchor (counts and hashes)",
    "core.demo.build_demo_store": "{store} (built as {store}.building, then renamed)",
    "core.privacy.scrub_rejects_file": "{store}.imports/*/rejects.csv, rewritten on erasure",
    "core.exports.xlsx_bytes": "memory only: the bytes go back to its caller (a download, a "
    "report written by cmd_report)",
    "core.store.compact_store": "{store}, rewritten whole through {store}.compacting",
}


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


def compact_due(store: Store) -> bool:
    """Whether an erasure happened since the store file was last compacted (the erased
    values' old bytes are still in its free blocks; see ``core.store.compact_store``)."""
    return store.meta(COMPACT_DUE_META_KEY) is not None


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


def _store_path(cur: duckdb.DuckDBPyConnection) -> Path | None:
    row = cur.execute(
        "select path from duckdb_databases() where database_name = current_database()"
    ).fetchone()
    return Path(row[0]) if row and row[0] else None


def _remove_stale_import_copies(cur: duckdb.DuckDBPyConnection) -> int:
    """Temporary copies a killed import left beside the store (``PERSONAL_FILES``,
    ``temporary``): removed whole, since the member may be in any of them."""
    from core.ingest import remove_stale_copies  # ingest needs nothing from here

    store_path = _store_path(cur)
    return 0 if store_path is None else remove_stale_copies(store_path)


def _known_values(cur: duckdb.DuckDBPyConnection, member_key: int, member_id: str) -> KnownValues:
    columns = ", ".join(TEXT_FIELDS)  # names from core.redaction, never from input
    row = cur.execute(
        f"select {columns} from members where member_key = $k",  # noqa: S608
        {"k": member_key},
    ).fetchone()
    return KnownValues.of(member_id, dict(zip(TEXT_FIELDS, row, strict=True)))


def _drop_reject_lines(cur: duckdb.DuckDBPyConnection, known: KnownValues) -> int:
    """Rejected import lines about the member lose their raw text; their reason keeps no
    value of the line. Returns how many rows changed."""
    pattern = known.sql_pattern
    found = cur.execute(
        "select rowid, raw_text, reason from import_rejects where raw_text is not null and "
        "(contains(raw_text, $id) or ($p is not null and regexp_matches(raw_text, $p, 'i')))",
        {"id": known.member_id, "p": pattern},
    ).fetchall()
    dropped = 0
    for rowid, raw_text, reason in found:
        if known.line_is_about(raw_text):
            cur.execute(
                "update import_rejects set raw_text = null, reason = $r where rowid = $i",
                {"r": known.redact(redact_line_values(reason, raw_text)), "i": rowid},
            )
            dropped += 1
    return dropped


def scrub_rejects_file(path: Path, known: KnownValues) -> int:
    """Rewrite one ``rejects.csv`` as :func:`_drop_reject_lines` treats ``import_rejects``
    (the file is replaced whole, never left half written). Returns the rows changed."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        header, rows = reader.fieldnames or [], list(reader)
    changed = 0
    for row in rows:
        raw_text, reason = row.get("raw_text") or "", row.get("reason") or ""
        if known.line_is_about(raw_text):
            new = {"raw_text": "", "reason": known.redact(redact_line_values(reason, raw_text))}
        else:
            new = {"reason": known.redact(reason)}
        if any(row.get(k, "") != v for k, v in new.items()):
            row.update(new)
            changed += 1
    if changed:
        partial = path.with_name(path.name + ".erasing")
        with partial.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, header, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        os.replace(partial, path)
    return changed


def _scrub_reject_files(cur: duckdb.DuckDBPyConnection, known: KnownValues) -> int:
    """The ``rejects.csv`` files of the store's imports (``PERSONAL_FILES``)."""
    from core.ingest import import_reports_dir  # ingest needs nothing from here

    store_path = _store_path(cur)
    if store_path is None:
        return 0
    return sum(
        1
        for path in sorted(import_reports_dir(store_path).glob("*/rejects.csv"))
        if scrub_rejects_file(path, known)
    )


def _redact_text_column(
    cur: duckdb.DuckDBPyConnection, table: str, column: str, known: KnownValues
) -> int:
    """Replace the member's known values in one free-text column, value by value (a rule
    change's note is the same on thousands of rows). Returns the rows changed."""
    pattern = known.sql_pattern
    if pattern is None:
        return 0
    # table and column come from the registry, never from input
    found = cur.execute(
        f"select distinct {column} from {table} "  # noqa: S608
        f"where regexp_matches({column}, $p, 'i')",
        {"p": pattern},
    ).fetchall()
    changed = 0
    for (old,) in found:
        new = known.redact(old)
        if new != old:
            changed += len(
                cur.execute(
                    f"update {table} set {column} = $new where {column} = $old "  # noqa: S608
                    "returning 1",
                    {"new": new, "old": old},
                ).fetchall()
            )
    return changed


def _audit_text_changes(
    cur: duckdb.DuckDBPyConnection, known: KnownValues, member_id: str
) -> dict[int, dict[str, str | None]]:
    """Audit rows not about the member whose details hold the member's known values (the
    reason of the erasure request, an approver's note, a note on another member), with
    those values replaced: ``{audit_id: {field: new value}}`` for ``core.audit``."""
    pattern = known.sql_pattern
    if pattern is None:
        return {}
    found = cur.execute(
        "select audit_id, before_json, after_json, reason from audit_log "
        "where target is distinct from $id and ("
        "regexp_matches(coalesce(before_json, ''), $p, 'i') "
        "or regexp_matches(coalesce(after_json, ''), $p, 'i') "
        "or regexp_matches(coalesce(reason, ''), $p, 'i'))",
        {"id": member_id, "p": pattern},
    ).fetchall()
    changes: dict[int, dict[str, str | None]] = {}
    for audit_id, before, after, reason in found:
        new = {
            "before": known.redact_json(before),
            "after": known.redact_json(after),
            "reason": known.redact(reason),
        }
        old = {"before": before, "after": after, "reason": reason}
        fields = {k: v for k, v in new.items() if v != old[k]}
        if fields:
            changes[int(audit_id)] = fields
    return changes


@approvals.executor("member_erase")
def _execute_erasure(
    cur: duckdb.DuckDBPyConnection, req: approvals.Request, actor: str, now: datetime
) -> approvals.Outcome:
    """Erase one member, every place at once (``PERSONAL_COLUMNS``, ``PERSONAL_FILES``).

    The member's known values are read first, then found in the text around them (reject
    lines and files, staff free text, other audit rows), and only then is the member row
    cleared. Reject files are rewritten inside the erasure's transaction: if it rolls back
    after that, the files have lost lines of a member who is not erased (never the reverse).
    """
    member_key = int(req.payload["member_key"])
    member_id = _member_id(cur, member_key)
    known = _known_values(cur, member_key, member_id)
    reject_lines = _drop_reject_lines(cur, known)
    reject_files = _scrub_reject_files(cur, known)
    _remove_stale_import_copies(cur)
    cleared: dict[str, int] = {}
    for (table, column), how in PERSONAL_COLUMNS.items():
        if how not in ("null", "note"):
            continue
        key = MEMBER_TABLES[table]
        # table, column and key come from the registry, never from input
        changed = cur.execute(
            f"update {table} set {column} = null where {key} = $k and {column} is not null "  # noqa: S608
            "returning 1",
            {"k": member_key},
        ).fetchall()
        cleared[f"{table}.{column}"] = len(changed)
    free_text: dict[str, int] = {}
    for (table, column), how in PERSONAL_COLUMNS.items():
        if how in ("note", "text"):
            free_text[f"{table}.{column}"] = _redact_text_column(cur, table, column, known)
    cur.execute(
        "update members set updated_at = $now where member_key = $k",
        {"now": business_now(cur), "k": member_key},
    )
    redacted_ids = [
        int(row[0])
        for row in cur.execute(
            "select audit_id from audit_log where target = $id", {"id": member_id}
        ).fetchall()
    ]
    mentions = _audit_text_changes(cur, known, member_id)
    audit.redact_details(
        cur, redacted_ids, now, request_id=req.request_id, actor=actor, also=mentions
    )
    # the cleared values' old bytes stay in the store file until it is compacted
    cur.execute(
        "insert or replace into meta values ($key, $now)",
        {"key": COMPACT_DUE_META_KEY, "now": now.isoformat()},
    )
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
            "free_text_redacted": free_text,
            "import_lines_scrubbed": reject_lines,
            "reject_files_rewritten": reject_files,
            "redacted_audit_ids": redacted_ids,
            "audit_rows_mentioning": sorted(mentions),
        },
        now=now,
    )
    return approvals.Outcome({"member_id": member_id, "audit_rows_redacted": len(redacted_ids)})

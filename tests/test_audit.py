"""The hash-chained audit log (core/audit.py) and `python -m core.cli audit verify`."""

from __future__ import annotations

import json
from datetime import datetime

import duckdb
import pytest

from core import audit, cli
from core.permissions import PermissionDenied
from core.store import close_store, open_store

T0 = datetime(2026, 6, 1, 8, 0, 0, 123456)


@pytest.fixture()
def store(tmp_path):
    path = tmp_path / "audit.duckdb"
    store = open_store(path)
    for i in range(1, 6):
        audit.record_now(
            store,
            actor="admin",
            role="admin",
            action="member.status",
            target=f"M00{i}",
            before={"status": "active"},
            after={"status": "frozen"},
            reason=f"case {i}",
            now=T0.replace(minute=i),
        )
    yield store
    close_store(path)


def execute(store, sql, params=None):
    cur = store.cursor()
    try:
        cur.execute(sql, params or {})
    finally:
        cur.close()


def test_intact_chain_verifies(store):
    report = audit.verify_chain(store)
    assert report.ok and report.rows == 5 and report.first_broken is None


def test_empty_log_verifies(tmp_path):
    store = open_store(tmp_path / "empty.duckdb")
    assert audit.verify_chain(store).ok


def test_rows_link_to_their_predecessor(store):
    rows = store.df("select audit_id, prev_hash, row_hash from audit_log order by audit_id")
    assert rows["prev_hash"].iloc[0] == audit.GENESIS
    assert list(rows["prev_hash"].iloc[1:]) == list(rows["row_hash"].iloc[:-1])


def test_edited_row_is_detected(store):
    execute(store, "update audit_log set actor = 'mallory' where audit_id = 3")
    report = audit.verify_chain(store)
    assert not report.ok and report.first_broken == 3


def test_edited_details_are_detected(store):
    execute(store, """update audit_log set after_json = '{"status":"active"}' where audit_id = 2""")
    report = audit.verify_chain(store)
    assert (report.ok, report.first_broken) == (False, 2)


def test_deleted_row_is_detected(store):
    execute(store, "delete from audit_log where audit_id = 3")
    report = audit.verify_chain(store)
    assert not report.ok and report.first_broken == 3


def test_deleted_tail_is_detected(store):
    execute(store, "delete from audit_log where audit_id = 5")
    report = audit.verify_chain(store)
    assert not report.ok and report.first_broken == 5


def test_inserted_row_is_detected(store):
    # a forged row with a self-consistent hash, slipped in after row 2 by renumbering
    execute(store, "update audit_log set audit_id = audit_id + 100 where audit_id > 2")
    execute(store, "update audit_log set audit_id = audit_id - 99 where audit_id > 100")
    prev = store.scalar("select row_hash from audit_log where audit_id = 2")
    digest = audit.details_hash(None, None, "forged")
    forged = audit.row_hash(3, T0, "mallory", "admin", "member.status", "M009", digest, prev)
    execute(
        store,
        "insert into audit_log values (3, $t, 'mallory', 'admin', 'member.status', 'M009', "
        "null, null, 'forged', $d, $p, $h)",
        {"t": T0, "d": digest, "p": prev, "h": forged},
    )
    report = audit.verify_chain(store)
    # the forged row is hashed with the public algorithm, not the audit key: caught itself
    assert not report.ok and report.first_broken == 3


def test_redacted_details_pass_only_when_an_erasure_lists_them(store):
    # the way of erasures before audit.redact: details replaced by the fixed marker, and
    # the erasure's row listing the ids
    execute(
        store,
        "update audit_log set before_json = $r, after_json = $r, reason = null where audit_id = 2",
        {"r": audit.REDACTED},
    )
    assert audit.verify_chain(store).first_broken == 2
    with store.transaction() as cur:
        audit.record(
            cur,
            actor="admin",
            role="admin",
            action=audit.ERASE_ACTION,
            target="M002",
            after={"redacted_audit_ids": [2]},
        )
    assert audit.verify_chain(store).ok


def test_personal_values_are_masked_in_details(store):
    with store.transaction() as cur:
        audit_id = audit.record(
            cur,
            actor="support",
            role="support",
            action="member.contact",
            target="M001",
            before={"phone": "13800000001", "email": "zhang.wei@example.com"},
            after={
                "phone": "13911112222",
                "name": "张三丰",
                "address": "浙江省杭州市西湖区文三路1号",
            },
        )
    before, after = (
        store.cursor()
        .execute(
            "select before_json, after_json from audit_log where audit_id = $i", {"i": audit_id}
        )
        .fetchone()
    )
    assert json.loads(before) == {"phone": "138****0001", "email": "z***@example.com"}
    assert json.loads(after) == {
        "phone": "139****2222",
        "name": "张**",
        "address": "浙江省杭州市****",
    }
    assert "13911112222" not in after and "文三路" not in after


def test_failed_audit_insert_rolls_back_the_change(store, monkeypatch):
    def broken(cur, params):
        raise duckdb.ConstraintException("disk full")

    monkeypatch.setattr(audit, "_insert", broken)
    with pytest.raises(audit.AuditError), store.transaction() as cur:
        cur.execute("update settings set value = 'lifetime' where key = 'spend_basis'")
        audit.record(cur, actor="admin", role="admin", action="tier_rule.basis")
    assert store.scalar("select value from settings where key = 'spend_basis'") == "trailing_12m"
    assert store.scalar("select count(*) from audit_log") == 5


def test_audit_rows_filters_and_refuses_other_roles(store):
    frame = audit.audit_rows(store, "admin", target="M003")
    assert list(frame["audit_id"]) == [3]
    assert len(audit.audit_rows(store, "admin", action_group="member")) == 5
    assert len(audit.audit_rows(store, "admin", action_group="account")) == 0
    for role in ("viewer", "analyst", "support", "operator", None):
        with pytest.raises(PermissionDenied):
            audit.audit_rows(store, role)


def test_cli_verify_passes_then_names_the_first_broken_row(store, capsys):
    path = str(store.path)
    assert cli.main(["audit", "verify", "--db", path]) == 0
    assert "intact: 5 rows" in capsys.readouterr().out
    execute(store, "update audit_log set reason = 'edited' where audit_id = 4")
    assert cli.main(["audit", "verify", "--db", path]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: audit chain broken at row 4")
    assert "\n" not in err


def test_audit_export_holds_no_raw_personal_data_and_is_itself_audited(store):
    with store.transaction() as cur:
        audit.record(
            cur,
            actor="op",
            role="operator",
            action="member.contact",
            target="M001",
            before={"email": "zhang.wei@example.com"},
            after={"email": "wei.zhang@example.org"},
        )
    data = audit.audit_export(store, "admin", audit.audit_rows(store, "admin"), "root")
    text = data.decode("utf-8-sig")
    assert "z***@example.com" in text and "w***@example.org" in text
    assert "zhang.wei@" not in text and "wei.zhang@" not in text
    assert store.scalar("select action from audit_log order by audit_id desc limit 1") == (
        "audit.export"
    )
    for role in ("viewer", "analyst", "operator"):
        with pytest.raises(PermissionDenied):
            audit.audit_export(store, role, audit.audit_rows(store, "admin"), "x")


# -- a keyed chain a store copy cannot rewrite (issue 13.6) ---------------------------------


def public_rehash(store, start: int = 1, end: int | None = None):
    """What anyone with the file can do: recompute the hashes of rows ``start``…``end``
    with the public algorithm (sha256), and point the head at the new last row."""
    rows = store.df("select * from audit_log order by audit_id")
    prev = audit.GENESIS if start == 1 else rows["row_hash"].iloc[start - 2]
    for row in rows.itertuples():
        if row.audit_id < start or (end is not None and row.audit_id > end):
            continue
        digest = audit.details_hash(row.before_json, row.after_json, row.reason)
        hashed = audit.row_hash(
            row.audit_id, row.logged_at.to_pydatetime(), row.actor, row.role, row.action,
            row.target, digest, prev,
        )  # fmt: skip
        execute(
            store,
            "update audit_log set details_hash = $d, prev_hash = $p, row_hash = $h "
            "where audit_id = $i",
            {"d": digest, "p": prev, "h": hashed, "i": row.audit_id},
        )
        prev = hashed
    last = int(rows["audit_id"].iloc[-1])
    if end is not None and end < last:
        return
    execute(
        store,
        "update meta set value = $v where key = 'audit_head'",
        {"v": f"{last}:{prev}"},
    )


def test_rows_are_signed_with_the_audit_key_not_the_public_hash(store):
    row = store.df("select * from audit_log where audit_id = 1").iloc[0]
    public = audit.row_hash(
        1, row.logged_at.to_pydatetime(), row.actor, row.role, row.action, row.target,
        row.details_hash, row.prev_hash,
    )  # fmt: skip
    assert row.row_hash != public
    assert audit.verify_chain(store).keyed_from == 1


def test_an_edit_rehashed_with_the_public_algorithm_is_detected(store):
    execute(store, "update audit_log set actor = 'mallory' where audit_id = 3")
    public_rehash(store)
    report = audit.verify_chain(store)
    assert not report.ok and "no row is signed with the configured audit key" in report.problem
    # rehashing only from the edited row on: the first rehashed row is not keyed
    execute(store, "update audit_log set actor = 'admin' where audit_id = 3")
    rehashed = audit.verify_chain(store)
    assert not rehashed.ok


def test_a_tail_removed_with_the_head_updated_is_detected(store):
    hash4 = store.scalar("select row_hash from audit_log where audit_id = 4")
    execute(store, "delete from audit_log where audit_id = 5")
    for forged_head in (f"4:{hash4}", f"4:{hash4}:{'0' * 64}"):
        execute(store, "update meta set value = $v where key = 'audit_head'", {"v": forged_head})
        report = audit.verify_chain(store)
        assert not report.ok and report.first_broken == 5 and "head" in report.problem


def test_a_wiped_log_passes_the_key_alone_but_not_an_anchor(store):
    anchored = audit.anchor(store)
    assert anchored["rows"] == 5
    execute(store, "delete from audit_log")
    execute(store, "delete from meta where key = 'audit_head'")
    assert audit.verify_chain(store).ok  # documented: only an anchor proves rows existed
    report = audit.verify_chain(store, [{**anchored, "_path": "a.json"}])
    assert not report.ok and "records 5 rows, the log has 0" in report.problem


def test_an_anchor_proves_the_anchored_rows_unchanged(store):
    anchored = {**audit.anchor(store), "_path": "a.json"}
    with store.transaction() as cur:
        audit.record(cur, actor="root", role="admin", action="member.status", target="M009")
    assert audit.verify_chain(store, [anchored]).ok  # rows after the anchor are fine
    forged = {**anchored, "rows": 4}
    report = audit.verify_chain(store, [forged])
    assert not report.ok and "signature" in report.problem


def test_an_anchor_catches_a_tail_cut_back_to_an_older_head(store):
    old_head = store.scalar("select value from meta where key = 'audit_head'")
    with store.transaction() as cur:
        audit.record(cur, actor="root", role="admin", action="member.status", target="M009")
    anchored = {**audit.anchor(store), "_path": "a.json"}
    # an older copy of the head, as a backup holds it, restored after deleting row 6
    execute(store, "delete from audit_log where audit_id = 6")
    execute(store, "update meta set value = $v where key = 'audit_head'", {"v": old_head})
    assert audit.verify_chain(store).ok  # the key alone cannot tell (see docs/SECURITY.md)
    report = audit.verify_chain(store, [anchored])
    assert not report.ok and report.first_broken == 6


def test_redaction_records_fields_and_request_and_pins_the_content(store):
    with store.transaction() as cur:
        audit.redact_details(cur, [2], request_id=7, actor="root")
        audit.redact_fields(cur, {3: {"reason": "case [erased]"}}, request_id=7, actor="root")
    assert audit.verify_chain(store).ok
    records = store.df(
        "select target, after_json from audit_log where action = 'audit.redact' order by audit_id"
    )
    assert list(records["target"]) == ["request:7", "request:7"]
    first, second = (json.loads(text) for text in records["after_json"])
    assert first["request_id"] == 7
    assert [(r["audit_id"], r["fields"]) for r in first["rows"]] == [
        (2, ["after", "before", "reason"])
    ]
    assert [(r["audit_id"], r["fields"]) for r in second["rows"]] == [(3, ["reason"])]
    assert json.loads(store.scalar("select before_json from audit_log where audit_id = 2")) == {
        "redacted": "erased",
        "request_id": 7,
    }
    # the redacted content cannot be replaced
    execute(store, """update audit_log set after_json = '{"status":"x"}' where audit_id = 2""")
    report = audit.verify_chain(store)
    assert (report.ok, report.first_broken) == (False, 2)


def test_legacy_redaction_marker_cannot_be_replaced(store):
    execute(
        store,
        "update audit_log set before_json = $r, after_json = $r, reason = null where audit_id = 2",
        {"r": audit.REDACTED},
    )
    with store.transaction() as cur:
        audit.record(
            cur, actor="admin", role="admin", action=audit.ERASE_ACTION, target="M002",
            after={"redacted_audit_ids": [2]},
        )  # fmt: skip
    assert audit.verify_chain(store).ok
    execute(store, "update audit_log set reason = 'anything' where audit_id = 2")
    assert audit.verify_chain(store).first_broken == 2


def test_without_the_key_nothing_is_written_and_keyed_rows_are_not_vouched_for(store, monkeypatch):
    monkeypatch.delenv(audit.AUDIT_KEY_ENV_VAR)
    monkeypatch.setattr(audit, "_project_secret", lambda name: None)
    report = audit.verify_chain(store)
    assert not report.ok and "not available" in report.problem
    with pytest.raises(audit.AuditKeyError), store.transaction() as cur:
        audit.record(cur, actor="root", role="admin", action="member.status")
    assert store.scalar("select count(*) from audit_log") == 5


def test_a_different_key_refuses_to_append(store, monkeypatch):
    monkeypatch.setenv(audit.AUDIT_KEY_ENV_VAR, "another-key-9876543210-zyxwvutsrqponmlkjih")
    with pytest.raises(audit.AuditKeyError), store.transaction() as cur:
        audit.record(cur, actor="root", role="admin", action="member.status")
    report = audit.verify_chain(store)
    assert not report.ok and report.first_broken == 1


def legacy_rows(store, count: int = 3):
    """Rows as a store made before the audit key holds them (public sha256, head id:hash)."""
    prev = audit.GENESIS
    for i in range(1, count + 1):
        digest = audit.details_hash(None, None, f"old {i}")
        hashed = audit.row_hash(i, T0, "admin", "admin", "member.status", "M001", digest, prev)
        execute(
            store,
            "insert into audit_log values ($i, $t, 'admin', 'admin', 'member.status', 'M001', "
            "null, null, $r, $d, $p, $h)",
            {"i": i, "t": T0, "r": f"old {i}", "d": digest, "p": prev, "h": hashed},
        )
        prev = hashed
    execute(store, "insert or replace into meta values ('audit_head', $v)", {"v": f"{i}:{prev}"})


def test_rows_from_before_the_key_are_fixed_by_the_first_keyed_row(tmp_path):
    store = open_store(tmp_path / "legacy.duckdb")
    legacy_rows(store)
    report = audit.verify_chain(store)
    assert not report.ok and "no row is signed with the configured audit key" in report.problem
    audit.record_now(store, actor="root", role="admin", action="member.status", target="M002")
    report = audit.verify_chain(store)
    assert report.ok and report.rows == 4 and report.keyed_from == 4
    assert "rows 1–3 from before the audit key" in report.message()
    # rewriting the old rows with the public algorithm breaks the link into the keyed row
    execute(store, "update audit_log set actor = 'mallory' where audit_id = 2")
    public_rehash(store, start=2, end=3)
    report = audit.verify_chain(store)
    assert not report.ok and report.first_broken == 4
    assert "does not link" in report.problem
    close_store(tmp_path / "legacy.duckdb")


def test_a_demo_key_era_continues_under_a_configured_key(tmp_path, monkeypatch):
    path = tmp_path / "demo.duckdb"
    monkeypatch.delenv(audit.AUDIT_KEY_ENV_VAR)
    monkeypatch.setattr(audit, "_project_secret", lambda name: None)
    audit.create_demo_key(path)
    assert (tmp_path / ".audit_key").stat().st_mode & 0o777 == 0o600
    store = open_store(path)
    audit.record_now(store, actor="demo", role=None, action="import.loaded")
    assert audit.verify_chain(store).ok
    monkeypatch.setenv(audit.AUDIT_KEY_ENV_VAR, "the-real-key-0123456789-abcdefghijklmnop")
    audit.record_now(store, actor="root", role="admin", action="member.status")
    report = audit.verify_chain(store)
    assert report.ok and report.rows == 2
    # once a row carries the configured key, nothing signed with the demo key may follow
    monkeypatch.delenv(audit.AUDIT_KEY_ENV_VAR)
    with pytest.raises(audit.AuditKeyError):
        audit.record_now(store, actor="demo", role=None, action="member.status")
    close_store(path)


def test_cli_anchor_then_verify_with_anchor(store, tmp_path, capsys):
    path, anchor_file = str(store.path), tmp_path / "head.json"
    assert cli.main(["audit", "anchor", "--db", path, "--out", str(anchor_file)]) == 0
    content = json.loads(anchor_file.read_text(encoding="utf-8"))
    assert content["rows"] == 5 and len(content["mac"]) == 64
    assert set(content) >= {"last_hash", "anchored_at", "key_id"}
    capsys.readouterr()
    assert cli.main(["audit", "verify", "--db", path, "--anchor", str(anchor_file)]) == 0
    assert "1 anchor(s) match" in capsys.readouterr().out
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps({**content, "rows": 4}), encoding="utf-8")
    assert cli.main(["audit", "verify", "--db", path, "--anchor", str(forged)]) == 1
    assert "signature does not match" in capsys.readouterr().err
    hash4 = store.scalar("select row_hash from audit_log where audit_id = 4")
    execute(store, "delete from audit_log where audit_id = 5")
    execute(store, "update meta set value = $v where key = 'audit_head'", {"v": f"4:{hash4}"})
    assert cli.main(["audit", "verify", "--db", path, "--anchor", str(anchor_file)]) == 1
    assert capsys.readouterr().err.startswith("error: audit chain broken at row 5")


def test_a_demo_store_from_before_the_key_gets_its_key_file_on_first_write(tmp_path, monkeypatch):
    monkeypatch.delenv(audit.AUDIT_KEY_ENV_VAR)
    monkeypatch.setattr(audit, "_project_secret", lambda name: None)
    store = open_store(tmp_path / "old-demo.duckdb")
    with store.transaction() as cur:
        store.set_meta(cur, "demo", "true")
    legacy_rows(store, 2)
    audit.record_now(store, actor=None, role=None, action="access.login")
    assert (tmp_path / audit.KEY_FILE_NAME).is_file()
    report = audit.verify_chain(store)
    assert report.ok and report.keyed_from == 3
    close_store(tmp_path / "old-demo.duckdb")


def test_cli_import_without_a_key_stops_before_reading_files(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv(audit.AUDIT_KEY_ENV_VAR)
    monkeypatch.setattr(audit, "_project_secret", lambda name: None)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "members.csv").write_text("member_id,signup_at\nR1,2026-06-01\n")
    db = tmp_path / "new.duckdb"
    assert cli.main(["import", str(tmp_path / "in"), "--db", str(db)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: no audit key: set MEMBERLENS_AUDIT_KEY") and err.count("\n") == 1
    assert open_store(db).scalar("select count(*) from imports") == 0
    close_store(db)

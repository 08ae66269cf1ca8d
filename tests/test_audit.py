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
    assert not report.ok and report.first_broken == 4


def test_redacted_details_pass_only_when_an_erasure_lists_them(store):
    with store.transaction() as cur:
        audit.redact_details(cur, [2])
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

"""Audit rows for tag-threshold, segment and alert-rule writes (core/segments.py): one row
per change, in the change's transaction, with before / after; refusals recorded as
``access.denied`` and changing nothing; a failed audit insert rolls the change back.
Store: tests/fixtures_segments.py (refreshed tags)."""

from __future__ import annotations

import json
from datetime import date

import duckdb
import pytest

from core import audit, segments
from core.permissions import PermissionDenied
from core.store import close_store
from tests.fixtures_segments import build_segments_store

Def = segments.SegmentDefinition
DAY = date(2026, 7, 2)


@pytest.fixture()
def store(tmp_path):
    path = tmp_path / "segments_audit.duckdb"
    store = build_segments_store(path)
    with store.transaction() as cur:
        segments.refresh_tags(cur, DAY, backfill_days=3)
    yield store
    close_store(path)


def rows(store) -> list[dict]:
    frame = store.df(
        "select actor, role, action, target, before_json, after_json from audit_log "
        "order by audit_id"
    )
    result = []
    for row in frame.itertuples(index=False):
        result.append(
            {
                "actor": row.actor,
                "role": row.role,
                "action": row.action,
                "target": row.target,
                "before": None if row.before_json is None else json.loads(row.before_json),
                "after": None if row.after_json is None else json.loads(row.after_json),
            }
        )
    return result


def state(store) -> tuple:
    """Everything the writes under test may change, except the audit log."""
    cur = store.cursor()
    return tuple(
        tuple(cur.execute(sql).fetchall())
        for sql in (
            "select tag, param, value from tag_settings order by 1, 2",
            "select segment_id, name, owner, channels, all_tags from saved_segments order by 1",
            "select * from segment_members order by 1, 2",
            "select rule_id, name, group_kind, group_value, min_drop from alert_rules order by 1",
            "select alert_id, status from alerts order by 1",
        )
    )


def test_threshold_change_writes_one_row_with_before_and_after(store):
    segments.set_tag_threshold(store, "operator", "op", "new", "signup_days", 31)
    assert rows(store) == [
        {
            "actor": "op",
            "role": "operator",
            "action": "tag.threshold",
            "target": "tag:new.signup_days",
            "before": {"value": 30.0},
            "after": {"value": 31.0},
        }
    ]
    assert audit.verify_chain(store).ok


def test_segment_create_update_delete_each_write_one_row(store):
    sid = segments.save_segment(store, "analyst", "ann", "大客户", Def(all_tags=("high_value",)))
    [created] = rows(store)
    assert created["action"] == "segment.create" and created["target"] == f"segment:{sid}"
    assert created["before"] is None
    assert created["after"]["segment_name"] == "大客户"
    assert created["after"]["all_tags"] == ["high_value"]
    assert created["after"]["members"] == 5

    segments.save_segment(store, "analyst", "ann", "大客户2", Def(any_tags=("new",)), sid)
    updated = rows(store)[1]
    assert (updated["action"], updated["actor"]) == ("segment.update", "ann")
    assert updated["before"]["segment_name"] == "大客户" and updated["before"]["all_tags"] == [
        "high_value"
    ]
    assert updated["after"]["segment_name"] == "大客户2" and updated["after"]["any_tags"] == ["new"]
    assert updated["after"]["all_tags"] == []

    rule = segments.save_alert_rule(store, "operator", "op", "seg", "segment", str(sid))
    segments.delete_segment(store, "analyst", "ann", sid)
    deleted = rows(store)[-1]
    assert deleted["action"] == "segment.delete" and deleted["target"] == f"segment:{sid}"
    assert deleted["before"]["segment_name"] == "大客户2"
    assert deleted["after"] == {"deleted_alert_rules": [rule]}
    assert [r["action"] for r in rows(store)] == [
        "segment.create",
        "segment.update",
        "alert.rule_create",
        "segment.delete",
    ]
    assert audit.verify_chain(store).ok


def test_alert_rule_create_and_update_write_one_row_each(store):
    rule = segments.save_alert_rule(store, "operator", "op", "all", "everyone", None)
    segments.save_alert_rule(
        store, "admin", "root", "all 30%", "everyone", None, 4, 0.3, False, rule_id=rule
    )
    created, updated = rows(store)
    assert created["action"] == "alert.rule_create" and created["target"] == f"rule:{rule}"
    assert created["before"] is None
    assert created["after"] == {
        "rule_name": "all",
        "group_kind": "everyone",
        "group_value": None,
        "decline_days": 3,
        "min_drop": 0.2,
        "enabled": True,
    }
    assert (updated["action"], updated["actor"], updated["role"]) == (
        "alert.rule_update",
        "root",
        "admin",
    )
    assert updated["before"] == created["after"]
    assert updated["after"] == {
        "rule_name": "all 30%",
        "group_kind": "everyone",
        "group_value": None,
        "decline_days": 4,
        "min_drop": 0.3,
        "enabled": False,
    }


def test_running_alerts_on_demand_is_audited(store):
    segments.run_alerts_now(store, "operator", DAY, "op")
    [row] = rows(store)
    assert (row["action"], row["actor"], row["target"]) == ("alert.run", "op", "2026-07-02")
    assert row["before"] == {"open_alerts": []}


REFUSALS = [
    ("tag.threshold", lambda s: segments.set_tag_threshold(s, "analyst", "ann", "new", "signup_days", 31)),  # noqa: E501
    ("segment.create", lambda s: segments.save_segment(s, "viewer", "vic", "x", Def())),
    ("segment.delete", lambda s: segments.delete_segment(s, "support", "sue", 1)),
    ("alert.rule_create", lambda s: segments.save_alert_rule(s, "analyst", "ann", "r", "everyone", None)),  # noqa: E501
    ("alert.rule_update", lambda s: segments.save_alert_rule(s, "viewer", "vic", "r", "everyone", None, rule_id=1)),  # noqa: E501
    ("alert.run", lambda s: segments.run_alerts_now(s, "analyst", DAY, "ann")),
]  # fmt: skip


@pytest.mark.parametrize(("attempted", "call"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_a_refused_write_is_recorded_and_changes_nothing(store, attempted, call):
    segments.save_segment(store, "analyst", "ann", "s", Def(channels=("wechat",)))
    segments.save_alert_rule(store, "operator", "op", "r", "everyone", None)
    before = state(store)
    logged = len(rows(store))
    with pytest.raises(PermissionDenied):
        call(store)
    assert state(store) == before
    new = rows(store)[logged:]
    assert len(new) == 1
    assert new[0]["action"] == "access.denied"
    assert new[0]["after"]["attempted"] == attempted


def test_changing_someone_elses_segment_is_refused_and_recorded(store):
    sid = segments.save_segment(store, "analyst", "ann", "s", Def(channels=("wechat",)))
    before = state(store)
    for call in (
        lambda: segments.save_segment(store, "analyst", "bob", "mine", Def(), sid),
        lambda: segments.delete_segment(store, "operator", "bob", sid),
    ):
        with pytest.raises(segments.SegmentError) as refused:
            call()
        assert refused.value.code == "segments.error.not_owner"
    assert state(store) == before
    denied = rows(store)[1:]
    assert [(r["action"], r["actor"], r["after"]["attempted"]) for r in denied] == [
        ("access.denied", "bob", "segment.update"),
        ("access.denied", "bob", "segment.delete"),
    ]


def test_a_failed_audit_insert_rolls_every_write_back(store, monkeypatch):
    sid = segments.save_segment(store, "analyst", "ann", "s", Def(channels=("wechat",)))
    rule = segments.save_alert_rule(store, "operator", "op", "r", "everyone", None)
    before = state(store)
    logged = len(rows(store))

    def broken(cur, params):
        raise duckdb.IOException("audit disk unavailable")

    monkeypatch.setattr(audit, "_insert", broken)
    calls = [
        lambda: segments.set_tag_threshold(store, "operator", "op", "new", "signup_days", 31),
        lambda: segments.save_segment(store, "analyst", "ann", "t", Def(all_tags=("new",))),
        lambda: segments.save_segment(store, "analyst", "ann", "s2", Def(), sid),
        lambda: segments.delete_segment(store, "analyst", "ann", sid),
        lambda: segments.save_alert_rule(store, "operator", "op", "r2", "everyone", None),
        lambda: segments.save_alert_rule(
            store, "operator", "op", "r3", "everyone", None, rule_id=rule
        ),
        lambda: segments.run_alerts_now(store, "operator", DAY, "op"),
    ]
    for call in calls:
        with pytest.raises(audit.AuditError):
            call()
    assert state(store) == before
    assert len(rows(store)) == logged

"""Rollups stay equal to their definition as data changes (core/rollups.py).

- an import rebuilds only the days it touched, and the result equals a full rebuild,
  including the chain columns of rows before those days (a member's next active day);
- the member attributes on the rollup rows follow the members through a tier override, a
  tier-rule recompute and a member import;
- a migration that adds a rollup table gets it built when the store is next opened.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from core import members, rollups
from core.ingest import import_dir
from core.refresh import refresh
from core.sqlfiles import sql_text
from core.store import close_store, open_store
from tests.fixtures_admin import build_admin_store


@pytest.fixture
def store(tmp_path):
    s = open_store(tmp_path / "store.duckdb")
    yield s
    close_store(s.path)


def load(store, folder, files: dict[str, str]):
    folder.mkdir(parents=True, exist_ok=True)
    for table, text in files.items():
        (folder / f"{table}.csv").write_text(text, encoding="utf-8")
    return import_dir(store, folder, reports_dir=folder / "reports")


MEMBERS = (
    "member_id,signup_at,region,channel,device\n"
    "A,2025-01-01 09:00:00,浙江,wechat,ios\n"
    "B,2025-01-02 09:00:00,广东,douyin,android\n"
    "C,2025-01-10 09:00:00,广东,referral,web\n"
)
FIRST_EVENTS = (
    "event_id,member_id,event_time,event_type,amount\n"
    "e1,A,2025-01-05 08:00:00,page_view,\n"
    "e2,A,2025-01-06 09:00:00,order_paid,120\n"
    "e3,B,2025-01-06 10:00:00,page_view,\n"
    "e4,B,2025-01-12 10:00:00,add_to_cart,\n"
)
# later days, plus one more event on B's last day (that day is rebuilt, not duplicated)
SECOND_EVENTS = (
    "event_id,member_id,event_time,event_type,amount\n"
    "e5,B,2025-01-12 21:00:00,page_view,\n"
    "e6,A,2025-01-20 08:00:00,page_view,\n"
    "e7,C,2025-01-21 08:00:00,order_paid,80\n"
    "e8,A,2025-01-22 08:00:00,order_paid,600\n"
)
ALL_EVENTS = FIRST_EVENTS + SECOND_EVENTS.split("\n", 1)[1]


def rollup_tables(store) -> dict[str, pd.DataFrame]:
    return {
        rollup.table: store.df(f"select * from {rollup.table} order by all")  # noqa: S608
        for rollup in rollups.ROLLUPS
    }


def test_an_import_rebuilds_from_its_first_day_and_equals_a_full_rebuild(store, tmp_path):
    load(store, tmp_path / "a", {"members": MEMBERS, "events": FIRST_EVENTS})
    assert rollups.changed_since(store.cursor()) == (False, None)

    load(store, tmp_path / "b", {"events": SECOND_EVENTS})
    incremental = rollup_tables(store)

    # what the partial rebuild from 2025-01-12 had to get right, worked out by hand
    day = incremental["member_day"].merge(store.df("select member_key, member_id from members"))
    a = day[day["member_id"] == "A"].set_index("day")
    assert list(a.index.astype(str)) == ["2025-01-05", "2025-01-06", "2025-01-20", "2025-01-22"]
    assert str(a.loc[pd.Timestamp("2025-01-06"), "next_day"].date()) == "2025-01-20"
    assert str(a.loc[pd.Timestamp("2025-01-20"), "prev_day"].date()) == "2025-01-06"
    assert set(a["first_day"].astype(str)) == {"2025-01-05"}
    b_last = day[(day["member_id"] == "B") & (day["day"] == pd.Timestamp("2025-01-12"))]
    assert b_last[["events", "page_views", "add_to_carts"]].values.tolist() == [[2, 1, 1]]

    with store.transaction() as cur:
        refresh(store, cur)  # full rebuild
    full = rollup_tables(store)
    for table, frame in full.items():
        pd.testing.assert_frame_equal(incremental[table], frame, obj=table)


def test_changed_since_starts_at_the_first_day_of_a_later_import(store, tmp_path):
    load(store, tmp_path / "a", {"members": MEMBERS, "events": FIRST_EVENTS})
    with store.transaction() as cur:
        watermark = int(store.meta(rollups.WATERMARK))
        cur.execute(
            "insert into events (member_key, event_time, event_type, event_uid, import_id) "
            "values (1, '2025-01-09 10:00:00', 'login', 99, $i)",
            {"i": watermark + 1},
        )
        assert rollups.changed_since(cur) == (True, date(2025, 1, 9))
        cur.execute("update events set event_time = '2025-01-01 10:00:00' where event_uid = 99")
        # before the first rolled-up day: everything is rebuilt
        assert rollups.changed_since(cur) == (True, None)


def attributes_agree(store) -> bool:
    mismatched = 0
    for rollup in [r for r in rollups.ROLLUPS if r.member_attributes]:
        mismatched += store.scalar(
            f"select count(*) from {rollup.table} r join members m using (member_key) "  # noqa: S608
            "where r.tier is distinct from m.tier or r.region is distinct from m.region "
            "or r.channel is distinct from m.channel or r.device is distinct from m.device "
            "or r.signup_day is distinct from cast(m.signup_at as date)"
        )
    return mismatched == 0


def tier_spans_match_history(store) -> bool:
    """tier_spans equals its definition from tier_history (a fresh build, compared)."""
    fresh = store.df("select * from (" + sql_text("refresh/tier_spans") + ") order by all")
    stored = store.df("select * from tier_spans order by all")
    pd.testing.assert_frame_equal(stored, fresh)
    return True


def test_rollup_attributes_follow_a_tier_override(tmp_path):
    store = build_admin_store(tmp_path / "admin.duckdb")
    try:
        assert store.scalar("select tier from member_day where member_key = 5") != "gold"
        spans_before = store.df("select * from tier_spans where member_key = 5 order by all")
        members.override_tier(store, "admin", "admin", 5, "gold", "VIP")
        assert store.scalar("select tier from member_day where member_key = 5") == "gold"
        assert attributes_agree(store)
        # the override opened a gold span, still open
        spans = store.df("select * from tier_spans where member_key = 5 order by valid_from")
        assert len(spans) == len(spans_before) + 1
        assert spans["to_tier"].iloc[-1] == "gold" and pd.isna(spans["valid_to"].iloc[-1])
        assert tier_spans_match_history(store)
    finally:
        close_store(store.path)


def test_rollup_attributes_follow_tier_recomputes_and_member_imports(store, tmp_path):
    load(store, tmp_path / "a", {"members": MEMBERS, "events": ALL_EVENTS})
    # A spent 720 in January: bronze from the February recompute on, on every rollup row
    assert store.scalar("select tier from members where member_id = 'A'") == "bronze"
    assert attributes_agree(store)
    assert tier_spans_match_history(store)
    moved = MEMBERS.replace("A,2025-01-01 09:00:00,浙江", "A,2025-01-01 09:00:00,上海")
    load(store, tmp_path / "b", {"members": moved})
    assert (
        store.scalar(
            "select distinct member_day.region from member_day join members using (member_key) "
            "where member_id = 'A'"
        )
        == "上海"
    )
    assert attributes_agree(store)


def test_a_migration_adding_a_rollup_gets_it_built_on_open(tmp_path):
    path = tmp_path / "store.duckdb"
    store = open_store(path)
    load(store, tmp_path / "a", {"members": MEMBERS, "events": ALL_EVENTS})
    expected = rollup_tables(store)
    with store.transaction() as cur:
        cur.execute("delete from paid_orders")
        cur.execute("delete from member_facts")
        cur.execute("insert into meta values ('rollup_pending:paid_orders', 'true')")
        cur.execute("insert into meta values ('rollup_pending:member_facts', 'true')")
    close_store(path)
    reopened = open_store(path)
    try:
        assert reopened.scalar("select count(*) from meta where key like 'rollup_pending:%'") == 0
        for table in ("paid_orders", "member_facts"):
            assert len(expected[table]) > 0
            pd.testing.assert_frame_equal(rollup_tables(reopened)[table], expected[table])
    finally:
        close_store(path)


def test_an_import_of_new_days_moves_the_old_rows_of_members_whose_attributes_changed(
    store, tmp_path, monkeypatch
):
    """The incremental build syncs attributes only for the members that changed (found
    against member_facts before it is rebuilt), not by a diff over every rollup row."""
    load(store, tmp_path / "a", {"members": MEMBERS, "events": FIRST_EVENTS})
    synced = []
    original = rollups.sync_member_attributes

    def recording(cur, member_keys=None):
        synced.append(None if member_keys is None else sorted(member_keys))
        return original(cur, member_keys)

    monkeypatch.setattr(rollups, "sync_member_attributes", recording)
    moved = MEMBERS.replace("B,2025-01-02 09:00:00,广东", "B,2025-01-02 09:00:00,上海")
    load(store, tmp_path / "b", {"members": moved, "events": SECOND_EVENTS})
    key_b = store.scalar("select member_key from members where member_id = 'B'")
    assert key_b in synced[-1]  # B's rows before 2025-01-12 hold the old region until synced
    assert store.scalar(
        "select count(*) from member_day where member_key = $k and day < '2025-01-12'",
        {"k": key_b},
    )
    assert attributes_agree(store)

"""Derived data: orders from events, the member_day rollup and tier recompute with history."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from core.ingest import import_dir
from core.refresh import month_boundaries, recompute_tiers, refresh
from core.store import close_store, open_store


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
    "member_id,signup_at\nA,2025-01-01 09:00:00\nB,2025-01-01 09:00:00\nC,2025-03-10 09:00:00\n"
)


def test_month_boundaries():
    assert month_boundaries(date(2024, 11, 15), date(2025, 2, 1)) == [
        date(2024, 12, 1),
        date(2025, 1, 1),
        date(2025, 2, 1),
    ]
    assert month_boundaries(date(2025, 1, 31), date(2025, 1, 31)) == []


def test_orders_are_derived_from_events_until_an_orders_file_arrives(store, tmp_path):
    events = (
        "event_id,member_id,event_time,event_type,amount,category\n"
        "P1,A,2025-01-05 20:00:00,order_paid,300,美妆\n"
        "P2,A,2025-01-06 20:00:00,order_paid,250,服饰\n"
        "V1,B,2025-01-06 21:00:00,page_view,,\n"
    )
    load(store, tmp_path / "a", {"members": MEMBERS, "events": events})
    derived = store.df("select order_id, amount, source from orders order by order_id")
    assert derived.to_dict("list") == {
        "order_id": ["P1", "P2"],
        "amount": [300.0, 250.0],
        "source": ["events", "events"],
    }
    orders = "order_id,member_id,paid_at,amount,discount_amount\nO1,A,2025-01-05 20:00:00,270,30\n"
    load(store, tmp_path / "b", {"orders": orders})
    kept = store.df("select order_id, amount, discount_amount, source from orders")
    assert kept.to_dict("records") == [
        {"order_id": "O1", "amount": 270.0, "discount_amount": 30.0, "source": "file"}
    ]


def test_member_day_rollup_counts_by_type(store, tmp_path):
    events = (
        "member_id,event_time,event_type\n"
        "A,2025-01-05 08:00:00,page_view\n"
        "A,2025-01-05 09:00:00,page_view\n"
        "A,2025-01-05 23:59:59,add_to_cart\n"
        "A,2025-01-06 00:00:00,order_paid\n"
        "B,2025-01-06 12:00:00,login\n"
    )
    load(store, tmp_path / "a", {"members": MEMBERS, "events": events})
    rows = store.df(
        "select m.member_id, d.day, d.events, d.page_views, d.add_to_carts, d.orders_paid "
        "from member_day d join members m using (member_key) order by 1, 2"
    )
    assert [tuple(r) for r in rows.astype(str).itertuples(index=False)] == [
        ("A", "2025-01-05", "3", "2", "1", "0"),
        ("A", "2025-01-06", "1", "0", "0", "1"),
        ("B", "2025-01-06", "1", "0", "0", "0"),
    ]
    assert store.last_event_day() == date(2025, 1, 6)


def test_tiers_follow_trailing_12_month_spend_with_history(store, tmp_path):
    # A: 600 in Jan 2025 -> bronze from Feb 2025; 600 more in Mar -> silver from Apr;
    #    both orders leave the trailing window in Feb/Apr 2026 -> back down.
    # B: 2,100 in Feb 2025 -> gold from Mar 2025.  C: nothing -> normal.
    orders = (
        "order_id,member_id,paid_at,amount\n"
        "O1,A,2025-01-20 10:00:00,600\n"
        "O2,A,2025-03-15 10:00:00,600\n"
        "O3,B,2025-02-10 10:00:00,2100\n"
        "O4,B,2025-02-11 10:00:00,50\n"
    )
    events = "member_id,event_time,event_type\nC,2026-04-15 10:00:00,login\n"
    load(store, tmp_path / "a", {"members": MEMBERS, "orders": orders, "events": events})
    tiers = store.df("select member_id, tier from members order by member_id")
    assert dict(zip(tiers.member_id, tiers.tier, strict=True)) == {
        "A": "normal",
        "B": "normal",
        "C": "normal",
    }
    history = store.df(
        "select m.member_id, h.from_tier, h.to_tier, strftime(h.changed_at, '%Y-%m-%d') as day, "
        "h.reason from tier_history h join members m using (member_key) "
        "where h.reason <> 'signup' order by m.member_id, h.changed_at"
    )
    assert [tuple(r) for r in history.itertuples(index=False)] == [
        ("A", "normal", "bronze", "2025-02-01", "rule_recompute"),
        ("A", "bronze", "silver", "2025-04-01", "rule_recompute"),
        ("A", "silver", "bronze", "2026-02-01", "rule_recompute"),
        ("A", "bronze", "normal", "2026-04-01", "rule_recompute"),
        ("B", "normal", "gold", "2025-03-01", "rule_recompute"),
        ("B", "gold", "normal", "2026-03-01", "rule_recompute"),
    ]
    signups = store.scalar("select count(*) from tier_history where reason = 'signup'")
    assert signups == 3


def test_recompute_respects_override_and_lifetime_basis(store, tmp_path):
    orders = "order_id,member_id,paid_at,amount\nO1,A,2024-01-20 10:00:00,1500\n"
    members = "member_id,signup_at\nA,2023-12-01\nB,2023-12-01\n"
    events = "member_id,event_time,event_type\nB,2025-06-30 10:00:00,login\n"
    load(store, tmp_path / "a", {"members": members, "orders": orders, "events": events})
    assert store.scalar("select tier from members where member_id = 'A'") == "normal"
    with store.transaction() as cur:
        cur.execute("update members set tier_override = 'gold' where member_id = 'B'")
        as_of = datetime(2025, 7, 1)
        assert recompute_tiers(cur, as_of, spend_basis="lifetime") == 2
    tiers = store.df("select member_id, tier from members order by 1")
    assert list(tiers.tier) == ["silver", "gold"]
    reasons = store.df(
        "select reason from tier_history where changed_at = '2025-07-01' order by member_key"
    )
    assert list(reasons.reason) == ["rule_recompute", "manual_override"]
    # the override sticks through an ordinary refresh
    refresh(store)
    assert store.scalar("select tier from members where member_id = 'B'") == "gold"

"""A small hand-made store for the app-shell tests, with answers worked out by hand.

Seven members, activity from 2026-05-01 to 2026-06-10 (the as-of date), five orders. The
expected overview numbers for the period 2026-06-04 … 2026-06-10 (and the previous period
2026-05-28 … 2026-06-03) are derived step by step in ``tests/test_metrics_overview.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from core import auth, rollups
from core.store import Store, close_store, open_store

AS_OF = date(2026, 6, 10)

# member_key, member_id, signup_at, region, device, tier, channel, phone
MEMBERS = [
    (1, "M001", "2026-05-01 09:00:00", "浙江", "ios", "gold", "app_store", "13800000001"),
    (2, "M002", "2026-06-04 10:00:00", "浙江", "android", "normal", "wechat", "13800000002"),
    (3, "M003", "2026-06-04 23:30:00", "广东", "ios", "normal", "wechat", "13800000003"),
    (4, "M004", "2026-06-05 08:00:00", "广东", "web", "bronze", "app_store", "13800000004"),
    (5, "M005", "2026-06-09 12:00:00", "浙江", "ios", "normal", "wechat", "13800000005"),
    (6, "M006", "2026-05-30 20:00:00", "广东", "android", "silver", "wechat", "13800000006"),
    (7, "M007", "2026-06-20 00:00:00", "浙江", "ios", "normal", "wechat", "13800000007"),
]

# member_key -> active days
ACTIVE_DAYS = {
    1: ["2026-05-01", "2026-05-15", "2026-06-01", "2026-06-04", "2026-06-05", "2026-06-10"],
    2: ["2026-06-04", "2026-06-05"],
    3: ["2026-06-04", "2026-06-06"],
    4: ["2026-06-05", "2026-06-06", "2026-06-08"],
    5: ["2026-06-09", "2026-06-10"],
    6: ["2026-05-30", "2026-05-31", "2026-06-06"],
}

# order_id, member_key, paid_at, amount, status
ORDERS = [
    ("O1", 1, "2026-06-04 10:00:00", 100.00, "paid"),
    ("O2", 1, "2026-06-10 23:59:59", 50.50, "paid"),
    ("O3", 4, "2026-06-06 12:00:00", 200.00, "refunded"),
    ("O4", 6, "2026-06-01 09:00:00", 80.00, "paid"),
    ("O5", 2, "2026-06-11 00:00:01", 999.00, "paid"),
]

PASSWORDS = {
    "viewer": "viewer-pass-1",
    "analyst": "analyst-pass-1",
    "support": "support-pass-1",
    "operator": "operator-pass-1",
    "admin": "admin-pass-01",
}

COOKIE_KEY = "test-cookie-key-0123456789-abcdefghijklmnop"


def build_small_store(path: Path, demo: bool = False) -> Store:
    """Create the hand-made store at ``path`` (closing any store open there first)."""
    close_store(path)
    store = open_store(path)
    with store.transaction() as cur:
        for key, member_id, signup, region, device, tier, channel, phone in MEMBERS:
            cur.execute(
                "insert into members (member_key, member_id, signup_at, region, device, tier, "
                "channel, phone) values ($k, $id, $s, $r, $d, $t, $c, $p)",
                {
                    "k": key,
                    "id": member_id,
                    "s": signup,
                    "r": region,
                    "d": device,
                    "t": tier,
                    "c": channel,
                    "p": phone,
                },
            )
        for key, days in ACTIVE_DAYS.items():
            for day in days:
                cur.execute(
                    "insert into member_day (member_key, day, events, "
                    "page_views, add_to_carts, orders_paid) "
                    "values ($k, $d, 1, 1, 0, 0)",
                    {"k": key, "d": day},
                )
        for order_id, key, paid_at, amount, status in ORDERS:
            cur.execute(
                "insert into orders (order_id, member_key, paid_at, amount, status, source) "
                "values ($o, $k, $p, $a, $s, 'file')",
                {"o": order_id, "k": key, "p": paid_at, "a": amount, "s": status},
            )
        rollups.complete_rollups(cur)
        if demo:
            store.set_meta(cur, "demo", "true")
    return store


def add_accounts(store: Store) -> None:
    """One account per role with the passwords in :data:`PASSWORDS`."""
    for role, password in PASSWORDS.items():
        auth.create_account(store, "admin", role, password, role, display_name=f"Test {role}")


def add_last_year(store: Store) -> None:
    """Two members a year before the rest, for the same-period-last-year comparison (the
    first day with data becomes 2025-06-01; tests/test_metrics_overview.py).

    M008 signs up 2025-06-01, active 06-01, 06-05, 06-06, pays O6 ¥60 on 06-05; M009 signs
    up 2025-06-06, active 06-06, 06-07, pays O7 ¥40 on 06-07 (O8 ¥500 on 06-08 refunded).

    Last year's P, L = 2025-06-04 … 2025-06-10: members {8, 9} = 2, new {9} = 1; daily
    active 06-05 {8}, 06-06 {8, 9}, 06-07 {9} → DAU 4/7; MAU needs 30 days of data before
    06-10 (only 10) → empty, so stickiness too; orders O6, O7 → 2, ¥100, active {8, 9} →
    ARPU 50; day-1 cohort {9} active 06-07 → 1/1; day-7 cohort {9} (06-13 ≤ as-of) not
    active 06-13 → 0/1.
    """
    with store.transaction() as cur:
        for key, member_id, signup in (
            (8, "M008", "2025-06-01 10:00:00"),
            (9, "M009", "2025-06-06 09:00:00"),
        ):
            cur.execute(
                "insert into members (member_key, member_id, signup_at, region, device, tier, "
                "channel, phone) values ($k, $id, $s, '浙江', 'ios', 'normal', 'wechat', null)",
                {"k": key, "id": member_id, "s": signup},
            )
        for key, day in (
            (8, "2025-06-01"),
            (8, "2025-06-05"),
            (8, "2025-06-06"),
            (9, "2025-06-06"),
            (9, "2025-06-07"),
        ):
            cur.execute(
                "insert into member_day (member_key, day, events, page_views, add_to_carts, "
                "orders_paid) values ($k, $d, 1, 1, 0, 0)",
                {"k": key, "d": day},
            )
        for order_id, key, paid_at, amount, status in (
            ("O6", 8, "2025-06-05 12:00:00", 60.0, "paid"),
            ("O7", 9, "2025-06-07 12:00:00", 40.0, "paid"),
            ("O8", 9, "2025-06-08 12:00:00", 500.0, "refunded"),
        ):
            cur.execute(
                "insert into orders (order_id, member_key, paid_at, amount, status, source) "
                "values ($o, $k, $p, $a, $s, 'file')",
                {"o": order_id, "k": key, "p": paid_at, "a": amount, "s": status},
            )
        rollups.complete_rollups(cur)


@contextmanager
def app_store(
    tmp_path: Path,
    monkeypatch,
    build: Callable[[Path], Store] = build_small_store,
    name: str = "app.duckdb",
) -> Iterator[Store]:
    """A store made by ``build`` that the app under AppTest opens (``MEMBERLENS_DB``), with
    one account per role, fast bcrypt and the test cookie key; closed afterwards."""
    monkeypatch.setattr(auth, "BCRYPT_ROUNDS", 4)
    path = tmp_path / name
    monkeypatch.setenv("MEMBERLENS_DB", str(path))
    monkeypatch.setenv(auth.COOKIE_KEY_ENV_VAR, COOKIE_KEY)
    store = build(path)
    add_accounts(store)
    try:
        yield store
    finally:
        close_store(path)

"""A hand-made store for tags, segments and member lists: every member sits just inside or
just outside one threshold of SPEC §5 on the as-of date 2026-06-30 (default thresholds).

Windows on 2026-06-30: the last 30 days are 06-01 … 06-30, the last 90 days start 04-02,
the trailing 12 months are 2025-07-01 00:00 … 2026-06-30 24:00, the last 14 days are
06-17 … 06-30 and the 14 before them 06-03 … 06-16. 23 members signed up by then (LATE
signs up the day after), so high value is the top ceil(0.2 x 23) = 5 by spend.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from core import rollups
from core.store import Store, close_store, open_store

AS_OF = date(2026, 6, 30)
OLD = "2026-01-01 09:00:00"


def _days(*days: str) -> list[str]:
    return [f"2026-{d}" for d in days]


def _span(start: int, end: int, month: str = "06") -> list[str]:
    return [f"2026-{month}-{d:02d}" for d in range(start, end + 1)]


PREVIOUS_FOUR = _days("06-03", "06-05", "06-07", "06-09")

# key: (member_id, signup_at, status, channel, active days)
MEMBERS: dict[int, tuple[str, str, str, str, list[str]]] = {
    1: ("B_IN", OLD, "active", "wechat", _span(23, 30)),  # 8 active days, order 91 days ago
    2: ("B_FEW", OLD, "active", "wechat", _span(24, 30)),  # 7 active days
    3: ("B_ORD", OLD, "active", "wechat", _span(23, 30)),  # order exactly 90 days back
    4: ("B_EDGE", OLD, "active", "wechat", ["2026-05-31", *_span(24, 30)]),  # 8th day too old
    5: ("C_IN", OLD, "active", "wechat", _days("06-01", "06-20", "06-21")),
    6: ("C_ORD", OLD, "active", "wechat", _days("06-01", "06-20", "06-21")),
    7: ("C_OLD", OLD, "active", "wechat", _days("05-31", "06-10")),
    8: ("D_IN", OLD, "active", "wechat", _days("05-31")),  # last active 30 days ago
    9: ("D_ACT", OLD, "active", "wechat", _days("06-01")),  # last active 29 days ago
    10: ("D_CANCEL", OLD, "cancelled", "wechat", _days("05-01")),
    11: ("D_NEVER", "2026-05-31 10:00:00", "active", "wechat", []),
    12: ("N_IN", "2026-06-01 00:00:00", "active", "wechat", _days("06-01")),
    13: ("N_OUT", "2026-05-31 23:59:59", "active", "wechat", _days("06-02")),
    14: ("H1", OLD, "active", "douyin", [*PREVIOUS_FOUR, "2026-06-20"]),
    15: ("H2", OLD, "active", "douyin", [*PREVIOUS_FOUR, "2026-06-20", "2026-06-22"]),
    16: ("H3", OLD, "active", "wechat", _days("06-30")),
    17: ("H4", OLD, "active", "wechat", _days("06-30")),
    18: ("H5", OLD, "active", "wechat", PREVIOUS_FOUR),
    19: ("K_IN", OLD, "active", "douyin", _days("06-30")),
    20: ("K_LOW", OLD, "active", "wechat", _days("06-30")),
    21: ("K3", OLD, "active", "wechat", _days("06-30")),
    22: ("K2", OLD, "active", "wechat", _days("06-30")),
    23: ("LATE", "2026-07-01 08:00:00", "active", "wechat", _days("07-01")),
    24: ("H4B", OLD, "active", "wechat", _days("06-30")),
}

PHONES = {key: f"139{key:08d}" for key in MEMBERS}
EMAILS = {key: f"member{key}@example.com" for key in MEMBERS}

# (member key, paid_at, amount, coupon, status)
ORDERS: list[tuple[int, str, float, str | None, str]] = [
    (1, "2026-04-01 12:00:00", 10, None, "paid"),
    (3, "2026-04-02 00:00:00", 10, None, "paid"),
    (5, "2026-06-21 10:00:01", 10, None, "paid"),  # 24 h + 1 s after the second cart
    (6, "2026-06-21 10:00:00", 10, None, "paid"),  # exactly 24 h after the second cart
    (14, "2025-07-01 00:00:00", 1000, None, "paid"),  # first moment of the 12 months
    (15, "2026-06-30 23:59:59", 900, None, "paid"),
    (16, "2026-03-01 10:00:00", 800, None, "paid"),
    (17, "2026-03-01 10:00:00", 700, None, "paid"),
    (24, "2026-03-01 10:00:00", 650, None, "paid"),
    (18, "2026-03-01 10:00:00", 600, None, "paid"),
    (18, "2025-06-30 23:59:59", 5000, None, "paid"),  # a second too early
    (18, "2026-03-02 10:00:00", 5000, None, "refunded"),
    (21, "2026-05-20 10:00:00", 1, None, "refunded"),
    (23, "2026-07-01 09:00:00", 9999, None, "paid"),  # after the as-of date
]
ORDERS += [
    (19, f"2026-05-{d:02d} 10:00:00", 1, "CP" if d <= 7 else None, "paid") for d in range(1, 11)
]
ORDERS += [
    (20, f"2026-05-{d:02d} 10:00:00", 1, "CP" if d <= 6 else None, "paid") for d in range(1, 11)
]
ORDERS += [(21, f"2026-05-{d:02d} 10:00:00", 1, "CP", "paid") for d in range(1, 4)]
ORDERS += [(22, f"2026-05-{d:02d} 10:00:00", 1, "CP", "paid") for d in range(1, 3)]

# (member key, event_time) of add_to_cart events
CARTS = [
    (5, "2026-06-01 00:00:00"),  # first moment of the window
    (5, "2026-06-20 10:00:00"),
    (6, "2026-06-01 09:00:00"),
    (6, "2026-06-20 10:00:00"),
    (7, "2026-05-31 23:59:59"),  # a second before the window
    (7, "2026-06-10 10:00:00"),
]

# (member key, event_time) of other events, for best contact hours: H1 is active at 22:00
# on three days and at 09:00 on two (with more events); H2 at 08:00 and 21:00 one day each.
OTHER_EVENTS = [
    (14, "2026-06-03 22:10:00"),
    (14, "2026-06-05 22:20:00"),
    (14, "2026-06-07 22:30:00"),
    (14, "2026-06-09 09:00:00"),
    (14, "2026-06-09 09:05:00"),
    (14, "2026-06-09 09:06:00"),
    (14, "2026-06-20 09:00:00"),
    (15, "2026-06-20 21:00:00"),
    (15, "2026-06-22 08:00:00"),
    (15, "2026-03-01 07:00:00"),  # more than 90 days back: not counted
    (15, "2026-03-01 07:10:00"),
]

EXPECTED_TAGS: dict[str, set[str]] = {
    "browse_no_order": {"B_IN"},
    "cart_abandoner": {"C_IN"},
    "dormant": {"D_IN", "D_NEVER"},
    "new": {"N_IN"},
    "high_value": {"H1", "H2", "H3", "H4", "H4B"},
    "high_value_at_risk": {"H1"},
    "coupon_driven": {"K_IN", "K3"},
}


def build_segments_store(path: Path) -> Store:
    close_store(path)
    store = open_store(path)
    with store.transaction() as cur:
        for key, (member_id, signup, status, channel, days) in MEMBERS.items():
            cur.execute(
                "insert into members (member_key, member_id, signup_at, status, channel, tier, "
                "region, device, nickname, name, phone, email, address) values ($k, $id, $s, "
                "$st, $c, 'normal', '浙江', 'ios', $nick, '张三', $p, $e, '浙江省杭州市西湖区1号')",
                {
                    "k": key,
                    "id": member_id,
                    "s": signup,
                    "st": status,
                    "c": channel,
                    "nick": f"nick{key}",
                    "p": PHONES[key],
                    "e": EMAILS[key],
                },
            )
            for day in days:
                cur.execute(
                    "insert into member_day (member_key, day, events, "
                    "page_views, add_to_carts, orders_paid) "
                    "values ($k, $d, 1, 1, 0, 0)",
                    {"k": key, "d": day},
                )
        for n, (key, paid_at, amount, coupon, status) in enumerate(ORDERS):
            cur.execute(
                "insert into orders (order_id, member_key, paid_at, amount, coupon_id, status, "
                "source) values ($o, $k, $p, $a, $c, $s, 'file')",
                {"o": f"O{n}", "k": key, "p": paid_at, "a": amount, "c": coupon, "s": status},
            )
        events = [(k, t, "add_to_cart") for k, t in CARTS]
        events += [(k, t, "page_view") for k, t in OTHER_EVENTS]
        for n, (key, time, kind) in enumerate(events):
            cur.execute(
                "insert into events (member_key, event_time, event_type, event_uid) "
                "values ($k, $t, $type, $uid)",
                {"k": key, "t": time, "type": kind, "uid": n + 1},
            )
        rollups.complete_rollups(cur)
    return store


def build_tagged_segments_store(path: Path) -> Store:
    """:func:`build_segments_store` with the tags snapshotted for ``AS_OF`` and the three
    days before (what the segment pages read)."""
    from core import segments

    store = build_segments_store(path)
    with store.transaction() as cur:
        segments.refresh_tags(cur, AS_OF, backfill_days=3)
    return store

"""A hand-made store for the analytics views, small enough to work every answer out by hand.

As-of date 2026-06-16 (a Tuesday); the first day with data is 2026-05-01. The expected
numbers are derived step by step in the docstrings of the ``tests/test_metrics_*.py``
files that use this store.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from core import rollups
from core.store import Store, close_store, open_store

AS_OF = date(2026, 6, 16)

# member_key, member_id, signup_at, region, device, tier, channel, gender, birth_date
MEMBERS = [
    (1, "A", "2026-05-01 09:00:00", "浙江", "ios", "silver", "wechat", "F", "1990-03-01"),
    (2, "B", "2026-06-01 10:00:00", "浙江", "android", "normal", "wechat", "M", "2000-07-01"),
    (3, "C", "2026-06-01 20:00:00", "广东", "ios", "bronze", "referral", "F", "1985-01-01"),
    (4, "D", "2026-06-03 08:00:00", "广东", "web", "normal", "referral", "F", "2001-06-16"),
    (5, "E", "2026-06-08 12:00:00", "浙江", "ios", "normal", "wechat", "M", None),
    (6, "F", "2026-06-10 18:00:00", "广东", "android", "normal", "douyin", "U", "1970-01-01"),
    (7, "G", "2026-05-20 07:00:00", "浙江", "ios", "gold", "douyin", "M", "1995-12-31"),
]

# member_key -> active days (member_day rows)
ACTIVE_DAYS = {
    1: ["2026-05-01", "2026-06-01", "2026-06-02", "2026-06-09", "2026-06-15"],
    2: ["2026-06-01", "2026-06-02", "2026-06-08"],
    3: ["2026-06-01", "2026-06-09", "2026-06-10"],
    4: ["2026-06-03", "2026-06-04", "2026-06-15"],
    5: ["2026-06-08", "2026-06-09", "2026-06-10"],
    7: ["2026-06-02", "2026-06-16"],
}

# order_id, member_key, paid_at, amount, discount_amount, coupon_id, category, status
ORDERS = [
    ("O1", 1, "2026-05-10 10:00:00", 100.00, 0.00, None, "美妆", "paid"),
    ("O2", 1, "2026-06-02 22:30:00", 50.00, 5.00, None, "美妆", "paid"),
    ("O3", 2, "2026-06-01 12:00:00", 200.00, 20.00, None, "数码", "paid"),
    ("O4", 3, "2026-06-05 09:00:00", 80.00, 0.00, None, "服饰", "refunded"),
    ("O5", 3, "2026-06-09 10:00:00", 40.00, 0.00, None, "服饰", "paid"),
    ("O6", 7, "2026-05-25 23:10:00", 300.00, 60.00, None, "数码", "paid"),
    ("O7", 2, "2026-06-06 20:00:00", 60.00, 10.00, "C1", "美妆", "paid"),
    ("O8", 4, "2026-06-15 13:00:00", 100.00, 0.00, None, "美妆", "paid"),
    ("O9", 1, "2026-05-15 15:00:00", 1700.00, 170.00, None, "数码", "paid"),
]

# member_key, event_time, event_type, session_id, device, keyword
EVENTS = [
    (1, "2026-05-01 09:05:00", "search", "S0", "ios", "羽绒服"),
    (1, "2026-06-01 10:00:00", "page_view", "S1", "ios", None),
    (1, "2026-06-01 10:05:00", "add_to_cart", "S1", "ios", None),
    (1, "2026-06-01 10:06:00", "checkout", "S1", "ios", None),
    (1, "2026-06-02 22:00:00", "page_view", "S2", "ios", None),
    (1, "2026-06-02 22:10:00", "add_to_cart", "S2", "ios", None),
    (1, "2026-06-02 22:20:00", "checkout", "S2", "ios", None),
    (1, "2026-06-02 22:30:00", "order_paid", "S2", "ios", None),
    (1, "2026-06-02 22:40:00", "search", "S2", "ios", "口红"),
    (2, "2026-06-01 11:00:00", "page_view", "S3", "android", None),
    (2, "2026-06-01 11:30:00", "add_to_cart", "S3", "android", None),
    (2, "2026-06-01 11:50:00", "checkout", "S3", "android", None),
    (2, "2026-06-01 12:00:00", "order_paid", "S3", "android", None),
    (3, "2026-06-01 20:30:00", "add_to_cart", "S4", "ios", None),
    (3, "2026-06-01 20:40:00", "page_view", "S4", "ios", None),
    (3, "2026-06-01 20:50:00", "checkout", "S4", "ios", None),
    (3, "2026-06-09 09:50:00", "search", "S5", "ios", "口红"),
    (3, "2026-06-09 09:55:00", "add_to_cart", "S5", "ios", None),
    (3, "2026-06-09 09:58:00", "checkout", "S5", "ios", None),
    (3, "2026-06-09 10:00:00", "order_paid", "S5", "ios", None),
    (4, "2026-06-03 08:10:00", "page_view", "S6", "web", None),
    (4, "2026-06-03 08:20:00", "add_to_cart", "S6", "web", None),
    (5, "2026-06-08 12:00:00", "page_view", "S7", "ios", None),
    (5, "2026-06-08 12:01:00", "search", "S7", "ios", "耳机"),
    (7, "2026-06-02 07:00:00", "page_view", "S8", "ios", None),
    (7, "2026-06-02 07:05:00", "checkout", "S8", "ios", None),
    (7, "2026-06-16 09:00:00", "search", "S9", "ios", "耳机"),
    (7, "2026-06-16 09:01:00", "search", "S9", "ios", " 耳机 "),
]

# member_key, from_tier, to_tier, changed_at, reason (current tiers in MEMBERS agree)
TIER_HISTORY = [
    (1, None, "normal", "2026-05-01 09:00:00", "signup"),
    (1, "normal", "bronze", "2026-06-01 00:00:00", "rule_recompute"),
    (1, "bronze", "silver", "2026-06-10 15:00:00", "manual_override"),
    (2, None, "normal", "2026-06-01 10:00:00", "signup"),
    (3, None, "normal", "2026-06-01 20:00:00", "signup"),
    (3, "normal", "bronze", "2026-06-05 12:00:00", "manual_override"),
    (4, None, "normal", "2026-06-03 08:00:00", "signup"),
    (5, None, "normal", "2026-06-08 12:00:00", "signup"),
    (6, None, "normal", "2026-06-10 18:00:00", "signup"),
    (7, None, "normal", "2026-05-20 07:00:00", "signup"),
    (7, "normal", "gold", "2026-06-01 00:00:00", "rule_recompute"),
]

# channel, month, cost
CHANNEL_COSTS = [
    ("wechat", "2026-05-01", 1000.00),
    ("wechat", "2026-06-01", 3000.00),
    ("douyin", "2026-06-01", 600.00),
]

# campaign_id, name, start_date, end_date, channel
CAMPAIGNS = [
    ("C1", "618", "2026-06-10", "2026-06-16", "wechat"),
    ("C2", "五一", "2026-05-01", "2026-05-05", "douyin"),
    ("C3", "late", "2026-06-15", "2026-06-20", "referral"),
    ("C4", "520", "2026-05-18", "2026-05-24", "douyin"),
]


def build_analytics_store(path: Path) -> Store:
    """Create the hand-made store at ``path`` (closing any store open there first)."""
    close_store(path)
    store = open_store(path)
    with store.transaction() as cur:
        for key, member_id, signup, region, device, tier, channel, gender, birth in MEMBERS:
            cur.execute(
                "insert into members (member_key, member_id, signup_at, region, device, tier, "
                "channel, gender, birth_date) values ($k, $id, $s, $r, $d, $t, $c, $g, $b)",
                {
                    "k": key,
                    "id": member_id,
                    "s": signup,
                    "r": region,
                    "d": device,
                    "t": tier,
                    "c": channel,
                    "g": gender,
                    "b": birth,
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
        for order_id, key, paid_at, amount, discount, coupon, category, status in ORDERS:
            cur.execute(
                "insert into orders (order_id, member_key, paid_at, amount, discount_amount, "
                "coupon_id, category, status, source) "
                "values ($o, $k, $p, $a, $d, $c, $cat, $s, 'file')",
                {
                    "o": order_id,
                    "k": key,
                    "p": paid_at,
                    "a": amount,
                    "d": discount,
                    "c": coupon,
                    "cat": category,
                    "s": status,
                },
            )
        for index, (key, at_time, kind, session, device, keyword) in enumerate(EVENTS):
            cur.execute(
                "insert into events (member_key, event_time, event_type, event_uid, "
                "session_id, device, keyword) values ($k, $t, $e, $u, $s, $d, $w)",
                {
                    "k": key,
                    "t": at_time,
                    "e": kind,
                    "u": index + 1,
                    "s": session,
                    "d": device,
                    "w": keyword,
                },
            )
        for key, from_tier, to_tier, changed_at, reason in TIER_HISTORY:
            cur.execute(
                "insert into tier_history (member_key, from_tier, to_tier, changed_at, reason) "
                "values ($k, $f, $t, $c, $r)",
                {"k": key, "f": from_tier, "t": to_tier, "c": changed_at, "r": reason},
            )
        for channel, month, cost in CHANNEL_COSTS:
            cur.execute(
                "insert into channel_costs values ($c, $m, $cost)",
                {"c": channel, "m": month, "cost": cost},
            )
        for campaign_id, name, start, end, channel in CAMPAIGNS:
            cur.execute(
                "insert into campaigns values ($id, $n, $s, $e, $c)",
                {"id": campaign_id, "n": name, "s": start, "e": end, "c": channel},
            )
        rollups.complete_rollups(cur)
    return store

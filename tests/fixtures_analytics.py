"""A hand-made store for the analytics views, small enough to work every answer out by hand.

As-of date 2026-06-16 (a Tuesday); the first day with data is 2026-05-01. The expected
numbers are derived step by step in the docstrings of the ``tests/test_metrics_*.py``
files that use this store.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

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
                    "insert into member_day values ($k, $d, 1, 1, 0, 0)", {"k": key, "d": day}
                )
    return store

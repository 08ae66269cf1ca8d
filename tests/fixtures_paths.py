"""A hand-built session store for click paths and dwell time (issue 15, items 1 and 3).

Period 2026-06-01 … 06-04 (as-of 06-04, the last day with events); the comparison period
is the four days before, 05-28 … 05-31.
Three members; events carry no device (so the member's counts), pages as named.

    member 1 (P1, ios, gold, wechat), session id "s1", 06-01:
      10:00:00 page_view home · 10:00:30 list · 10:01:30 product · 10:03:30 list ·
      10:04:00 product · 10:09:00 add_to_cart · 10:10:00 checkout            (a loop, no repeat)
    member 1, session id "s2", 06-02:
      20:00:00 home (duration_s 8) · 20:00:10 home (a repeat) · 20:00:40 product ·
      20:50:40 product (a repeat, 50 min later: same session, the id says so) · 20:51:00 search
    member 2 (P2, android, normal, douyin), no session ids, 06-03:
      09:00 home · 09:10 product · 09:20 home · 09:50 product (30 min gap: same session) ·
      11:00 product (70 min gap: a new session) · 11:05 order_paid
    member 3 (P3, web, normal, wechat), session id "s1" (their own, not member 1's), 06-04:
      12:00:00 page_view without a page · 12:00:20 list (duration_s 45) · 12:01:00 add_to_cart
    outside the period: member 1 "s0" 05-30 10:00 home · 10:01 product · 10:02 add_to_cart
      (the comparison period); member 3 05-20 home (in neither period).

The expected answers are worked out in tests/test_paths.py.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from core import rollups
from core.filters import GlobalFilters
from core.store import Store, close_store, open_store

AS_OF = date(2026, 6, 4)
WEEK = GlobalFilters(date(2026, 6, 1), date(2026, 6, 4))

# member_key, member_id, signup_at, region, device, tier, channel
MEMBERS = [
    (1, "P1", "2026-05-01 09:00:00", "浙江", "ios", "gold", "wechat"),
    (2, "P2", "2026-05-02 09:00:00", "广东", "android", "normal", "douyin"),
    (3, "P3", "2026-05-03 09:00:00", "广东", "web", "normal", "wechat"),
]

# member_key, event_time, event_type, session_id, page, duration_s
EVENTS = [
    (1, "2026-06-01 10:00:00", "page_view", "s1", "home", None),
    (1, "2026-06-01 10:00:30", "page_view", "s1", "list", None),
    (1, "2026-06-01 10:01:30", "page_view", "s1", "product", None),
    (1, "2026-06-01 10:03:30", "page_view", "s1", "list", None),
    (1, "2026-06-01 10:04:00", "page_view", "s1", "product", None),
    (1, "2026-06-01 10:09:00", "add_to_cart", "s1", None, None),
    (1, "2026-06-01 10:10:00", "checkout", "s1", None, None),
    (1, "2026-06-02 20:00:00", "page_view", "s2", "home", 8.0),
    (1, "2026-06-02 20:00:10", "page_view", "s2", "home", None),
    (1, "2026-06-02 20:00:40", "page_view", "s2", "product", None),
    (1, "2026-06-02 20:50:40", "page_view", "s2", "product", None),
    (1, "2026-06-02 20:51:00", "search", "s2", None, None),
    (2, "2026-06-03 09:00:00", "page_view", None, "home", None),
    (2, "2026-06-03 09:10:00", "page_view", None, "product", None),
    (2, "2026-06-03 09:20:00", "page_view", None, "home", None),
    (2, "2026-06-03 09:50:00", "page_view", None, "product", None),
    (2, "2026-06-03 11:00:00", "page_view", None, "product", None),
    (2, "2026-06-03 11:05:00", "order_paid", None, None, None),
    (3, "2026-06-04 12:00:00", "page_view", "s1", None, None),
    (3, "2026-06-04 12:00:20", "page_view", "s1", "list", 45.0),
    (3, "2026-06-04 12:01:00", "add_to_cart", "s1", None, None),
    (1, "2026-05-30 10:00:00", "page_view", "s0", "home", None),
    (1, "2026-05-30 10:01:00", "page_view", "s0", "product", None),
    (1, "2026-05-30 10:02:00", "add_to_cart", "s0", None, None),
    (3, "2026-05-20 10:00:00", "page_view", "s9", "home", None),
]


def build_paths_store(path: Path) -> Store:
    """Create the session store at ``path`` (closing any store open there first)."""
    close_store(path)
    store = open_store(path)
    with store.transaction() as cur:
        for key, member_id, signup, region, device, tier, channel in MEMBERS:
            cur.execute(
                "insert into members (member_key, member_id, signup_at, region, device, tier, "
                "channel) values ($k, $id, $s, $r, $d, $t, $c)",
                {
                    "k": key,
                    "id": member_id,
                    "s": signup,
                    "r": region,
                    "d": device,
                    "t": tier,
                    "c": channel,
                },
            )
        for index, (key, at_time, kind, session, page, duration) in enumerate(EVENTS):
            cur.execute(
                "insert into events (member_key, event_time, event_type, event_uid, "
                "session_id, page, duration_s) values ($k, $t, $e, $u, $s, $p, $d)",
                {
                    "k": key,
                    "t": at_time,
                    "e": kind,
                    "u": index + 1,
                    "s": session,
                    "p": page,
                    "d": duration,
                },
            )
        # the member-day rollup other fixtures write by hand, here from the events (the
        # store's data range and the filters' date bounds come from it)
        cur.execute(
            "insert into member_day (member_key, day, events, page_views, add_to_carts, "
            "orders_paid) select member_key, cast(event_time as date), count(*), "
            "count(*) filter (where event_type = 'page_view'), "
            "count(*) filter (where event_type = 'add_to_cart'), "
            "count(*) filter (where event_type = 'order_paid') "
            "from events group by all"
        )
        rollups.complete_rollups(cur)
    return store

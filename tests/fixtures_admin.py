"""A small store for the editing, approval, tier-rule and privacy tests.

Six members with personal data, orders in the 12 months before the as-of date
2026-06-30 (exclusive end 2026-07-01), and tiers as computed by the default rules
(normal 0, bronze 500, silver 1000, gold 2000; discounts 1.00 / 0.90 / 0.85 / 0.80).

member  spend (paid, last 12 months)   default tier
M1      2,500 (2,000 + 500)            gold
M2      1,200                          silver
M3        800 (+ 300 refunded)         bronze
M4        450                          normal
M5          0                          normal
M6      1,900 (1,500 inside + 400 at 2025-06-15, outside)   silver
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from core import rollups
from core.refresh import recompute_tiers
from core.store import Store, close_store, open_store

AS_OF = date(2026, 6, 30)
AS_OF_END = datetime(2026, 7, 1)

# member_key, member_id, nickname, name, phone, email, address, birth_date
MEMBERS = [
    (
        1,
        "M1",
        "小明",
        "王小明",
        "13800000001",
        "xiaoming@example.com",
        "浙江省杭州市西湖区文三路1号",
        "1990-05-01",
    ),
    (
        2,
        "M2",
        "阿花",
        "李花",
        "13800000002",
        "ahua@example.com",
        "广东省广州市天河区体育西路2号",
        "1985-01-02",
    ),
    (
        3,
        "M3",
        "Tom",
        "Tom Lee",
        "13800000003",
        "tom@example.com",
        "上海市浦东新区世纪大道3号",
        "2000-12-31",
    ),
    (
        4,
        "M4",
        "小红",
        "赵小红",
        "13800000004",
        "hong@example.com",
        "北京市朝阳区建国路4号",
        "1995-07-07",
    ),
    (
        5,
        "M5",
        "老五",
        "钱五",
        "13800000005",
        "wu@example.com",
        "江苏省南京市鼓楼区中山路5号",
        "1970-03-03",
    ),
    (
        6,
        "M6",
        "六六",
        "孙六",
        "13800000006",
        "liu@example.com",
        "四川省成都市锦江区春熙路6号",
        "1999-09-09",
    ),
]

# order_id, member_key, paid_at, amount, status
ORDERS = [
    ("A1", 1, "2026-01-10 10:00:00", 2000.00, "paid"),
    ("A2", 1, "2026-06-29 23:00:00", 500.00, "paid"),
    ("B1", 2, "2026-03-01 12:00:00", 1200.00, "paid"),
    ("C1", 3, "2026-02-01 12:00:00", 800.00, "paid"),
    ("C2", 3, "2026-02-02 12:00:00", 300.00, "refunded"),
    ("D1", 4, "2026-05-05 09:00:00", 450.00, "paid"),
    ("F1", 6, "2025-06-15 09:00:00", 400.00, "paid"),
    ("F2", 6, "2026-04-04 09:00:00", 1500.00, "paid"),
]


def build_admin_store(path: Path) -> Store:
    close_store(path)
    store = open_store(path)
    with store.transaction() as cur:
        for key, member_id, nick, name, phone, email, address, birth in MEMBERS:
            cur.execute(
                "insert into members (member_key, member_id, signup_at, nickname, name, phone, "
                "email, address, birth_date, region, channel, device) values "
                "($k, $id, '2025-01-01', $nick, $name, $phone, $email, $address, $birth, "
                "'浙江', 'wechat', 'ios')",
                {"k": key, "id": member_id, "nick": nick, "name": name, "phone": phone,
                 "email": email, "address": address, "birth": birth},
            )  # fmt: skip
            cur.execute(
                "insert into member_day (member_key, day, events, "
                "page_views, add_to_carts, orders_paid) "
                "values ($k, '2026-06-30', 3, 2, 1, 0)",
                {"k": key},
            )
            cur.execute(
                "insert into events (member_key, event_time, event_type, event_uid, keyword) "
                "values ($k, '2026-06-30 10:00:00', 'search', $k, 'shoes')",
                {"k": key},
            )
        for order_id, key, paid_at, amount, status in ORDERS:
            cur.execute(
                "insert into orders (order_id, member_key, paid_at, amount, status, source) "
                "values ($o, $k, $p, $a, $s, 'file')",
                {"o": order_id, "k": key, "p": paid_at, "a": amount, "s": status},
            )
        rollups.complete_rollups(cur)
        recompute_tiers(cur, AS_OF_END)
    return store


def tiers_by_member(store: Store) -> dict[str, str]:
    rows = store.cursor().execute("select member_id, tier from members order by 1").fetchall()
    return dict(rows)

"""Tier views against numbers worked out by hand on tests/fixtures_analytics.py.

Tier history: 1 normal (05-01) → bronze (06-01 00:00) → silver (06-10, manual); 3 normal
(06-01) → bronze (06-05, manual); 7 normal (05-20) → gold (06-01 00:00); 2, 4, 5, 6 normal
from signup (06-01, 06-03, 06-08, 06-10).

Members per tier, period 06-01 … 06-16 by week (snapshots 06-07, 06-14 and the end 06-16):
06-07 {2, 4} normal, {1, 3} bronze, {7} gold; 06-14 and 06-16 {2, 4, 5, 6} normal, {3}
bronze, {1} silver, {7} gold.
Migration 05-31 → 06-16 (members 1 and 7 existed): normal → silver 1, normal → gold 1.
Migration 06-07 → 06-16: normal → normal 2, bronze → bronze 1, bronze → silver 1, gold →
gold 1.

Paid orders 06-01 … 06-16 by the tier held when paying: O3 (member 2, normal) ¥200 (−¥20),
O2 (member 1, bronze since 06-01) ¥50 (−¥5), O7 (2, normal) ¥60 (−¥10), O5 (3, bronze
since 06-05) ¥40, O8 (4, normal) ¥100. normal: 3 orders, ¥360, discount ¥30; bronze: 2
orders, ¥90, discount ¥5. Repurchase intervals (days since the member's previous paid
order): O2 06-02 − O9 05-15 = 18 (bronze), O7 06-06 − O3 06-01 = 5 (normal); O5's only
earlier order O4 was refunded → no interval.

Upgrade opportunities as of 06-16 (paid spend over 12 months): member 1 silver ¥1850, gold
needs ¥2000 and 1850 ≥ 0.9 × 2000 → candidate, gap ¥150. Member 2 normal ¥260 < ¥450;
member 4 ¥100; member 3 ¥40; member 7 is gold (no tier above).
"""

from __future__ import annotations

import math
from datetime import date

import pytest

from core import metrics
from core.filters import GlobalFilters
from tests.fixtures_analytics import AS_OF, build_analytics_store

JUNE = GlobalFilters(date(2026, 6, 1), date(2026, 6, 16))


@pytest.fixture()
def store(tmp_path):
    return build_analytics_store(tmp_path / "analytics.duckdb")


def by_day(frame) -> dict:
    return {
        day.date().isoformat(): dict(zip(rows["tier_code"], rows["members"], strict=True))
        for day, rows in frame.groupby("day")
    }


def test_members_per_tier_over_time(store):
    frame = metrics.tiers_over_time(store, JUNE, AS_OF, grain="week")
    later = {"normal": 4, "bronze": 1, "silver": 1, "gold": 1}
    assert by_day(frame) == {
        "2026-06-07": {"normal": 2, "bronze": 2, "gold": 1},
        "2026-06-14": later,
        "2026-06-16": later,
    }


def test_members_per_tier_honour_filters(store):
    frame = metrics.tiers_over_time(
        store, GlobalFilters(JUNE.start, JUNE.end, tiers=("gold",)), AS_OF, grain="month"
    )
    assert by_day(frame) == {"2026-06-16": {"gold": 1}}


def test_migration_matrix_default_dates(store):
    frame = metrics.tier_migration(store, JUNE, AS_OF)
    assert frame[["from_tier", "to_tier", "members"]].values.tolist() == [
        ["normal", "silver", 1],
        ["normal", "gold", 1],
    ]
    assert frame["share_of_from"].tolist() == pytest.approx([0.5, 0.5])


def test_migration_matrix_between_chosen_dates(store):
    frame = metrics.tier_migration(store, JUNE, AS_OF, date(2026, 6, 7), date(2026, 6, 16))
    assert frame[["from_tier", "to_tier", "members"]].values.tolist() == [
        ["normal", "normal", 2],
        ["bronze", "bronze", 1],
        ["bronze", "silver", 1],
        ["gold", "gold", 1],
    ]
    assert frame["share_of_from"].tolist() == pytest.approx([1.0, 0.5, 0.5, 1.0])


def test_tier_summary(store):
    frame = metrics.tier_summary(store, JUNE, AS_OF).set_index("tier_code")
    assert frame["members"].to_dict() == {"normal": 4, "bronze": 1, "silver": 1, "gold": 1}
    assert frame["orders"].to_dict() == {"normal": 3, "bronze": 2, "silver": 0, "gold": 0}
    assert frame.loc["normal", ["revenue", "discount_cost"]].tolist() == pytest.approx([360, 30])
    assert frame.loc["bronze", ["revenue", "discount_cost"]].tolist() == pytest.approx([90, 5])
    assert frame.loc["normal", "median_repurchase_days"] == 5
    assert frame.loc["bronze", "median_repurchase_days"] == 18
    assert math.isnan(frame.loc["gold", "median_repurchase_days"])
    assert frame["upgrade_candidates"].to_dict() == {
        "normal": 0,
        "bronze": 0,
        "silver": 1,
        "gold": 0,
    }


def test_upgrade_candidates(store):
    frame = metrics.upgrade_candidates(store, GlobalFilters(), AS_OF)
    assert frame[["member_id", "tier", "next_tier"]].values.tolist() == [["A", "silver", "gold"]]
    assert frame["spend"].tolist() == pytest.approx([1850.0])
    assert frame["gap"].tolist() == pytest.approx([150.0])
    # a wider margin (20%) also catches nobody else: member 2 needs 400 of 500, has 260
    assert len(metrics.upgrade_candidates(store, GlobalFilters(), AS_OF, margin=0.2)) == 1

"""The member × week and member × month rollups (``member_week``, ``member_month``) equal their
definition from raw events, and an import rebuilds them like a full rebuild.

The definition (``tests/test_rollups.py``: ``RAW_MEMBER_PERIOD`` over ``RAW_MEMBER_DAY``)
groups the member's active days from ``events`` by week (month) and chains the periods with
window functions; the refresh SQL instead takes each period's previous / next period from
``member_day``'s chain columns, so the two are independent.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from core import rollups
from core.ingest import import_dir
from core.refresh import refresh
from core.store import close_store, open_store
from tests.test_rollups import PERIOD_TABLES, RAW_MEMBER_DAY, RAW_MEMBER_PERIOD, shadowed

COLUMNS = (
    "member_key, period, prev_period, next_period, first_day, signup_day, "
    "region, device, tier, channel"
)


def differences(store, table: str) -> int:
    """Rows in ``table`` and not in its definition from events, plus the reverse."""
    raw = RAW_MEMBER_PERIOD.format(table=f"{table}_raw", unit=PERIOD_TABLES[table])
    return store.scalar(
        f"with {RAW_MEMBER_DAY}, {raw} select count(*) from ("  # noqa: S608
        f"(select {COLUMNS} from {table} except all select {COLUMNS} from {table}_raw) "
        f"union all "
        f"(select {COLUMNS} from {table}_raw except all select {COLUMNS} from {table}))"
    )


@pytest.mark.parametrize("table", list(PERIOD_TABLES))
def test_the_demo_store_tables_equal_their_definition_from_events(demo_store_path, table):
    store = open_store(demo_store_path, read_only=True)
    assert store.scalar(f"select count(*) from {table}") > 50_000  # noqa: S608
    assert differences(store, table) == 0


@pytest.mark.parametrize("table", list(PERIOD_TABLES))
def test_shadowing_replaces_the_period_tables_by_their_definition(demo_store_path, table):
    store = open_store(demo_store_path, read_only=True)
    text = shadowed(f"select count(*), count(next_period) from {table}")  # noqa: S608
    assert "from events" in text and f"{table} as (" in text
    assert (
        store.df(text).values.tolist()
        == store.df(
            f"select count(*), count(next_period) from {table}"  # noqa: S608
        ).values.tolist()
    )


# -- an import after an import -----------------------------------------------------------------

MEMBERS = (
    "member_id,signup_at,region,channel,device\n"
    "A,2025-01-01 09:00:00,浙江,wechat,ios\n"
    "B,2025-01-02 09:00:00,广东,douyin,android\n"
    "C,2025-01-10 09:00:00,广东,referral,web\n"
    "D,2025-02-03 09:00:00,江苏,wechat,ios\n"
)
# Mondays: 2025-01-06, 01-13, 01-20, 01-27, 02-03
FIRST_EVENTS = (
    "event_id,member_id,event_time,event_type\n"
    "e1,A,2025-01-05 08:00:00,page_view\n"
    "e2,A,2025-01-07 09:00:00,page_view\n"
    "e3,B,2025-01-06 10:00:00,page_view\n"
    "e4,B,2025-01-14 10:00:00,login\n"
    "e5,C,2025-01-29 10:00:00,login\n"
)
# from 01-14 on (B's last day is rebuilt): A comes back after two weeks and in February (its
# January week's next period changes although that week is before the import), B gets
# another day in the week it already had, C continues into February, D is new.
SECOND_EVENTS = (
    "event_id,member_id,event_time,event_type\n"
    "e6,B,2025-01-15 21:00:00,page_view\n"
    "e7,A,2025-01-27 08:00:00,page_view\n"
    "e8,C,2025-02-02 08:00:00,login\n"
    "e9,A,2025-02-04 08:00:00,login\n"
    "e10,D,2025-02-05 08:00:00,login\n"
)


def load(store, folder, files: dict[str, str]):
    folder.mkdir(parents=True, exist_ok=True)
    for table, text in files.items():
        (folder / f"{table}.csv").write_text(text, encoding="utf-8")
    return import_dir(store, folder, reports_dir=folder / "reports")


def periods(store, table: str) -> pd.DataFrame:
    return store.df(
        f"select members.member_id, p.* from {table} as p "  # noqa: S608
        "join members using (member_key) order by member_id, period"
    )


@pytest.fixture
def store(tmp_path):
    s = open_store(tmp_path / "store.duckdb")
    yield s
    close_store(s.path)


def test_an_import_rebuilds_the_period_rollups_like_a_full_rebuild(store, tmp_path):
    load(store, tmp_path / "a", {"members": MEMBERS, "events": FIRST_EVENTS})
    load(store, tmp_path / "b", {"events": SECOND_EVENTS})
    assert store.meta(rollups.WATERMARK) is not None
    incremental = {table: periods(store, table) for table in PERIOD_TABLES}

    weeks = incremental["member_week"].set_index(["member_id", "period"])
    a = weeks.loc["A"]
    assert [d.date() for d in a.index] == [
        date(2024, 12, 30),
        date(2025, 1, 6),
        date(2025, 1, 27),
        date(2025, 2, 3),
    ]
    assert a.loc[pd.Timestamp("2025-01-06"), "next_period"] == pd.Timestamp("2025-01-27")
    assert a.loc[pd.Timestamp("2025-01-27"), "prev_period"] == pd.Timestamp("2025-01-06")
    assert set(a["first_day"]) == {pd.Timestamp("2025-01-05")}
    assert len(weeks.loc["B"]) == 2  # 01-14 and 01-15 are one week
    months = incremental["member_month"].set_index(["member_id", "period"])
    c = months.loc["C"]
    assert c.loc[pd.Timestamp("2025-01-01"), "next_period"] == pd.Timestamp("2025-02-01")
    assert months.loc["D"]["prev_period"].isna().all()

    for table in PERIOD_TABLES:
        assert differences(store, table) == 0, table
    with store.transaction() as cur:
        refresh(store, cur)  # full rebuild
    for table in PERIOD_TABLES:
        pd.testing.assert_frame_equal(incremental[table], periods(store, table), obj=table)

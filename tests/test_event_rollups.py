"""The funnel, time-of-day and search views read rollups (``funnel_day``, ``member_hour``,
``search_day``; core/event_rollups.py) and give the answers of the raw-event SQL they replace.

The raw-event SQL of each view is kept as it was in ``tests/event_rollups_reference/`` and is
the reference: every view is computed twice, once as shipped and once with its ``sql/`` file
replaced by the reference text, and the frames must be equal. On two stores:

* the demo store (read only): whole history, the default period and a narrow filter (one
  region, one tier, 3 months), every unit and dimension of the funnel;
* a generated store made to break a rollup: timestamps on a 30-minute grid (many ties
  between the funnel steps), members on several devices and on devices left empty, sessions
  crossing midnight, sessions without an id, sessions shared by two members or two devices,
  keywords with spaces and empty ones; over many random ranges and filters.

The tables themselves are checked against definitions computed from ``events`` here (for
``funnel_day`` by walking each chain's events from every day on), and a store built by two
imports (the second one incremental, on later days and reusing sessions of the first) has the
same tables as a full rebuild. Existing stores get the tables built by migration 8.
"""

from __future__ import annotations

import random
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from core import metrics, rollups, segments
from core import store as store_module
from core.filters import GlobalFilters
from core.ingest import import_dir
from core.sqlfiles import sql_text
from core.store import close_store, open_store

REFERENCE_DIR = Path(__file__).parent / "event_rollups_reference"
REFERENCE = {
    "metrics/funnel_steps": "funnel_steps.sql",
    "metrics/hours_heatmap": "hours_heatmap.sql",
    "metrics/hours_best_contact": "hours_best_contact.sql",
    "metrics/keywords_top": "keywords_top.sql",
    "metrics/keywords_trend": "keywords_trend.sql",
    "segments/best_contact_hours": "best_contact_hours.sql",
}
ROLLUP_TABLES = ("funnel_day", "member_hour", "search_day")
ATTRIBUTES = (
    "cast(members.signup_at as date) as signup_day, "
    "members.region, members.device, members.tier, members.channel"
)


def reference_text(name: str) -> str:
    file = REFERENCE.get(name)
    if file is None:
        return sql_text(name)
    return (REFERENCE_DIR / file).read_text(encoding="utf-8")


def on_raw_events(monkeypatch, call):
    """``call()`` with the six queries replaced by their raw-event reference SQL."""
    with monkeypatch.context() as patch:
        patch.setattr(store_module, "sql_text", reference_text)
        patch.setattr(segments, "sql_text", reference_text)
        return call()


def view_calls(as_of: date):
    funnels = {
        f"funnel {unit} {dimension}": (
            lambda s, f, u=unit, d=dimension: metrics.funnel(s, f, as_of, unit=u, dimension=d)
        )
        for unit in metrics.FUNNEL_UNITS
        for dimension in (None, *metrics.FUNNEL_DIMENSIONS)
    }
    return {
        **funnels,
        "heatmap all": lambda s, f: metrics.hour_heatmap(s, f, as_of),
        "heatmap high_value": lambda s, f: metrics.hour_heatmap(s, f, as_of, "high_value"),
        "best contact hours": lambda s, f: metrics.best_contact_hours(s, f, as_of),
        "best hour distribution": lambda s, f: metrics.best_hour_distribution(s, f, as_of),
        "top keywords": lambda s, f: metrics.top_keywords(s, f, as_of),
        "keyword trend day": lambda s, f: metrics.keyword_trend(s, f, as_of, unit="day"),
        "keyword trend week": lambda s, f: metrics.keyword_trend(s, f, as_of, unit="week"),
        "keyword trend month": lambda s, f: metrics.keyword_trend(s, f, as_of, unit="month"),
    }


def assert_views_equal(store, monkeypatch, filters_by_label: dict, as_of: date) -> int:
    compared = 0
    nonempty = 0
    for name, call in view_calls(as_of).items():
        for label, filters in filters_by_label.items():
            from_rollup = call(store, filters)
            from_events = on_raw_events(monkeypatch, lambda c=call, f=filters: c(store, f))
            pd.testing.assert_frame_equal(
                from_rollup.reset_index(drop=True),
                from_events.reset_index(drop=True),
                obj=f"{name} [{label}]",
            )
            compared += 1
            nonempty += len(from_rollup) > 0
    assert nonempty > compared / 2  # not a comparison of empty frames
    return compared


def assert_best_contact_equal(store, monkeypatch, as_of: date) -> None:
    keys = store.df("select member_key from members order by member_key")["member_key"].tolist()
    for days in (90, 30, 7):
        mine = segments.best_contact_hours(store, keys, as_of, days)
        raw = on_raw_events(
            monkeypatch, lambda d=days: segments.best_contact_hours(store, keys, as_of, d)
        )
        assert len(mine) > 0
        pd.testing.assert_frame_equal(mine, raw, obj=f"best_contact_hours {days} days")


# -- the tables from their definitions ------------------------------------------------------

RAW_MEMBER_HOUR = f"""
    select
        counts.*,
        lag(counts.day) over (
            partition by counts.member_key, isodow(counts.day), counts.hour order by counts.day
        ) as prev_slot_day,
        {ATTRIBUTES}
    from (
        select member_key, cast(event_time as date) as day, hour(event_time) as hour,
            count(*) as events
        from events group by all
    ) as counts
    join members on members.member_key = counts.member_key
"""

RAW_SEARCH_DAY = f"""
    select
        counts.*,
        lag(counts.day) over (
            partition by counts.member_key, counts.keyword order by counts.day
        ) as prev_day,
        {ATTRIBUTES}
    from (
        select member_key, cast(event_time as date) as day, trim(keyword) as keyword,
            count(*) as searches
        from events
        where event_type = 'search' and trim(keyword) <> ''
        group by all
    ) as counts
    join members on members.member_key = counts.member_key
"""

RAW_TABLES = {
    "member_hour": RAW_MEMBER_HOUR,
    "search_day": RAW_SEARCH_DAY,
    "funnel_day": (REFERENCE_DIR / "funnel_day_definition.sql").read_text(encoding="utf-8"),
}


def differing_rows(store, table: str, other: str) -> int:
    """Rows in ``table`` and not in the query ``other`` or the other way round (bags)."""
    columns = ", ".join(store.df(f"select * from {table} limit 0").columns)  # noqa: S608
    return store.scalar(
        f"with other as ({other}) select count(*) from ("  # noqa: S608
        f"(select {columns} from {table} except all select {columns} from other) union all "
        f"(select {columns} from other except all select {columns} from {table}))"
    )


def assert_tables_equal_definitions(store) -> None:
    for table, definition in RAW_TABLES.items():
        assert store.scalar(f"select count(*) from {table}") > 0, table  # noqa: S608
        assert differing_rows(store, table, definition) == 0, table


# -- the demo store -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(demo_store_path):
    return open_store(demo_store_path, read_only=True)


def demo_filters(store) -> dict[str, GlobalFilters]:
    first_day, as_of = metrics.data_bounds(store)
    region = store.scalar(
        "select region from members group by region order by count(*) desc, region limit 1"
    )
    return {
        "all": GlobalFilters(start=first_day, end=as_of),
        "default period": GlobalFilters(),
        "narrow": GlobalFilters(
            start=as_of - timedelta(days=89), end=as_of, regions=(region,), tiers=("normal",)
        ),
    }


def test_demo_rollup_tables_equal_their_definitions(demo):
    assert_tables_equal_definitions(demo)
    assert demo.scalar("select count(*) from funnel_day where shared") == 0


def test_demo_views_equal_the_raw_event_sql(demo, monkeypatch):
    _, as_of = metrics.data_bounds(demo)
    assert assert_views_equal(demo, monkeypatch, demo_filters(demo), as_of) == 14 * 3


def test_demo_best_contact_hours_of_members_equal_the_raw_event_sql(demo, monkeypatch):
    _, as_of = metrics.data_bounds(demo)
    assert_best_contact_equal(demo, monkeypatch, as_of)


# -- a generated store with ties, shared sessions and sessions over midnight -----------------

START = date(2026, 3, 1)
DAYS = 40
SPLIT = date(2026, 3, 25)  # the incremental test imports the days before, then the rest
REGIONS = ("广东省", "浙江省")
TIERS = ("normal", "normal", "silver")
DEVICES = ("ios", "android", "")
TYPES = (
    ("page_view", 6),
    ("add_to_cart", 4),
    ("checkout", 3),
    ("order_paid", 3),
    ("search", 3),
    ("login", 1),
)
KEYWORDS = ("羽绒服", " 羽绒服 ", "口红", "phone", "  ", "耳机")


def generated_files(seed: int = 7) -> tuple[str, list[tuple], str]:
    """Members CSV, event rows (time, csv line) and the events CSV header."""
    rng = random.Random(seed)
    members = ["member_id,signup_at,region,device,tier,channel"]
    for m in range(40):
        members.append(
            f"M{m},2026-02-{1 + m % 27:02d} 09:00:00,{REGIONS[m % 2]},"
            f"{DEVICES[m % 2]},{TIERS[m % 3]},{('wechat', 'douyin')[m % 2]}"
        )
    events = []
    kinds = [kind for kind, weight in TYPES for _ in range(weight)]
    serial = 0

    def add(member: int, at: datetime, kind: str, session: str, device: str, keyword: str = ""):
        nonlocal serial
        serial += 1
        line = f"E{serial},M{member},{at:%Y-%m-%d %H:%M:%S},{kind},{session},{device},{keyword}"
        events.append((at, line))

    for m in range(40):
        for day in sorted(rng.sample(range(DAYS), rng.randint(3, 14))):
            sessions = rng.randint(1, 3)
            for s in range(sessions):
                session = f"S{m}-{day}-{s}" if rng.random() > 0.1 else ""
                device = rng.choice(DEVICES)
                base = datetime.combine(START + timedelta(days=day), datetime.min.time())
                slot = rng.choice((9 * 2, 20 * 2, 47))  # 09:00, 20:00 or 23:30
                for _ in range(rng.randint(1, 9)):
                    # a 30-minute grid, so steps often share a timestamp; 23:30 + 30 min
                    # crosses midnight with the same session
                    at = base + timedelta(minutes=30 * (slot + rng.randint(0, 1)))
                    kind = rng.choice(kinds)
                    keyword = rng.choice(KEYWORDS) if kind == "search" else ""
                    add(m, at, kind, session, device, keyword)
    # sessions shared by two members, and one member's session on two devices
    for day in (3, 20, 30):
        at = datetime.combine(START + timedelta(days=day), datetime.min.time()) + timedelta(
            hours=10
        )
        add(1, at, "page_view", f"SHARED-{day}", "ios")
        add(2, at, "add_to_cart", f"SHARED-{day}", "android")
        add(2, at + timedelta(minutes=30), "checkout", f"SHARED-{day}", "android")
        add(1, at + timedelta(hours=1), "order_paid", f"SHARED-{day}", "ios")
        add(3, at, "page_view", f"TWO-DEVICES-{day}", "ios")
        add(3, at, "add_to_cart", f"TWO-DEVICES-{day}", "")
        add(3, at, "checkout", f"TWO-DEVICES-{day}", "ios")
    # a session of the first import continued on a later day, on another device
    early = datetime.combine(SPLIT - timedelta(days=1), datetime.min.time())
    add(4, early + timedelta(hours=9), "page_view", "LONG", "ios")
    add(4, early + timedelta(days=2, hours=9), "add_to_cart", "LONG", "android")
    add(4, early + timedelta(days=2, hours=9), "checkout", "LONG", "android")
    events.sort()
    header = "event_id,member_id,event_time,event_type,session_id,device,keyword"
    return "\n".join(members) + "\n", events, header


def write_import(store, folder: Path, members: str | None, events: list[tuple], header: str):
    folder.mkdir(parents=True)
    if members is not None:
        (folder / "members.csv").write_text(members, encoding="utf-8")
    lines = [header] + [line for _, line in events]
    (folder / "events.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = import_dir(store, folder, reports_dir=folder / "reports")
    assert report.status != "rejected"


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """The generated store, built by one import."""
    folder = tmp_path_factory.mktemp("generated")
    store = open_store(folder / "store.duckdb")
    members, events, header = generated_files()
    write_import(store, folder / "all", members, events, header)
    yield store
    close_store(store.path)


def generated_filters(rng: random.Random, first: date, last: date) -> dict[str, GlobalFilters]:
    found = {
        "all": GlobalFilters(start=first, end=last),
        "one day": GlobalFilters(start=SPLIT, end=SPLIT),
        "narrow": GlobalFilters(
            start=last - timedelta(days=20), end=last, regions=(REGIONS[0],), tiers=("normal",)
        ),
        "member device": GlobalFilters(start=first, end=last, devices=("android",)),
    }
    for n in range(4):
        start = first + timedelta(days=rng.randrange(DAYS))
        end = min(start + timedelta(days=rng.randrange(1, 15)), last)
        found[f"random {n}"] = GlobalFilters(start=start, end=end)
    return found


def test_generated_store_has_what_it_is_made_for(generated):
    assert generated.scalar("select count(distinct session_id) from funnel_day where shared") == 7
    ties = generated.scalar(
        "select count(*) from (select member_key, event_time from events "
        "where event_type in ('page_view', 'add_to_cart', 'checkout', 'order_paid') "
        "group by all having count(distinct event_type) > 1)"
    )
    assert ties > 50
    over_midnight = generated.scalar(
        "select count(*) from (select session_id from events where session_id is not null "
        "group by 1 having count(distinct cast(event_time as date)) > 1)"
    )
    assert over_midnight > 5
    assert generated.scalar("select count(*) from events where session_id is null") > 20
    assert generated.scalar("select count(*) from events where device is null") > 100


def test_generated_rollup_tables_equal_their_definitions(generated):
    assert_tables_equal_definitions(generated)


def test_generated_views_equal_the_raw_event_sql(generated, monkeypatch):
    first, last = generated.scalar("select min(day) from member_day"), generated.last_event_day()
    rng = random.Random(3)
    for as_of in (last, SPLIT + timedelta(days=3)):
        filters = generated_filters(rng, first, as_of)
        assert assert_views_equal(generated, monkeypatch, filters, as_of) == 14 * len(filters)
        assert_best_contact_equal(generated, monkeypatch, as_of)


def test_generated_funnel_has_every_kind_of_chain(generated):
    last = generated.last_event_day()
    everything = GlobalFilters(start=START, end=last)
    sessions = metrics.funnel(generated, everything, last, unit="session")
    assert sessions["sessions"].tolist()[0] > sessions["sessions"].tolist()[-1] > 0
    members = metrics.funnel(generated, everything, last, unit="member", dimension="device")
    assert set(members["group"]) == {"", "android", "ios"}


# -- incremental maintenance and the migration ----------------------------------------------


def snapshot(store, table: str) -> pd.DataFrame:
    frame = store.df(f"select * from {table}")  # noqa: S608
    return frame.sort_values(list(frame.columns)).reset_index(drop=True)


def test_incremental_import_equals_a_full_rebuild(tmp_path, monkeypatch):
    store = open_store(tmp_path / "store.duckdb")
    try:
        members, events, header = generated_files()
        before = [event for event in events if event[0].date() < SPLIT]
        after = [event for event in events if event[0].date() >= SPLIT]
        write_import(store, tmp_path / "first", members, before, header)
        first_rows = {
            table: store.scalar(f"select count(*) from {table}") for table in ROLLUP_TABLES
        }  # noqa: S608
        write_import(store, tmp_path / "second", None, after, header)
        assert store.meta(rollups.WATERMARK) is not None
        incremental = {table: snapshot(store, table) for table in ROLLUP_TABLES}
        for table in ROLLUP_TABLES:
            assert len(incremental[table]) > first_rows[table] > 0, table
        # the long session became shared by the second import
        assert store.scalar("select bool_and(shared) from funnel_day where session_id = 'LONG'")
        with store.transaction() as cur:
            rollups.refresh_rollups(cur, full=True)
        for table in ROLLUP_TABLES:
            pd.testing.assert_frame_equal(incremental[table], snapshot(store, table), obj=table)
        assert_tables_equal_definitions(store)
        last = store.last_event_day()
        filters = generated_filters(random.Random(5), START, last)
        assert_views_equal(store, monkeypatch, filters, last)
    finally:
        close_store(store.path)


def test_migration_builds_the_rollups_of_an_existing_store(generated, tmp_path):
    copy = tmp_path / "old.duckdb"
    expected = {table: snapshot(generated, table) for table in ROLLUP_TABLES}
    generated.con.execute("checkpoint")
    shutil.copy(generated.path, copy)
    old = open_store(copy)
    with old.transaction() as cur:
        for table in ROLLUP_TABLES:
            cur.execute(f"drop table {table}")  # noqa: S608
        cur.execute("delete from schema_migrations where version = 8")
    close_store(copy)
    upgraded = open_store(copy)
    try:
        for table in ROLLUP_TABLES:
            pd.testing.assert_frame_equal(expected[table], snapshot(upgraded, table), obj=table)
    finally:
        close_store(copy)


def test_attribute_changes_reach_the_rollups(tmp_path):
    store = open_store(tmp_path / "store.duckdb")
    try:
        members, events, header = generated_files()
        write_import(store, tmp_path / "in", members, events, header)
        key = store.scalar("select member_key from members where member_id = 'M0'")
        with store.transaction() as cur:
            cur.execute("update members set region = '上海市' where member_key = $k", {"k": key})
            rollups.sync_member_attributes(cur, [key])
        for table in ROLLUP_TABLES:
            regions = store.df(
                f"select distinct region from {table} where member_key = $k",  # noqa: S608
                {"k": key},
            )["region"].tolist()
            assert regions == ["上海市"], table
    finally:
        close_store(store.path)

"""Activity from orders (SPEC §4 "Active": an event or a paid order on the day).

A store holding members and orders and no events (what most shops export, e.g. the CDNOW
purchase history) has activity, retention, lifecycle, LTV and tags from its orders:

Orders-only fixture (dates without times, as-of 1997-03-31, the last order day):

    member  signup      orders (day, amount, status)
    A       1997-01-01  01-01 10.00, 01-01 5.00 (two orders, one active day), 02-05 0.00
                        ($0 order: active, no revenue), 03-31 7.50
    B       1997-01-01  01-01 20.00, 03-10 30.00 refunded (active that day, never revenue)
    C       1997-01-15  01-20 15.00 (a member with one order)
    D       1997-02-03  02-03 12.00, 03-01 8.00
    E       1997-02-10  none

DAU = distinct buyers per day: 01-01 2 (A, B), 01-20 1, 02-03 1, 02-05 1, 03-01 1, 03-10 1,
03-31 1. Monthly retention by signup month ("on"): January {A, B, C} month 0 3/3, month 1
(Feb: A) 1/3, month 2 (Mar: A, B) 2/3; February {D, E} month 0 1/2, month 1 (Mar: D) 1/2 —
and the test computes the same from the raw rows with pandas. LTV of the January cohort
(paid revenue only): month 0 15 + 20 + 15 = 50, month 1 + 0 = 50, month 2 + 7.50 = 57.50,
per member ÷ 3. Tags as of 03-31 (dormant = no activity in the 30 days 03-02 … 03-31,
signed up 30+ days before): C (last 01-20), D (last 03-01), E (never); A and B are active
on 03-31 and 03-10 through their orders. High value = the top ceil(20% × 5) = 1 by paid
spend: A 22.50 (B 20, D 20, C 15; B's refund left out).
"""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest

from core import cli, data_shape, metrics, rollups, segments
from core.filters import GlobalFilters
from core.ingest import import_dir
from core.refresh import refresh
from core.store import close_store, open_store

AS_OF = date(1997, 3, 31)
SPRING = GlobalFilters(date(1997, 1, 1), AS_OF)

MEMBERS = (
    "member_id,signup_at,channel\n"
    "A,1997-01-01,web\n"
    "B,1997-01-01,web\n"
    "C,1997-01-15,store\n"
    "D,1997-02-03,store\n"
    "E,1997-02-10,web\n"
)
ORDERS = (
    "order_id,member_id,paid_at,amount,status\n"
    "1,A,1997-01-01,10.00,paid\n"
    "2,A,1997-01-01,5.00,paid\n"
    "3,B,1997-01-01,20.00,paid\n"
    "4,A,1997-02-05,0.00,paid\n"
    "5,B,1997-03-10,30.00,refunded\n"
    "6,C,1997-01-20,15.00,paid\n"
    "7,D,1997-02-03,12.00,paid\n"
    "8,D,1997-03-01,8.00,paid\n"
    "9,A,1997-03-31,7.50,paid\n"
)


def load(store, folder, files: dict[str, str]):
    folder.mkdir(parents=True, exist_ok=True)
    for table, text in files.items():
        (folder / f"{table}.csv").write_text(text, encoding="utf-8")
    report = import_dir(store, folder, reports_dir=folder / "reports")
    assert report.status == "loaded"
    return report


@pytest.fixture
def store(tmp_path):
    s = open_store(tmp_path / "orders.duckdb")
    load(s, tmp_path / "in", {"members": MEMBERS, "orders": ORDERS})
    yield s
    close_store(s.path)


def raw_orders() -> pd.DataFrame:
    lines = [line.split(",") for line in ORDERS.strip().split("\n")[1:]]
    frame = pd.DataFrame(lines, columns=["order_id", "member_id", "paid_at", "amount", "status"])
    frame["day"] = pd.to_datetime(frame["paid_at"])
    return frame


def raw_members() -> pd.DataFrame:
    lines = [line.split(",") for line in MEMBERS.strip().split("\n")[1:]]
    frame = pd.DataFrame(lines, columns=["member_id", "signup_at", "channel"])
    frame["signup"] = pd.to_datetime(frame["signup_at"])
    return frame


def test_the_as_of_date_is_the_last_order_day(store):
    assert store.last_event_day() == AS_OF
    assert metrics.data_bounds(store) == (date(1997, 1, 1), AS_OF)


def test_dau_is_distinct_buyers_per_day(store):
    daily = metrics.activity_daily(store, SPRING, AS_OF).set_index("date")["dau"]
    expected = raw_orders().groupby("day")["member_id"].nunique()
    assert expected.to_dict() == {
        pd.Timestamp("1997-01-01"): 2,
        pd.Timestamp("1997-01-20"): 1,
        pd.Timestamp("1997-02-03"): 1,
        pd.Timestamp("1997-02-05"): 1,
        pd.Timestamp("1997-03-01"): 1,
        pd.Timestamp("1997-03-10"): 1,
        pd.Timestamp("1997-03-31"): 1,
    }
    assert daily[daily > 0].to_dict() == expected.to_dict()
    assert daily.sum() == 8


def test_monthly_retention_equals_pandas_from_the_raw_rows(store):
    matrix = metrics.retention_matrix(store, SPRING, AS_OF, cohort="month")
    got = {
        (row.cohort.strftime("%Y-%m"), row.period): (row.cohort_size, row.retained)
        for row in matrix.itertuples()
        if not pd.isna(row.retained)
    }
    # the definition, from the raw rows: cohort = signup month; retained in month N = a
    # member of the cohort with an order (any status, any amount) in cohort month + N
    members = raw_members()
    members["cohort"] = members["signup"].dt.to_period("M")
    orders = raw_orders().merge(members[["member_id", "cohort"]])
    orders["period"] = (orders["day"].dt.to_period("M") - orders["cohort"]).apply(lambda p: p.n)
    sizes = members.groupby("cohort").size()
    expected = {}
    for cohort, size in sizes.items():
        for period in range((AS_OF.year - cohort.year) * 12 + AS_OF.month - cohort.month + 1):
            retained = orders[(orders["cohort"] == cohort) & (orders["period"] == period)]
            expected[(str(cohort), period)] = (size, retained["member_id"].nunique())
    assert expected == {
        ("1997-01", 0): (3, 3),
        ("1997-01", 1): (3, 1),
        ("1997-01", 2): (3, 2),
        ("1997-02", 0): (2, 1),
        ("1997-02", 1): (2, 1),
    }
    assert got == expected


def test_ltv_counts_paid_revenue_only(store):
    ltv = metrics.ltv_cohorts(store, SPRING, AS_OF)
    january = ltv[ltv["cohort"] == pd.Timestamp("1997-01-01")].set_index("months_since_signup")
    assert january.loc[0, "revenue"] == pytest.approx(50.0)
    assert january.loc[1, "revenue"] == pytest.approx(50.0)
    assert january.loc[2, "ltv"] == pytest.approx(57.5 / 3)


def test_lifecycle_from_orders(store):
    frame = metrics.lifecycle(store, SPRING, AS_OF, unit="month").set_index("period")
    march = frame.loc[pd.Timestamp("1997-03-01")]
    # active in March: A (Feb too: returning), B (not Feb: resurrecting), D (Feb: returning);
    # active in February, not March: none (A and D both came back)
    assert (march["returning"], march["resurrecting"], march["dormant"]) == (2, 1, 0)


def test_tags_are_snapshotted_from_orders(store):
    assert segments.latest_snapshot(store) == AS_OF
    tags = segments.tags_on(store, AS_OF)
    ids = dict(store.df("select member_key, member_id from members").values)
    held = {tag: {ids[k] for k in group["member_key"]} for tag, group in tags.groupby("tag")}
    assert held["dormant"] == {"C", "D", "E"}
    assert held["high_value"] == {"A"}


# -- a store with events and orders ----------------------------------------------------------

MIXED_MEMBERS = "member_id,signup_at\nA,2025-03-01 09:00:00\nB,2025-03-01 09:00:00\n"
MIXED_EVENTS = (
    "event_id,member_id,event_time,event_type,amount\n"
    "e1,A,2025-03-01 10:00:00,page_view,\n"
    "e2,A,2025-03-01 10:05:00,order_paid,50\n"
)
# o1 is the order_paid event e2; o2 is B's order on a day without events
MIXED_ORDERS = (
    "order_id,member_id,paid_at,amount\no1,A,2025-03-01 10:05:00,50\no2,B,2025-03-02 12:00:00,30\n"
)


def test_an_order_that_is_also_an_order_paid_event_counts_once(tmp_path):
    store = open_store(tmp_path / "mixed.duckdb")
    try:
        load(store, tmp_path / "in", {"members": MIXED_MEMBERS, "events": MIXED_EVENTS})
        load(store, tmp_path / "in2", {"orders": MIXED_ORDERS})
        days = store.df(
            "select m.member_id, d.day, d.events, d.orders_paid, d.orders from member_day d "
            "join members m using (member_key) order by all"
        )
        assert days.astype({"day": str}).values.tolist() == [
            ["A", "2025-03-01", 2, 1, 1],
            ["B", "2025-03-02", 0, 0, 1],
        ]
        march = GlobalFilters(date(2025, 3, 1), date(2025, 3, 2))
        as_of = store.last_event_day()
        assert as_of == date(2025, 3, 2)
        trend = metrics.daily_trend(store, march, as_of)
        assert trend["active_members"].tolist() == [1, 1]
        assert trend["orders"].tolist() == [1, 1]
        assert trend["revenue"].tolist() == [50.0, 30.0]
        kpis = metrics.overview(store, march, as_of)
        assert kpis["orders"].value == 2
        assert kpis["dau"].value == 1.0
    finally:
        close_store(store.path)


# -- incremental builds ----------------------------------------------------------------------

INC_MEMBERS = (
    "member_id,signup_at\nA,2025-01-01 09:00:00\nB,2025-01-02 09:00:00\nC,2025-01-03 09:00:00\n"
)
INC_EVENTS = (
    "event_id,member_id,event_time,event_type\n"
    "e1,A,2025-01-05 08:00:00,page_view\n"
    "e2,B,2025-01-06 10:00:00,page_view\n"
    "e3,A,2025-01-20 08:00:00,login\n"
)
INC_ORDERS = (
    "order_id,member_id,paid_at,amount\n"
    "o1,A,2025-01-10 12:00:00,100\n"
    "o2,C,2025-01-12 12:00:00,40\n"
    "o3,B,2025-01-06 11:00:00,0\n"
)
# o2 moves from 01-12 to 01-25 (its old day loses its only activity); o4 is new
MORE_ORDERS = (
    "order_id,member_id,paid_at,amount\no2,C,2025-01-25 12:00:00,40\no4,B,2025-01-22 12:00:00,70\n"
)


def rollup_tables(store) -> dict[str, pd.DataFrame]:
    return {
        rollup.table: store.df(f"select * from {rollup.table} order by all")  # noqa: S608
        for rollup in rollups.ROLLUPS
    }


def test_orders_imported_after_events_equal_a_full_rebuild(tmp_path):
    store = open_store(tmp_path / "inc.duckdb")
    try:
        load(store, tmp_path / "a", {"members": INC_MEMBERS, "events": INC_EVENTS})
        load(store, tmp_path / "b", {"orders": INC_ORDERS})
        # the orders start after the first rolled-up day: a partial build from 01-06
        assert store.meta(rollups.WATERMARK) == "2"
        after_orders = rollup_tables(store)
        refresh(store)
        full = rollup_tables(store)
        for table in full:
            pd.testing.assert_frame_equal(after_orders[table], full[table], obj=table)
        chain = store.df(
            "select m.member_id, d.day, d.prev_day, d.next_day, d.first_day from member_day d "
            "join members m using (member_key) order by all"
        ).astype(str)
        assert chain.values.tolist() == [
            ["A", "2025-01-05", "NaT", "2025-01-10", "2025-01-05"],
            ["A", "2025-01-10", "2025-01-05", "2025-01-20", "2025-01-05"],
            ["A", "2025-01-20", "2025-01-10", "NaT", "2025-01-05"],
            ["B", "2025-01-06", "NaT", "NaT", "2025-01-06"],
            ["C", "2025-01-12", "NaT", "NaT", "2025-01-12"],
        ]

        load(store, tmp_path / "c", {"orders": MORE_ORDERS})
        incremental = rollup_tables(store)
        refresh(store)
        full = rollup_tables(store)
        for table in full:
            pd.testing.assert_frame_equal(incremental[table], full[table], obj=table)
        days = store.df(
            "select m.member_id, d.day from member_day d join members m using (member_key) "
            "where m.member_id in ('B', 'C') order by all"
        ).astype(str)
        assert days.values.tolist() == [
            ["B", "2025-01-06"],
            ["B", "2025-01-22"],
            ["C", "2025-01-25"],
        ]
    finally:
        close_store(store.path)


# -- which kinds of data a store holds --------------------------------------------------------


def test_data_shape_of_an_orders_only_store(store):
    shape = data_shape.data_shape(store)
    assert shape.present() == ["members", "orders", "channels"]
    assert shape.activity
    assert data_shape.missing_note(shape, "funnel") == "shape.missing.page_views"
    assert data_shape.missing_note(shape, "hours") == "shape.missing.times_of_day"
    assert data_shape.missing_note(shape, "keywords") == "shape.missing.searches"
    assert data_shape.missing_note(shape, "purchase_rates") == "shape.missing.categories"


SHAPED_EVENTS = (
    "member_id,event_time,event_type,session_id,keyword\n"
    "A,2025-03-01 00:00:00,page_view,,\n"  # no session, midnight
    "A,2025-03-02 00:00:00,search,,裙子\n"
    "B,2025-03-02,order_paid,,\n"
)


def test_data_shape_sees_sessions_searches_and_times(tmp_path):
    store = open_store(tmp_path / "shaped.duckdb")
    try:
        load(store, tmp_path / "a", {"members": MIXED_MEMBERS, "events": SHAPED_EVENTS})
        shape = data_shape.data_shape(store)
        # every event time is midnight: dates only
        assert (shape.events, shape.page_views, shape.searches) == (True, True, True)
        assert (shape.sessions, shape.times_of_day, shape.orders) == (False, False, True)
        assert data_shape.missing_note(shape, "funnel") is None
        assert data_shape.missing_note(shape, "funnel_session") == "shape.missing.sessions"
        timed = "member_id,event_time,event_type,session_id\nB,2025-03-03 14:30:00,login,s1\n"
        load(store, tmp_path / "b", {"events": timed})
        # times on two hours of day now; a login in a session is no funnel session
        shape = data_shape.data_shape(store)
        assert (shape.times_of_day, shape.sessions) == (True, False)
    finally:
        close_store(store.path)


def test_info_lists_the_kinds_of_data_and_their_pages(store, capsys):
    path = str(store.path)
    close_store(store.path)
    assert cli.main(["info", "--db", path, "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["activity_date_range"] == ["1997-01-01", "1997-03-31"]
    held = {kind for kind, entry in info["data"].items() if entry["present"]}
    assert held == {"members", "orders", "channels"}
    assert set(info["data"]) == set(data_shape.KINDS)
    assert "hours" in info["data"]["times_of_day"]["pages"]
    assert "funnel" in info["data"]["sessions"]["pages"]
    assert cli.main(["info", "--db", path]) == 0
    text = capsys.readouterr().out
    assert "  times of day                 no   hours, alerts, member_profile" in text
    assert "  orders                       yes  overview, activity, retention" in text


# -- time of day ------------------------------------------------------------------------------


def hours_of(store) -> list[list]:
    return (
        store.df(
            "select m.member_id, h.day, h.hour, h.events from member_hour h "
            "join members m using (member_key) order by all"
        )
        .astype({"day": str})
        .values.tolist()
    )


def test_orders_with_times_are_activity_by_hour_once(tmp_path):
    store = open_store(tmp_path / "hours.duckdb")
    try:
        load(store, tmp_path / "a", {"members": MIXED_MEMBERS, "events": MIXED_EVENTS})
        load(store, tmp_path / "b", {"orders": MIXED_ORDERS})
        # A's 10h: the page view and the order_paid event; order o1 is that event (once)
        assert hours_of(store) == [["A", "2025-03-01", 10, 2], ["B", "2025-03-02", 12, 1]]
        assert data_shape.data_shape(store).times_of_day
    finally:
        close_store(store.path)


def test_orders_with_dates_only_add_no_midnight_activity(tmp_path, store):
    # the orders-only store: every order is midnight, so member_hour holds nothing
    assert hours_of(store) == []
    assert not data_shape.data_shape(store).times_of_day
    mixed = open_store(tmp_path / "mixed.duckdb")
    try:
        load(mixed, tmp_path / "a", {"members": MIXED_MEMBERS, "events": MIXED_EVENTS})
        dated = "order_id,member_id,paid_at,amount\no2,B,2025-03-02,30\n"
        load(mixed, tmp_path / "b", {"orders": dated})
        assert hours_of(mixed) == [["A", "2025-03-01", 10, 2]]
        # timed orders arrive: member_hour is rebuilt counting every file order
        timed = "order_id,member_id,paid_at,amount\no3,B,2025-03-03 15:00:00,10\n"
        load(mixed, tmp_path / "c", {"orders": timed})
        assert hours_of(mixed) == [
            ["A", "2025-03-01", 10, 2],
            ["B", "2025-03-02", 0, 1],
            ["B", "2025-03-03", 15, 1],
        ]
    finally:
        close_store(mixed.path)


def test_migration_18_rebuilds_the_activity_of_an_existing_store(tmp_path):
    path = tmp_path / "old.duckdb"
    store = open_store(path)
    load(store, tmp_path / "in", {"members": MEMBERS, "orders": ORDERS})
    # the store as schema 17 left it: member_day from events only (none here)
    with store.transaction() as cur:
        cur.execute("delete from member_day")
        cur.execute("delete from member_week")
        cur.execute("delete from member_month")
        cur.execute("alter table member_day drop column orders")
        cur.execute("delete from schema_migrations where version = 18")
        cur.execute("delete from meta where key = $k", {"k": rollups.ORDERS_TIMED})
    close_store(path)
    store = open_store(path)
    try:
        assert store.scalar("select count(*) from member_day") == 8
        assert store.scalar("select sum(orders) from member_day") == 9
        # months: A Jan Feb Mar, B Jan Mar, C Jan, D Feb Mar
        assert store.scalar("select count(*) from member_month") == 8
        assert store.last_event_day() == AS_OF
        # member_hour rebuilt too, recording that these orders (dates alone) have no times
        assert store.meta(rollups.ORDERS_TIMED) == "false"
    finally:
        close_store(path)


# -- real data: the CDNOW sample as an orders-only store ----------------------------------------


def test_cdnow_sample_as_orders_only_store(tmp_path):
    """The CDNOW sample (2,357 customers' purchases 1997-01 … 1998-06, dates only) imported
    as members (signed up on their first purchase day) and orders: DAU equals distinct buyers
    per day and the monthly retention matrix equals pandas on the raw file."""
    from data.cdnow import read_transactions

    raw = read_transactions("sample").rename(columns={"date": "day"})
    signup = raw.groupby("customer_id")["day"].min().rename("signup").reset_index()
    folder = tmp_path / "cdnow"
    folder.mkdir()
    members = signup.assign(signup_at=signup["signup"].dt.strftime("%Y-%m-%d"))
    members.rename(columns={"customer_id": "member_id"})[["member_id", "signup_at"]].to_csv(
        folder / "members.csv", index=False
    )
    orders = raw.assign(
        order_id=[f"o{i}" for i in range(len(raw))],
        member_id=raw["customer_id"],
        paid_at=raw["day"].dt.strftime("%Y-%m-%d"),
    )
    orders[["order_id", "member_id", "paid_at", "amount"]].to_csv(
        folder / "orders.csv", index=False
    )
    store = open_store(tmp_path / "cdnow.duckdb")
    try:
        assert import_dir(store, folder, reports_dir=folder / "reports").status == "loaded"
        as_of = raw["day"].max().date()
        assert store.last_event_day() == as_of
        spring = GlobalFilters(date(1997, 1, 1), date(1997, 6, 30))
        daily = metrics.activity_daily(store, spring, as_of).set_index("date")["dau"]
        buyers = raw[raw["day"] <= "1997-06-30"].groupby("day")["customer_id"].nunique()
        assert buyers.sum() > 1000
        assert {k.date(): int(v) for k, v in daily[daily > 0].items()} == {
            k.date(): int(v) for k, v in buyers.items()
        }

        matrix = metrics.retention_matrix(store, spring, as_of, cohort="month", max_period=12)
        got = matrix.dropna(subset=["retained"]).set_index(["cohort", "period"])["retained"]
        raw = raw.merge(signup)
        raw["cohort"] = raw["signup"].dt.to_period("M")
        raw["period"] = (raw["day"].dt.to_period("M") - raw["cohort"]).apply(lambda p: p.n)
        expected = (
            raw[(raw["cohort"] <= pd.Period("1997-06", "M")) & (raw["period"] <= 12)]
            .groupby(["cohort", "period"])["customer_id"]
            .nunique()
        )
        assert len(expected) == 3 * 13  # every first purchase is in Jan-Mar 1997; months 0-12
        assert {(c.strftime("%Y-%m"), int(p)): int(v) for (c, p), v in got.items()} == {
            (str(c), int(p)): int(v) for (c, p), v in expected.items()
        }
    finally:
        close_store(store.path)


def test_one_constant_clock_time_is_no_time_of_day(tmp_path):
    store = open_store(tmp_path / "noon.duckdb")
    try:
        noon = (
            "member_id,event_time,event_type\n"
            "A,2025-03-01 12:00:00,login\n"
            "B,2025-03-02 12:00:00,page_view\n"
            "A,2025-03-05 12:00:00,login\n"
        )
        load(store, tmp_path / "a", {"members": MIXED_MEMBERS, "events": noon})
        assert not data_shape.data_shape(store).times_of_day
        # a file of orders with one clock time adds none either
        orders = "order_id,member_id,paid_at,amount\no1,A,2025-03-06 12:00:00,5\n"
        load(store, tmp_path / "b", {"orders": orders})
        assert not data_shape.data_shape(store).times_of_day
        load(store, tmp_path / "c", {"events": "member_id,event_time,event_type\nB,2025-03-07 "
             "18:00:00,login\n"})  # fmt: skip
        assert data_shape.data_shape(store).times_of_day
    finally:
        close_store(store.path)

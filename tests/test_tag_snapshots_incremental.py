"""Tag snapshots, saved segments' members and alerts after an import are built only from the
days the import touched, and equal a full build of the same data.

Store: a seeded random programme of 60 members over 2026-03-01 … 2026-05-20 (page views, add
to carts, orders with and without coupons, members going quiet) and 20 regulars whose
activity falls at the end, imported through ``import_dir`` as the importer does.
"Incremental": the history up to 05-15 first, then a second import with 05-16 … 05-20, one
late event on 05-12 and a member signing up on 05-17. "Full": everything in one import.
Both refresh through the importer's path.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from core import segments
from core.ingest import import_dir
from core.refresh import refresh
from core.segments import SegmentDefinition
from core.sqlfiles import sql_text
from core.store import close_store, open_store
from tests.fixtures_segments import AS_OF as FIXTURE_AS_OF
from tests.fixtures_segments import build_segments_store

FIRST_DAY = date(2026, 3, 1)
SPLIT = date(2026, 5, 15)  # the first import ends with this day
LAST_DAY = date(2026, 5, 20)
LATE_DAY = date(2026, 5, 12)  # the second import brings one event of this day
NEW_MEMBER_DAY = date(2026, 5, 17)
WINDOW_START = LAST_DAY - timedelta(days=segments.SNAPSHOT_BACKFILL_DAYS - 1)
TIMES = ("09:15:00", "13:40:00", "21:05:00")


def _programme() -> tuple[list[str], list[str], list[str]]:
    """Members, events and orders as CSV lines (each with the day it belongs to first)."""
    rng = random.Random(12)
    members, events, orders = [], [], []
    for n in range(60):
        signup = FIRST_DAY + timedelta(days=rng.randrange(0, 60))
        quiet_from = signup + timedelta(days=rng.randrange(10, 90))  # then inactive
        channel = ("wechat", "douyin")[n % 2]
        members.append((signup, f"M{n:03d},{signup} 08:00:00,{channel}"))
        heavy = n % 5 == 0  # active most days: browse_no_order when they never buy
        day = signup
        while day <= LAST_DAY:
            if day < quiet_from and rng.random() < (0.7 if heavy else 0.25):
                at = f"{day} {rng.choice(TIMES)}"
                events.append((day, f"M{n:03d},{at},page_view,E{len(events)}"))
                if rng.random() < 0.3:
                    events.append((day, f"M{n:03d},{at},add_to_cart,E{len(events)}"))
                if not heavy and rng.random() < 0.3:
                    coupon = "CP" if n % 3 == 0 or rng.random() < 0.2 else ""
                    amount = rng.choice((5, 20, 80, 300))
                    orders.append(
                        (day, f"O{len(orders)},M{n:03d},{day} 22:00:00,{amount},{coupon}")
                    )
            day += timedelta(days=1)
    # 20 regulars of the app channel, active every day until 05-16, then 15, 10, 5, 2 of
    # them: the "each channel" rule fires on 05-19
    for n in range(20):
        members.append((FIRST_DAY, f"R{n:02d},{FIRST_DAY} 08:00:00,app"))
        day = FIRST_DAY
        while day <= LAST_DAY:
            falling = {date(2026, 5, 17): 15, date(2026, 5, 18): 10, date(2026, 5, 19): 5}
            if n < falling.get(day, 2 if day == LAST_DAY else 20):
                events.append((day, f"R{n:02d},{day} 10:00:00,page_view,E{len(events)}"))
            day += timedelta(days=1)
    return members, events, orders


def _write(folder, members, events, orders) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "members.csv").write_text("member_id,signup_at,channel\n" + "\n".join(members))
    (folder / "events.csv").write_text(
        "member_id,event_time,event_type,event_id\n" + "\n".join(events)
    )
    (folder / "orders.csv").write_text(
        "order_id,member_id,paid_at,amount,coupon_id\n" + "\n".join(orders)
    )


def _import(store, folder):
    report = import_dir(store, folder, reports_dir=folder / "reports")
    assert report.status == "loaded", report
    return report


def _save_segments(store) -> None:
    # tier groups count each day's actives by today's tiers, so a day evaluated before a
    # later import moved tiers and the same day evaluated after it differ by design
    store.con.execute("update alert_rules set enabled = group_kind <> 'tier'")
    for name, definition in (
        ("quiet wechat", SegmentDefinition(channels=("wechat",), any_tags=("dormant",))),
        ("valuable", SegmentDefinition(any_tags=("high_value", "coupon_driven"))),
    ):
        segments.save_segment(store, "analyst", "ana", name, definition)


def _state(store) -> dict:
    """What pages and filters read: members per tag on each snapshot day of the window, the
    snapshot days, who joined or left each tag on each day, saved segments' members, alerts."""
    held = store.con.execute(
        "select d.day, s.tag, m.member_id from tag_snapshot_days d "
        "join tag_spells s on s.joined_on <= d.day and (s.left_on is null or s.left_on > d.day) "
        "join members m using (member_key) where d.day >= $start",
        {"start": WINDOW_START},
    ).fetchall()
    # joins and leaves after the window's first day (on it, a full build starts every spell)
    changes = store.con.execute(
        "select s.tag, m.member_id, 'joined', s.joined_on from tag_spells s "
        "join members m using (member_key) where s.joined_on > $start "
        "union all select s.tag, m.member_id, 'left', s.left_on from tag_spells s "
        "join members m using (member_key) where s.left_on > $start",
        {"start": WINDOW_START},
    ).fetchall()
    days = store.con.execute(
        "select day, members_tagged from tag_snapshot_days where day >= $start order by 1",
        {"start": WINDOW_START},
    ).fetchall()
    members = store.con.execute(
        "select b.segment_id, b.as_of, m.member_id from segment_members s "
        "join segment_builds b using (segment_id) join members m using (member_key) "
        "order by 1, 3"
    ).fetchall()
    alerts = store.con.execute(
        "select rule_id, group_value, start_day, fired_on, last_day, decline_days, baseline, "
        "latest, round(drop_share, 12), affected, best_hour, action, status, cleared_on "
        "from alerts where fired_on >= $start order by rule_id, group_value, fired_on",
        {"start": LAST_DAY - timedelta(days=segments.ALERT_REPLAY_DAYS - 1)},
    ).fetchall()
    return {
        "held": sorted(held),
        "changes": sorted(changes),
        "days": days,
        "segment_members": members,
        "alerts": alerts,
    }


@pytest.fixture()
def programme():
    return _programme()


def _split(rows, through: date):
    return [line for day, line in rows if day <= through], [
        line for day, line in rows if day > through
    ]


def _full_store(tmp_path, programme):
    members, events, orders = programme
    store = open_store(tmp_path / "full.duckdb")
    _save_segments(store)
    folder = tmp_path / "full"
    _write(folder, [m for _, m in members], [e for _, e in events], [o for _, o in orders])
    _import(store, folder)
    return store


def test_an_import_of_new_days_refreshes_from_its_first_day_and_equals_a_full_build(
    tmp_path, programme
):
    members, events, orders = programme
    late = [(d, line) for d, line in events if d == LATE_DAY][:1]
    assert late, "the programme has an event on the late day"
    first_events, later_events = _split([e for e in events if e not in late], SPLIT)
    first_members, later_members = _split(members, SPLIT)
    first_orders, later_orders = _split(orders, SPLIT)
    new_member = (NEW_MEMBER_DAY, f"M999,{NEW_MEMBER_DAY} 10:00:00,wechat")
    new_member_event = (NEW_MEMBER_DAY, f"M999,{NEW_MEMBER_DAY} 10:05:00,page_view,E-new")

    store = open_store(tmp_path / "incremental.duckdb")
    _save_segments(store)
    _write(tmp_path / "first", first_members, first_events, first_orders)
    _import(store, tmp_path / "first")
    assert segments.latest_snapshot(store) == SPLIT

    seen = []
    from core import refresh as refresh_module

    original = refresh_module.refresh

    def recording(*args, **kwargs):
        report = original(*args, **kwargs)
        seen.append(report)
        return report

    refresh_module.refresh = recording
    try:
        _write(
            tmp_path / "second",
            [*later_members, new_member[1]],
            [*later_events, late[0][1], new_member_event[1]],
            later_orders,
        )
        _import(store, tmp_path / "second")
    finally:
        refresh_module.refresh = original
    # the late event's day and every day after it are snapshotted again, not the 60 days
    assert seen[0].tag_days == (LAST_DAY - LATE_DAY).days + 1
    assert segments.snapshot_days(store)[0] == SPLIT - timedelta(days=59)

    full = _full_store(tmp_path, programme_with(programme, new_member, new_member_event))
    incremental_state, full_state = _state(store), _state(full)
    for key in ("days", "held", "changes", "segment_members", "alerts"):
        assert incremental_state[key] == full_state[key], key
    # the programme exercises the tags and alerts it is meant to compare
    tags = {tag for _, tag, _ in full_state["held"]}
    assert {"dormant", "new", "high_value", "coupon_driven"} <= tags
    assert full_state["segment_members"]
    assert ("app", date(2026, 5, 19)) in {(alert[1], alert[3]) for alert in full_state["alerts"]}
    close_store(store.path)
    close_store(full.path)


def programme_with(programme, member, event):
    members, events, orders = programme
    return [*members, member], [*events, event], orders


def test_a_member_cancelled_without_new_activity_recomputes_the_whole_window(tmp_path, programme):
    members, events, orders = programme
    store = _full_store(tmp_path, programme)
    dormant_member = next(
        member_id
        for (member_id,) in store.con.execute(
            "select distinct m.member_id from tag_spells s join members m using (member_key) "
            "where s.tag = 'dormant' and s.joined_on < $day order by 1",
            {"day": LAST_DAY - timedelta(days=30)},
        ).fetchall()
    )
    folder = tmp_path / "cancel"
    folder.mkdir()
    signup = store.scalar(
        "select signup_at from members where member_id = $id", {"id": dormant_member}
    )
    (folder / "members.csv").write_text(
        f"member_id,signup_at,status\n{dormant_member},{signup},cancelled\n"
    )
    assert _import(store, folder).files["members"].updated == 1
    # a full build of the same data: the snapshots forgotten and built again
    with store.transaction() as cur:
        after_import = _state_in(cur)
        cur.execute("delete from tag_spells")
        cur.execute("delete from tag_snapshot_days")
        cur.execute("delete from meta where key in ('alerts_evaluated_through', 'tag_inputs')")
        cur.execute("delete from alerts")
    refresh(store)
    assert after_import == _state_in(store.con)
    assert dormant_member not in {
        member_id for _, tag, member_id in _state_in(store.con) if tag == "dormant"
    }
    close_store(store.path)


def _state_in(cur) -> list[tuple]:
    return sorted(
        cur.execute(
            "select d.day, s.tag, m.member_id from tag_snapshot_days d join tag_spells s "
            "on s.joined_on <= d.day and (s.left_on is null or s.left_on > d.day) "
            "join members m using (member_key)"
        ).fetchall()
    )


def tags_between(con, start: date, end: date, params: dict) -> list[tuple]:
    """(day, tag, member_key) over [start, end] from member_tags_between.sql and the dormant
    runs of dormant_runs_between.sql."""
    others = {k: v for k, v in params.items() if k != "dormant_inactive_days"}
    rows = con.execute(
        sql_text("segments/member_tags_between"), {"start": start, "end": end, **others}
    ).fetchall()
    runs = con.execute(
        sql_text("segments/dormant_runs_between"),
        {"start": start, "end": end, "dormant_inactive_days": params["dormant_inactive_days"]},
    ).fetchall()
    for tag, key, first, last in runs:
        rows += [(first + timedelta(days=n), tag, key) for n in range((last - first).days + 1)]
    return rows


def test_tags_of_a_range_of_days_equal_the_tags_of_each_day(tmp_path):
    """member_tags_between.sql and dormant_runs_between.sql against member_tags_on.sql, day
    by day, on the hand-made store whose members sit on each threshold's edge
    (tests/fixtures_segments.py)."""
    path = tmp_path / "edges.duckdb"
    store = build_segments_store(path)
    params = segments._tag_query_params(segments.tag_thresholds(store))
    start, end = FIXTURE_AS_OF - timedelta(days=40), FIXTURE_AS_OF + timedelta(days=2)
    between = tags_between(store.con, start, end, params)
    by_day = []
    day = start
    while day <= end:
        rows = store.con.execute(
            sql_text("segments/member_tags_on"), {"day": day, **params}
        ).fetchall()
        by_day += [(day, tag, key) for tag, key in rows]
        day += timedelta(days=1)
    assert sorted(between) == sorted(by_day)
    assert len(between) == len(set(between))
    assert {tag for _, tag, _ in between} == set(segments.TAGS)
    close_store(path)


def test_a_refresh_with_nothing_new_recomputes_nothing(tmp_path, programme):
    store = _full_store(tmp_path, programme)
    spells = store.con.execute("select * from tag_spells order by all").fetchall()
    report = refresh(store, incremental=True)
    assert report.tag_days == 0 and report.segments_built == 0
    assert store.con.execute("select * from tag_spells order by all").fetchall() == spells
    assert set(report.step_seconds) == {"orders", "tiers", "rollups", "tags", "segments", "alerts"}
    close_store(store.path)


def test_snapshots_built_a_few_days_at_a_time_equal_one_pass(tmp_path, monkeypatch):
    """Many members make refresh_tags work in chunks of days (SNAPSHOT_CHUNK_MEMBER_DAYS);
    spells cross the chunk boundaries unbroken."""
    spells = []
    for name, budget in (("one_pass", 10_000_000), ("day_by_day", 1)):
        monkeypatch.setattr(segments, "SNAPSHOT_CHUNK_MEMBER_DAYS", budget)
        store = build_segments_store(tmp_path / f"{name}.duckdb")
        with store.transaction() as cur:
            segments.refresh_tags(cur, FIXTURE_AS_OF + timedelta(days=2), backfill_days=20)
        spells.append(store.con.execute("select * from tag_spells order by all").fetchall())
        close_store(store.path)
    assert spells[0] == spells[1]
    assert any(left is None for *_, left in spells[0])
    assert any(left is not None for *_, left in spells[0])

"""Derived data, recomputed after every import and by ``python -m core.cli refresh``.

- orders derived from ``order_paid`` events while no orders file has been imported;
- the rollups, ``member_day`` first (member × active day: an event or an order);
- tiers under the current rules: once per month boundary since the last recompute (so a
  historical import gets a month-by-month tier history) and once at the as-of date, each
  move written to ``tier_history`` with its reason;
- tags, the members of every saved segment (``segment_members``) and alerts (core.segments),
  each only as far as its inputs changed: after an import, tag snapshots and alerts from
  the first day the import touched, segment members when a snapshot, the as-of date or the
  members' attributes changed (see :func:`_refresh_segments`).

Everything runs inside the caller's transaction when one is passed in.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import duckdb

from core import rollups
from core.sqlfiles import sql_text
from core.store import Store

Progress = Callable[[str], None]


@dataclass
class RefreshReport:
    orders_derived: int = 0
    member_days: int = 0
    rollups_from: date | str | None = None
    as_of: date | None = None
    tier_recomputes: list[tuple[date, int]] = field(default_factory=list)
    tag_days: int = 0
    segments_built: int = 0
    open_alerts: int = 0
    seconds: float = 0.0
    # wall seconds per step: orders, tiers, rollups, tags, segments, alerts
    step_seconds: dict[str, float] = field(default_factory=dict)


def month_boundaries(after: date, through: date) -> list[date]:
    """First days of the months that start after ``after`` and on or before ``through``."""
    boundaries = []
    current = date(after.year, after.month, 1)
    while True:
        current = date(current.year + current.month // 12, current.month % 12 + 1, 1)
        if current > through:
            return boundaries
        boundaries.append(current)


SYNC_BY_KEY_LIMIT = rollups.SYNC_BY_KEY_LIMIT  # above this many moves one diff over all rows


def _moved_keys(cur: duckdb.DuckDBPyConnection) -> list[int]:
    return [row[0] for row in cur.execute("select member_key from _tier_moves").fetchall()]


def recompute_tiers(
    cur: duckdb.DuckDBPyConnection,
    as_of: datetime,
    actor: str = "system",
    note: str | None = None,
    spend_basis: str | None = None,
    sync_rollups: bool = True,
) -> int:
    """Recompute every member's tier as of ``as_of`` (exclusive); returns how many moved.

    The moved members' rollup rows get their new tier unless ``sync_rollups`` is False (a
    caller that recomputes several times syncs once at the end)."""
    if spend_basis is None:
        spend_basis = cur.execute(
            "select value from settings where key = 'spend_basis'"
        ).fetchone()[0]
    cur.execute(
        "create or replace temp table _tier_moves as select * from ("  # noqa: S608 (sql/ file)
        + sql_text("tiers/member_tiers")
        + ") where new_tier is distinct from current_tier",
        {"as_of": as_of, "spend_basis": spend_basis},
    )
    moved = cur.execute("select count(*) from _tier_moves").fetchone()[0]
    if moved:
        cur.execute(sql_text("tiers/apply_moves"), {"as_of": as_of, "actor": actor, "note": note})
        cur.execute(
            "update members m set tier = t.new_tier from _tier_moves t "
            "where m.member_key = t.member_key"
        )
        if sync_rollups:
            keys = None if moved > SYNC_BY_KEY_LIMIT else _moved_keys(cur)
            rollups.sync_member_attributes(cur, keys)
            rollups.rebuild_tier_spans(cur)
    cur.execute("drop table _tier_moves")
    return int(moved)


def _first_changed_day(rollups_from: date | str | None, members_from: date | None) -> date | None:
    """The first day whose tags, segments or alerts may differ after this refresh's rollup
    build (``rollups_from``: its first day, None = every day, ``"unchanged"``) and the
    members' and thresholds' changes (``members_from``, see
    :func:`core.segments.tag_inputs_changed_from`); None when neither changed anything."""
    days = [members_from] if members_from is not None else []
    if rollups_from is None:
        days.append(date.min)
    elif isinstance(rollups_from, date):
        days.append(rollups_from)
    return min(days) if days else None


def _segment_inputs(cur: duckdb.DuckDBPyConnection, as_of: date) -> str:
    """What saved segments' members depend on besides the tag snapshots: the as-of day and
    the members' signup and attributes (the segment definitions rebuild themselves)."""
    fingerprint = cur.execute(
        "select coalesce(bit_xor(hash(member_key, signup_at, region, device, tier, channel)), 0) "
        "from members"
    ).fetchone()[0]
    return f"{as_of.isoformat()}:{fingerprint}"


def _refresh_segments(
    cur: duckdb.DuckDBPyConnection,
    as_of: date,
    report: RefreshReport,
    changed_from: date | None,
    progress: Progress,
) -> None:
    """Tags, saved segments' members and alerts after the rollups, each only as far as its
    inputs changed: tag snapshots from ``changed_from`` (and new days) on, segment members
    when a snapshot, the as-of day or the members' attributes changed, alerts from
    ``changed_from`` (and new days) on."""
    from core import segments

    step = time.perf_counter()
    latest = segments.latest_snapshot(cur)
    if changed_from is None and latest == as_of:
        tag_days: list[date] = []  # nothing the tags read changed since the last snapshot
    else:
        tag_days = segments.refresh_tags(cur, as_of, changed_from=changed_from)
    report.tag_days = len(tag_days)
    report.step_seconds["tags"] = time.perf_counter() - step

    step = time.perf_counter()
    inputs = _segment_inputs(cur, as_of)
    built = cur.execute("select value from meta where key = 'segment_inputs'").fetchone()
    missing = cur.execute(
        "select count(*) from saved_segments where segment_id not in "
        "(select segment_id from segment_builds)"
    ).fetchone()[0]
    if tag_days or missing or built is None or built[0] != inputs:
        report.segments_built = len(segments.rebuild_segment_members(cur, as_of))
        cur.execute("insert or replace into meta values ('segment_inputs', $v)", {"v": inputs})
    report.step_seconds["segments"] = time.perf_counter() - step

    step = time.perf_counter()
    report.open_alerts = len(segments.evaluate_alerts(cur, as_of, changed_from=changed_from))
    report.step_seconds["alerts"] = time.perf_counter() - step
    progress(
        f"tags snapshotted for {report.tag_days} days, members of "
        f"{report.segments_built} saved segments rebuilt, {report.open_alerts} open alerts"
    )


def refresh(
    store: Store,
    cur: duckdb.DuckDBPyConnection | None = None,
    as_of: date | None = None,
    progress: Progress | None = None,
    incremental: bool = False,
) -> RefreshReport:
    """Recompute all derived data; ``as_of`` defaults to the last day with activity (an
    event or an order).

    With ``incremental`` the rollups are rebuilt only from the first day holding events or
    orders of an import made since they were last built (the importer's case); otherwise,
    and when a first orders file replaces the orders derived from events, in full."""
    if cur is None:
        with store.transaction() as own:
            return refresh(store, own, as_of, progress, incremental)
    progress = progress or (lambda message: None)
    started = time.perf_counter()
    report = RefreshReport()

    has_file_orders = cur.execute("select count(*) from orders where source = 'file'").fetchone()[0]
    had_derived = cur.execute("select count(*) from orders where source = 'events'").fetchone()[0]
    # the first orders file replaces the orders derived from events on every day: the
    # member_day rows (their orders column) are rebuilt in full
    replaced = bool(has_file_orders and had_derived)
    cur.execute("delete from orders where source = 'events'")
    if not has_file_orders:
        cur.execute(
            "insert into orders (order_id, member_key, paid_at, amount, discount_amount, "
            "coupon_id, category, status, source, import_id) "
            + sql_text("refresh/orders_from_events")  # noqa: S608 (sql/ file)
        )
        report.orders_derived = cur.execute(
            "select count(*) from orders where source = 'events'"
        ).fetchone()[0]
        progress(f"orders derived from order_paid events: {report.orders_derived:,}")

    report.step_seconds["orders"] = time.perf_counter() - started
    from core import segments  # tags and alerts read the rollups and tiers made here

    # what tags read besides events and orders, compared before anything changes members
    members_changed_from = segments.tag_inputs_changed_from(cur)

    # the last day with activity: an event or an order (SPEC §4), as member_day will say
    last_active = cur.execute(
        "select greatest((select max(event_time) from events), (select max(paid_at) from orders))"
    ).fetchone()[0]
    last_day = as_of or (last_active.date() if last_active else None)
    report.as_of = last_day
    step = time.perf_counter()
    if last_day is not None:
        done = cur.execute(
            "select value from meta where key = 'tiers_recomputed_through'"
        ).fetchone()
        if done:
            after = date.fromisoformat(done[0])
        else:
            first = cur.execute("select min(signup_at) from members").fetchone()[0]
            after = (first.date() if first else last_day) - timedelta(days=1)
        for boundary in month_boundaries(after, last_day):
            moved = recompute_tiers(
                cur, datetime.combine(boundary, datetime.min.time()), sync_rollups=False
            )
            report.tier_recomputes.append((boundary, moved))
        end = datetime.combine(last_day + timedelta(days=1), datetime.min.time())
        moved = recompute_tiers(cur, end, sync_rollups=False)
        report.tier_recomputes.append((last_day, moved))
        store.set_meta(cur, "tiers_recomputed_through", last_day.isoformat())
        moves = sum(n for _, n in report.tier_recomputes)
        progress(f"tiers recomputed at {len(report.tier_recomputes)} points: {moves:,} moves")
    report.step_seconds["tiers"] = time.perf_counter() - step
    # after the tier recompute: paid_orders replays tier_history and every rollup carries
    # the members' current tiers
    step = time.perf_counter()
    report.rollups_from = rollups.refresh_rollups(
        cur, full=not incremental or replaced, progress=progress
    )
    report.step_seconds["rollups"] = time.perf_counter() - step
    tags_changed_from = _first_changed_day(report.rollups_from, members_changed_from)
    report.member_days = cur.execute("select count(*) from member_day").fetchone()[0]
    progress(f"member_day rollup: {report.member_days:,} rows")
    if last_day is not None:
        _refresh_segments(cur, last_day, report, tags_changed_from, progress)
    report.seconds = time.perf_counter() - started
    return report

"""Rollup tables the dashboards read instead of the raw events (SPEC §9).

Each rollup is rebuilt from the events and orders on or after a day (``since``), or
completely when ``since`` is None. After an import only the days the import touched are
rebuilt: the watermark ``rollups_through_import`` in ``meta`` records the last import whose
events and orders are rolled up, and :func:`refresh_rollups` starts from the first day
holding an event or an order of a later import, or the day an updated order was paid before
its update (``rollups_dirty_from``, written by the importer). ``member_day`` counts a member
active on a day with an event or an order (SPEC §4; sql/refresh/member_day.sql). Rollup
rows also carry the member's current attributes (region, device, tier, channel, signup
day), so the global filters are column predicates rather than a join;
:func:`sync_member_attributes` keeps them equal to ``members`` and is called wherever a
member's tier or attributes change (tier recompute, tier override, tier rules, member
import).

``tests/test_rollups.py``, ``tests/test_event_rollups.py`` and ``tests/test_period_rollups.py``
check every rollup-based answer against the same answer computed from the raw events;
``tests/test_rollup_maintenance.py`` checks the incremental build and the attribute sync.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

import duckdb

from core import event_rollups, period_rollups
from core.sqlfiles import sql_text

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Rollup:
    """A table rebuilt from the events: ``build(cur, since)`` rebuilds the rows of the days
    on or after ``since`` (every row when None)."""

    table: str
    build: Callable[[duckdb.DuckDBPyConnection, date | None], None]
    member_attributes: bool = True


def _build_member_day(cur: duckdb.DuckDBPyConnection, since: date | None) -> None:
    if since is None:
        cur.execute("delete from member_day")
    else:
        cur.execute("delete from member_day where day >= $since", {"since": since})
    cur.execute(
        "insert into member_day by name " + sql_text("refresh/member_day"), {"since": since}
    )
    if since is not None:
        cur.execute(sql_text("refresh/member_day_chain"), {"since": since})


def _replace(cur: duckdb.DuckDBPyConnection, table: str) -> None:
    """Rebuild ``table`` in full from ``sql/refresh/<table>.sql`` (table names come from the
    registry below, never from users)."""
    cur.execute(f"delete from {table}")  # noqa: S608 (registry name)
    cur.execute(f"insert into {table} " + sql_text(f"refresh/{table}"))  # noqa: S608


# Always rebuilt in full, whatever ``since`` says:
# - paid_orders (1.4 M rows at scale, ~1 s): orders derived from events are re-derived on
#   every refresh, and an orders file can change the status of old orders;
# - member_facts (one row per member, ~1 s): a new order or a changed signup time can change
#   any member's facts;
# - tier_spans (1.5 M rows, under a second): tier changes come at month boundaries from
#   refresh and at any time from overrides and rule changes.
def _build_paid_orders(cur: duckdb.DuckDBPyConnection, since: date | None) -> None:
    _replace(cur, "paid_orders")


def _build_member_facts(cur: duckdb.DuckDBPyConnection, since: date | None) -> None:
    _replace(cur, "member_facts")


def _build_tier_spans(cur: duckdb.DuckDBPyConnection, since: date | None) -> None:
    rebuild_tier_spans(cur)


def rebuild_tier_spans(cur: duckdb.DuckDBPyConnection) -> None:
    """Rebuild tier_spans from tier_history; called after every tier change."""
    _replace(cur, "tier_spans")


ROLLUPS: list[Rollup] = [
    Rollup("member_day", _build_member_day),
    Rollup("member_week", period_rollups.build_member_week),  # built from member_day
    Rollup("member_month", period_rollups.build_member_month),
    Rollup("paid_orders", _build_paid_orders),
    Rollup("member_facts", _build_member_facts),
    Rollup("tier_spans", _build_tier_spans),
    Rollup("funnel_day", event_rollups.build_funnel_day),
    Rollup("member_hour", event_rollups.build_member_hour),
    Rollup("search_day", event_rollups.build_search_day),
]

WATERMARK = "rollups_through_import"
DIRTY_FROM = "rollups_dirty_from"  # earliest day whose orders changed without a new row
ORDERS_TIMED = "rollups_orders_timed"  # whether member_hour was built counting file orders


def mark_dirty_from(cur: duckdb.DuckDBPyConnection, day: date | None) -> None:
    """Make the next incremental build start on or before ``day`` (an order moved off it)."""
    if day is None:
        return
    row = cur.execute("select value from meta where key = $k", {"k": DIRTY_FROM}).fetchone()
    if row is not None and date.fromisoformat(row[0]) <= day:
        return
    cur.execute(
        "insert or replace into meta values ($k, $v)", {"k": DIRTY_FROM, "v": day.isoformat()}
    )


def build_table(cur: duckdb.DuckDBPyConnection, table: str) -> None:
    """Build one registered rollup in full (a migration that adds a rollup asks for this)."""
    rollup = next((r for r in ROLLUPS if r.table == table), None)
    if rollup is None:
        raise ValueError(f"no rollup named {table!r}")
    rollup.build(cur, None)
    if table == "member_hour":
        _record_orders_timed(cur, _orders_timed(cur))


def _record_orders_timed(cur: duckdb.DuckDBPyConnection, timed: tuple[str]) -> None:
    cur.execute("insert or replace into meta values ($k, $v)", {"k": ORDERS_TIMED, "v": timed[0]})


def _watermark(cur: duckdb.DuckDBPyConnection) -> int | None:
    row = cur.execute("select value from meta where key = $k", {"k": WATERMARK}).fetchone()
    return int(row[0]) if row else None


def _set_watermark(cur: duckdb.DuckDBPyConnection) -> None:
    last = cur.execute(
        "select greatest((select max(import_id) from imports), "
        "(select max(import_id) from events), (select max(import_id) from orders))"
    ).fetchone()[0]
    cur.execute(
        "insert or replace into meta values ($k, $v)", {"k": WATERMARK, "v": str(last or 0)}
    )
    cur.execute("delete from meta where key = $k", {"k": DIRTY_FROM})


def _orders_timed(cur: duckdb.DuckDBPyConnection) -> tuple[str]:
    """Whether file orders carry times of day (sql/refresh/member_hour.sql counts them then)."""
    timed = cur.execute(
        "select coalesce(min(hour(paid_at)) < max(hour(paid_at)), false) from orders "
        "where source = 'file'"
    ).fetchone()[0]
    return ("true" if timed else "false",)


def changed_since(cur: duckdb.DuckDBPyConnection) -> tuple[bool, date | None]:
    """``(anything_new, since)``: whether events or orders arrived (or orders changed) after
    the watermark, and the first day to rebuild from (None = rebuild everything: no
    watermark yet, or the new rows start on or before the first rolled-up day)."""
    watermark = _watermark(cur)
    if watermark is None:
        return True, None
    first_new = cur.execute(
        "select least((select min(event_time) from events where import_id > $w), "
        "(select min(paid_at) from orders where import_id > $w), "
        "(select cast(value as date) from meta where key = $dirty))",
        {"w": watermark, "dirty": DIRTY_FROM},
    ).fetchone()[0]
    if first_new is None:
        return False, None
    first_rolled = cur.execute("select min(day) from member_day").fetchone()[0]
    since = first_new.date() if isinstance(first_new, datetime) else first_new
    if first_rolled is None or since <= first_rolled:
        return True, None
    return True, since


def refresh_rollups(
    cur: duckdb.DuckDBPyConnection, full: bool = True, progress: Progress | None = None
) -> date | None | str:
    """Rebuild every rollup; with ``full=False`` only from the first day an import since the
    last build touched. Returns the day rebuilt from, None for a full rebuild, or
    ``"unchanged"`` when nothing needed rebuilding."""
    progress = progress or (lambda message: None)
    since: date | None = None
    timed = _orders_timed(cur)
    moved: list[int] | None = None  # members whose rollup rows need new attributes
    if not full:
        moved = members_with_new_attributes(cur)  # before member_facts is rebuilt
        anything_new, since = changed_since(cur)
        if not anything_new:
            sync_member_attributes(cur, moved)
            return "unchanged"
        # member_hour counts file orders only once they carry times of day; a store built
        # before that was recorded counted none (as for "false")
        built = cur.execute("select value from meta where key = $k", {"k": ORDERS_TIMED})
        if timed != (built.fetchone() or ("false",)):
            since = None
    for rollup in ROLLUPS:
        rollup.build(cur, since)
        progress(f"rollup {rollup.table} rebuilt " + (f"from {since}" if since else "in full"))
    # rows rebuilt above carry the current attributes; older rows need them only for the
    # members whose attributes changed (one diff over every row when many did)
    sync_member_attributes(cur, moved if since is not None else None)
    _set_watermark(cur)
    _record_orders_timed(cur, timed)
    return since


SYNC_BY_KEY_LIMIT = 10_000  # above this many members one diff over all rows is cheaper


def members_with_new_attributes(cur: duckdb.DuckDBPyConnection) -> list[int] | None:
    """Members whose attributes differ from those on their rollup rows, or who have no
    rollup rows yet; None when more than :data:`SYNC_BY_KEY_LIMIT`.

    ``member_facts`` has one row per member, rebuilt from ``members`` at every build and
    kept in step by :func:`sync_member_attributes`, so its attributes are those every
    rollup row of the member carries; read it before a build rebuilds it."""
    rows = cur.execute(
        "select m.member_key from members m "
        "left join member_facts f on f.member_key = m.member_key "
        "where f.member_key is null "
        "or f.signup_day is distinct from cast(m.signup_at as date) "
        "or f.region is distinct from m.region or f.device is distinct from m.device "
        "or f.tier is distinct from m.tier or f.channel is distinct from m.channel "
        "limit $n",
        {"n": SYNC_BY_KEY_LIMIT + 1},
    ).fetchall()
    if len(rows) > SYNC_BY_KEY_LIMIT:
        return None
    return [int(row[0]) for row in rows]


def sync_member_attributes(
    cur: duckdb.DuckDBPyConnection, member_keys: Iterable[int] | None = None
) -> None:
    """Copy members' current attributes onto their rollup rows (only rows that differ)."""
    keys = None if member_keys is None else [int(key) for key in member_keys]
    if keys == []:
        return
    for rollup in ROLLUPS:
        if not rollup.member_attributes:
            continue
        text = sql_text("refresh/member_attributes_sync").replace("rollup_table", rollup.table)
        cur.execute(text, {"member_keys": keys})


def complete_rollups(cur: duckdb.DuckDBPyConnection) -> None:
    """Derive the rollups around rows written directly rather than imported (the test
    fixtures insert member_day rows, events and orders by hand): member_day's chain and
    attribute columns are filled in, every other rollup is built from its base tables."""
    first = cur.execute("select min(day) from member_day").fetchone()[0]
    if first is not None:
        cur.execute(sql_text("refresh/member_day_chain"), {"since": first})
    for rollup in ROLLUPS:
        if rollup.table != "member_day":
            rollup.build(cur, None)
    sync_member_attributes(cur)

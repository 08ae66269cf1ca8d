"""Behaviour tags, daily tag snapshots, saved segments, member lists and alerts (SPEC §5).

Tags
    The built-in tags of SPEC §5 (:data:`TAGS`), computed in one query
    (``sql/segments/member_tags_on.sql``) for a day with the thresholds in ``tag_settings``
    (editable by an operator, :func:`set_tag_threshold`). :func:`refresh_tags` runs inside
    every refresh: it recomputes the tags for each day since the last snapshot (the first
    time, the :data:`SNAPSHOT_BACKFILL_DAYS` days up to the as-of date) and records the daily
    snapshot as spells (``tag_spells``: joined_on ≤ day < left_on), from which come each
    tag's size over time and who joined or left on a day. A run of days is computed in one
    query (``sql/segments/member_tags_between.sql``), not one query per day. Refreshing
    after an import rewinds the snapshots to the first day the import changed (its first
    event or order day; any day of the window when an existing member's signup or status or
    a threshold changed, :func:`tag_inputs_changed_from`) and recomputes from there: a
    day's tags depend only on what happened up to its end, so earlier days stay as they were.

Segments
    A saved segment is a name, attribute filters (region, device, tier, channel; empty means
    all) and tag conditions: ``all`` (holds every tag listed), ``any`` (at least one),
    ``none`` (none of them). Members are evaluated with the tags of the latest snapshot on or
    before the day asked for.

Alerts
    A rule watches a group (everyone, a channel, a tier, a tag or a saved segment; a rule
    without a value watches every group of its kind) and fires when the group's daily
    active count falls on N consecutive days (each day lower than the one before) and the
    last day is more than X below the mean of the 7 days before the first falling day
    (:func:`find_decline`). The fired alert names the group, the drop, the affected members
    (active in that baseline week, not since), a suggested action and the affected
    members' most common best contact hour. It clears itself once the count is back within
    X of the baseline. :func:`evaluate_alerts` runs inside every refresh for each day since
    the last evaluation (at most :data:`ALERT_REPLAY_DAYS`), and again from the first day an
    import changed, and on demand.

Best contact hour
    A member's most active hour of day over the last 90 days: the hour with the most
    distinct active days, ties to more events, then the earlier hour.

Segment membership
    ``segment_members`` holds every saved segment's members as of the store's as-of date
    (the last day with events; ``segment_builds`` records the day), so the global segment
    filter (:attr:`core.filters.GlobalFilters.segment`) is one semi-join in every metric
    query. :func:`rebuild_segment_members` runs for every segment inside a refresh that
    changed a snapshot, the as-of date or members' attributes, and for one segment inside
    the transaction that saves, edits or deletes it.

Every function takes the store (or, inside a refresh, its cursor) and an explicit day; write
functions take the caller's role and refuse it (:class:`~core.permissions.PermissionDenied`,
the refusal written to the audit log) without the capability, and write their audit row
(before / after values) in the same transaction as the change.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import duckdb
import pandas as pd

from core import audit, exports, masking
from core.filters import GlobalFilters
from core.permissions import Capability, require
from core.sqlfiles import sql_text
from core.store import Store

TAGS: tuple[str, ...] = (
    "browse_no_order",
    "cart_abandoner",
    "dormant",
    "new",
    "high_value",
    "high_value_at_risk",
    "coupon_driven",
)

# tag -> (parameter -> (query parameter name, lowest allowed, highest allowed, whole number))
TAG_PARAMS: dict[str, dict[str, tuple[str, float, float, bool]]] = {
    "browse_no_order": {
        "window_days": ("bno_window_days", 1, 365, True),
        "min_active_days": ("bno_min_active_days", 1, 365, True),
        "no_order_days": ("bno_no_order_days", 1, 730, True),
    },
    "cart_abandoner": {
        "window_days": ("cart_window_days", 1, 365, True),
        "min_carts": ("cart_min_carts", 1, 1000, True),
        "order_within_hours": ("cart_order_within_hours", 1, 720, True),
    },
    "dormant": {"inactive_days": ("dormant_inactive_days", 1, 730, True)},
    "new": {"signup_days": ("new_signup_days", 1, 365, True)},
    "high_value": {
        "top_share": ("hv_top_share", 0.001, 1, False),
        "spend_months": ("hv_spend_months", 1, 36, True),
    },
    "high_value_at_risk": {
        "window_days": ("risk_window_days", 1, 180, True),
        "max_ratio": ("risk_max_ratio", 0.01, 1, False),
    },
    "coupon_driven": {
        "min_orders": ("coupon_min_orders", 1, 1000, True),
        "min_coupon_share": ("coupon_min_coupon_share", 0.01, 1, False),
    },
}

SNAPSHOT_BACKFILL_DAYS = 60
BEST_HOUR_DAYS = 90
BASELINE_DAYS = 7
MAX_RUN_DAYS = 30
ALERT_REPLAY_DAYS = 30
GROUP_KINDS: tuple[str, ...] = ("everyone", "channel", "tier", "tag", "segment", "at_risk")
# The "at_risk" group: members at or above this 30-day churn probability (rule value).
DEFAULT_AT_RISK_THRESHOLD = "0.5"
ACTIONS: tuple[str, ...] = ("care_sms", "incentive_coupon")
MEMBER_LIST_SORTS: tuple[str, ...] = (
    "spend_12m",
    "last_active",
    "member_id",
    "signup_day",
    "orders_12m",
)

Conn = Store | duckdb.DuckDBPyConnection


class SegmentError(ValueError):
    """A value a user typed that cannot be used (unknown tag, threshold out of range, …)."""

    def __init__(self, code: str, **values: object):
        self.code = code
        self.values = values
        super().__init__(f"{code}: {values}")


def _df(conn: Conn, name: str, params: dict) -> pd.DataFrame:
    if isinstance(conn, Store):
        return conn.query(name, params)
    return conn.execute(sql_text(name), params).df()


def _rows(conn: Conn, sql: str, params: dict | None = None) -> list[tuple]:
    if isinstance(conn, Store):
        cur = conn.cursor()
        try:
            return cur.execute(sql, params or {}).fetchall()
        finally:
            cur.close()
    return conn.execute(sql, params or {}).fetchall()


def _as_date(value) -> date | None:
    if value is None or (not isinstance(value, date) and pd.isna(value)):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return pd.Timestamp(value).date()


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


# == tags ===================================================================================


def tag_thresholds(conn: Conn) -> dict[str, dict[str, float]]:
    """The current thresholds: ``{tag: {param: value}}``."""
    result: dict[str, dict[str, float]] = {tag: {} for tag in TAGS}
    for tag, param, value in _rows(conn, "select tag, param, value from tag_settings"):
        if tag in result:
            result[tag][param] = float(value)
    return result


def _tag_query_params(thresholds: dict[str, dict[str, float]]) -> dict[str, float]:
    params = {}
    for tag, spec in TAG_PARAMS.items():
        for param, (name, _, _, whole) in spec.items():
            value = thresholds[tag][param]
            params[name] = int(value) if whole else float(value)
    return params


def set_tag_threshold(
    store: Store, role: str | None, actor: str, tag: str, param: str, value: float
) -> None:
    """Change one tag threshold (operators and admins); takes effect at the next refresh.

    Audited as ``tag.threshold`` (target ``tag:<tag>.<param>``, before / after value)."""
    target = f"tag:{str(tag)[:40]}.{str(param)[:40]}"
    audit.require(store, actor, role, Capability.MANAGE_TAGS, "tag.threshold", target)
    if tag not in TAG_PARAMS or param not in TAG_PARAMS[tag]:
        raise SegmentError("segments.error.unknown_threshold", tag=tag, param=param)
    _, low, high, whole = TAG_PARAMS[tag][param]
    number = float(value)
    if math.isnan(number) or not low <= number <= high or (whole and number != int(number)):
        raise SegmentError("segments.error.threshold_range", low=low, high=high)
    with store.transaction() as cur:
        old = cur.execute(
            "select value from tag_settings where tag = $tag and param = $param",
            {"tag": tag, "param": param},
        ).fetchone()
        cur.execute(
            "update tag_settings set value = $value, updated_at = $at, updated_by = $by "
            "where tag = $tag and param = $param",
            {"value": number, "at": _now(), "by": actor, "tag": tag, "param": param},
        )
        audit.record(
            cur,
            actor=actor,
            role=role,
            action="tag.threshold",
            target=target,
            before={"value": None if old is None else float(old[0])},
            after={"value": number},
        )


def tags_on(conn: Conn, day: date, thresholds: dict | None = None) -> pd.DataFrame:
    """Every member's tags as known at the end of ``day``: columns ``tag``, ``member_key``."""
    thresholds = thresholds or tag_thresholds(conn)
    return _df(conn, "segments/member_tags_on", {"day": day, **_tag_query_params(thresholds)})


def _rewind_snapshots(cur: duckdb.DuckDBPyConnection, day: date) -> None:
    """Forget the snapshots of ``day`` and later (spells back to how they stood the day before)."""
    cur.execute("delete from tag_spells where joined_on >= $day", {"day": day})
    cur.execute("update tag_spells set left_on = null where left_on >= $day", {"day": day})
    cur.execute("delete from tag_snapshot_days where day >= $day", {"day": day})


SNAPSHOT_CHUNK_MEMBER_DAYS = 10_000_000  # members x days computed in one pass (memory)
TAG_INPUTS = "tag_inputs"  # meta: fingerprints of the members and thresholds tags were built on


def _snapshot_days(cur: duckdb.DuckDBPyConnection, start: date, end: date, params: dict) -> None:
    """Record the snapshots of [start, end] (none on or after ``start`` yet) as spells, in
    chunks of days so that members x days stays under :data:`SNAPSHOT_CHUNK_MEMBER_DAYS`."""
    members = cur.execute("select count(*) from members").fetchone()[0]
    days = (end - start).days + 1
    chunk_days = min(days, max(1, SNAPSHOT_CHUNK_MEMBER_DAYS // max(members, 1)))
    chunk_start = start
    while chunk_start <= end:
        chunk_end = min(end, chunk_start + timedelta(days=chunk_days - 1))
        _snapshot_chunk(cur, chunk_start, chunk_end, params)
        chunk_start = chunk_end + timedelta(days=1)


def _snapshot_chunk(cur: duckdb.DuckDBPyConnection, start: date, end: date, params: dict) -> None:
    """The tags of every day of [start, end], as spells: each run of consecutive days a
    member holds a tag is one spell, joined to the spell still open from the day before
    ``start`` when it starts on ``start``. Runs come from the tags of each day
    (``sql/segments/member_tags_between.sql``) and, for dormant, from the activity gaps
    (``sql/segments/dormant_runs_between.sql``)."""
    days = {"start": start, "end": end}
    dormant = {"dormant_inactive_days": params["dormant_inactive_days"]}
    others = {k: v for k, v in params.items() if k not in dormant}
    cur.execute(
        "create or replace temp table _tags_range as " + sql_text("segments/member_tags_between"),
        {**days, **others},
    )
    cur.execute(
        "create or replace temp table _dormant_runs as "
        + sql_text("segments/dormant_runs_between"),
        {**days, **dormant},
    )
    # runs of consecutive days: day minus its rank within (tag, member) is constant in a run
    cur.execute(
        "create or replace temp table _tag_runs as "
        "select runs.tag, runs.member_key, runs.first_day, runs.last_day, "
        "runs.first_day = $start and open.tag is not null as continues "
        "from (select tag, member_key, min(day) as first_day, max(day) as last_day "
        "  from (select tag, member_key, day, day - cast(row_number() over "
        "    (partition by tag, member_key order by day) as integer) as run from _tags_range) "
        "  group by tag, member_key, run "
        "  union all select tag, member_key, first_day, last_day from _dormant_runs) as runs "
        "left join tag_spells as open on open.left_on is null and open.tag = runs.tag "
        "and open.member_key = runs.member_key",
        {"start": start},
    )
    cur.execute(
        "update tag_spells set left_on = $start where left_on is null and not exists ("
        "select 1 from _tag_runs r where r.continues and r.tag = tag_spells.tag "
        "and r.member_key = tag_spells.member_key)",
        {"start": start},
    )
    cur.execute(
        "update tag_spells set left_on = r.last_day + 1 from _tag_runs r "
        "where tag_spells.left_on is null and r.continues and r.last_day < $end "
        "and r.tag = tag_spells.tag and r.member_key = tag_spells.member_key",
        {"end": end},
    )
    cur.execute(
        "insert into tag_spells select tag, member_key, first_day, "
        "case when last_day < $end then last_day + 1 end from _tag_runs where not continues",
        {"end": end},
    )
    # members with a tag per day: the dormant ones (runs of one member never overlap) and
    # the others with a tag that day
    cur.execute(
        "insert into tag_snapshot_days "
        "with days as (select cast(range as date) as day from range(cast($start as date), "
        "  cast($end as date) + 1, interval 1 day)), "
        "dormant as (select days.day, count(*) as members from days join _dormant_runs r "
        "  on r.first_day <= days.day and r.last_day >= days.day group by days.day), "
        "others as (select t.day, count(distinct t.member_key) as members from _tags_range t "
        "  where not exists (select 1 from _dormant_runs r where r.member_key = t.member_key "
        "  and t.day between r.first_day and r.last_day) group by t.day) "
        "select days.day, coalesce(dormant.members, 0) + coalesce(others.members, 0) "
        "from days left join dormant on dormant.day = days.day "
        "left join others on others.day = days.day",
        days,
    )
    for table in ("_tag_runs", "_dormant_runs", "_tags_range"):
        cur.execute(f"drop table {table}")  # noqa: S608 (fixed names)


def refresh_tags(
    cur: duckdb.DuckDBPyConnection,
    as_of: date | None,
    backfill_days: int = SNAPSHOT_BACKFILL_DAYS,
    changed_from: date | None = None,
) -> list[date]:
    """Recompute tags and record the daily snapshots up to ``as_of``; returns the days done.

    Days after the last snapshot are computed (at most ``backfill_days`` of them, ending at
    ``as_of``). ``changed_from`` is the first day whose inputs may have changed since the
    last snapshot (an import's first day, or ``date.min`` for any day): the snapshots from
    that day on (within the ``backfill_days`` ending at ``as_of``) are forgotten and
    recomputed; earlier ones are kept, since a day's tags depend only on what happened up
    to its end. Without it only ``as_of`` itself is recomputed when already snapshotted.
    """
    if as_of is None:
        return []
    first_signup = cur.execute("select min(cast(signup_at as date)) from members").fetchone()[0]
    if first_signup is None:
        return []
    window_start = as_of - timedelta(days=backfill_days - 1)
    last = _as_date(cur.execute("select max(day) from tag_snapshot_days").fetchone()[0])
    start = window_start if last is None else last + timedelta(days=1)
    if last is not None and as_of <= last:
        start = min(start, as_of)
    if changed_from is not None:
        start = min(start, changed_from)
    start = max(start, window_start, _as_date(first_signup))
    if last is not None and start <= last:
        _rewind_snapshots(cur, start)
    params = _tag_query_params(tag_thresholds(cur))
    if start <= as_of:
        _snapshot_days(cur, start, as_of, params)
    _record_tag_inputs(cur)
    return [start + timedelta(days=n) for n in range((as_of - start).days + 1)]


def _tag_inputs(cur: duckdb.DuckDBPyConnection, through_key: int | None = None) -> dict:
    """Fingerprints of what tags read besides events and orders: the members' signup and
    status (members up to ``through_key``, every member when None) and the thresholds."""
    members, last_key = cur.execute(
        "select coalesce(bit_xor(hash(member_key, signup_at, status)), 0), "
        "coalesce(max(member_key), 0) from members "
        "where $through is null or member_key <= $through",
        {"through": through_key},
    ).fetchone()
    settings = cur.execute(
        "select coalesce(bit_xor(hash(tag, param, value)), 0) from tag_settings"
    ).fetchone()[0]
    return {"members": str(members), "last_key": int(last_key), "settings": str(settings)}


def _record_tag_inputs(cur: duckdb.DuckDBPyConnection) -> None:
    cur.execute(
        "insert or replace into meta values ($k, $v)",
        {"k": TAG_INPUTS, "v": json.dumps(_tag_inputs(cur))},
    )


def tag_inputs_changed_from(cur: duckdb.DuckDBPyConnection) -> date | None:
    """The first day whose tags the members or thresholds changed since the last snapshot:
    None when unchanged (or never recorded), the earliest signup day of members added since
    (member keys only grow), ``date.min`` when an earlier member's signup or status, the
    set of earlier members, or a threshold changed (any day's tags may differ)."""
    row = cur.execute("select value from meta where key = $k", {"k": TAG_INPUTS}).fetchone()
    if row is None:
        return None
    recorded = json.loads(row[0])
    now = _tag_inputs(cur, recorded["last_key"])
    if now["members"] != recorded["members"] or now["settings"] != recorded["settings"]:
        return date.min
    first_new = cur.execute(
        "select min(cast(signup_at as date)) from members where member_key > $k",
        {"k": recorded["last_key"]},
    ).fetchone()[0]
    return _as_date(first_new)


def snapshot_days(conn: Conn) -> list[date]:
    return [_as_date(row[0]) for row in _rows(conn, "select day from tag_snapshot_days order by 1")]


def latest_snapshot(conn: Conn, day: date | None = None) -> date | None:
    """The latest snapshot day on or before ``day`` (any day when None)."""
    sql = "select max(day) from tag_snapshot_days where $day is null or day <= $day"
    return _as_date(_rows(conn, sql, {"day": day})[0][0])


def tag_sizes(conn: Conn, start: date, end: date) -> pd.DataFrame:
    """Members per tag on each snapshot day in [start, end]: ``day``, ``tag``, ``members``."""
    frame = _df(conn, "segments/tag_sizes", {"start": start, "end": end})
    frame["day"] = pd.to_datetime(frame["day"])
    return frame


def tag_counts(conn: Conn, day: date, filters: GlobalFilters | None = None) -> pd.DataFrame:
    """Members per tag on the latest snapshot on or before ``day`` (``tag``, ``members``),
    every tag listed in :data:`TAGS` order, within the member attributes and segment of
    ``filters``.
    Without any snapshot yet (a store never refreshed) the tags of ``day`` are computed."""
    snap = latest_snapshot(conn, day)
    narrowed = filters is not None and filters.narrows_members
    if snap is None:  # never refreshed: compute the tags of the day itself
        live = tags_on(conn, day)
        if narrowed:
            live = live[live["member_key"].isin(_filter_scope(conn, filters, day))]
        held = live.groupby("tag")["member_key"].nunique()
        return pd.DataFrame({"tag": list(TAGS), "members": [int(held.get(t, 0)) for t in TAGS]})
    if not narrowed:
        sizes = tag_sizes(conn, snap, snap).set_index("tag")["members"]
        counts = [int(sizes.get(tag, 0)) for tag in TAGS]
    else:
        scope = _filter_scope(conn, filters, snap) if filters.segment is not None else None
        counts = []
        for tag in TAGS:
            keys = segment_member_keys(conn, SegmentDefinition.for_tag(tag, filters), snap)
            counts.append(len(keys) if scope is None else len(scope.intersection(keys)))
    return pd.DataFrame({"tag": list(TAGS), "members": counts})


def _filter_scope(conn: Conn, filters: GlobalFilters, day: date) -> set[int]:
    """The members within ``filters``' member attributes on ``day`` and, with a segment
    chosen, in that segment (its materialised members)."""
    scope = set(segment_member_keys(conn, SegmentDefinition.from_filters(filters), day))
    if filters.segment is not None:
        scope &= set(segment_member_keys_now(conn, filters.segment))
    return scope


def tag_changes(conn: Conn, tag: str, day: date) -> pd.DataFrame:
    """Who joined or left ``tag`` on ``day``: ``change`` (joined/left), ``member_key``,
    ``member_id``."""
    _check_tags([tag])
    return _df(conn, "segments/tag_changes", {"tag": tag, "day": day})


def member_tag_spells(conn: Conn, member_key: int) -> pd.DataFrame:
    """One member's tag history: ``tag``, ``joined_on``, ``left_on`` (null: still held)."""
    return _df(conn, "segments/member_tag_spells", {"member_key": int(member_key)})


def member_tags(conn: Conn, member_key: int, day: date) -> list[str]:
    """The tags ``member_key`` held on the latest snapshot on or before ``day``."""
    snap = latest_snapshot(conn, day)
    if snap is None:
        return []
    rows = _rows(
        conn,
        "select tag from tag_spells where member_key = $k and joined_on <= $d "
        "and (left_on is null or left_on > $d)",
        {"k": int(member_key), "d": snap},
    )
    held = {row[0] for row in rows}
    return [tag for tag in TAGS if tag in held]


def _check_tags(tags: Sequence[str]) -> None:
    for tag in tags:
        if tag not in TAGS:
            raise SegmentError("segments.error.unknown_tag", tag=str(tag)[:40])


# == best contact hour ======================================================================


def best_contact_hours(
    conn: Conn, member_keys: Sequence[int], as_of: date, days: int = BEST_HOUR_DAYS
) -> pd.DataFrame:
    """``member_key``, ``best_hour`` (0-23) for the members with events in the ``days`` days
    ending ``as_of``; members without any have no row."""
    keys = [int(k) for k in member_keys]
    return _df(
        conn, "segments/best_contact_hours", {"keys": keys, "as_of": as_of, "days": int(days)}
    )


def best_contact_hour(conn: Conn, member_key: int, as_of: date) -> int | None:
    """One member's best contact hour, or None without events in the last 90 days."""
    frame = best_contact_hours(conn, [member_key], as_of)
    return int(frame["best_hour"].iloc[0]) if len(frame) else None


def group_best_hour(conn: Conn, member_keys: Sequence[int], as_of: date) -> int | None:
    """The most common best contact hour of a group of members (ties: the earlier hour)."""
    hours = best_contact_hours(conn, member_keys, as_of)["best_hour"].tolist()
    if not hours:
        return None
    counts = Counter(int(h) for h in hours)
    return min(counts, key=lambda h: (-counts[h], h))


# == saved segments =========================================================================


@dataclass(frozen=True)
class SegmentDefinition:
    """Attribute filters (empty: all) and tag conditions of a segment; ``members``: a fixed
    set of member keys (a list saved from a drill-down, ``segment_fixed_members``), within
    the conditions; empty: no fixed set."""

    regions: tuple[str, ...] = ()
    devices: tuple[str, ...] = ()
    tiers: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    all_tags: tuple[str, ...] = ()
    any_tags: tuple[str, ...] = ()
    none_tags: tuple[str, ...] = ()
    members: tuple[int, ...] = ()

    @classmethod
    def from_filters(cls, filters: GlobalFilters, **tags: Sequence[str]) -> SegmentDefinition:
        return cls(
            regions=tuple(filters.regions),
            devices=tuple(filters.devices),
            tiers=tuple(filters.tiers),
            channels=tuple(filters.channels),
            **{name: tuple(values) for name, values in tags.items()},
        )

    @classmethod
    def for_tag(cls, tag: str, filters: GlobalFilters | None = None) -> SegmentDefinition:
        """Members holding ``tag`` (within ``filters``' member attributes, if given)."""
        _check_tags([tag])
        return cls.from_filters(filters or GlobalFilters(), all_tags=(tag,))

    def params(self) -> dict[str, list[str]]:
        """The conditions, as the parameters of the segment queries' conditions."""
        return {
            "regions": list(self.regions),
            "devices": list(self.devices),
            "tiers": list(self.tiers),
            "channels": list(self.channels),
            "all_tags": list(self.all_tags),
            "any_tags": list(self.any_tags),
            "none_tags": list(self.none_tags),
        }

    def member_params(self) -> dict[str, object]:
        """``params`` and the fixed member set (``$fixed``, ``$members``) for the queries
        that list or count members (segment_members.sql, segment_sizes.sql)."""
        return {**self.params(), "fixed": bool(self.members), "members": list(self.members)}

    def validate(self) -> None:
        _check_tags([*self.all_tags, *self.any_tags, *self.none_tags])
        if (
            set(self.all_tags) & set(self.none_tags)
            or set(self.any_tags) <= set(self.none_tags)
            and self.any_tags
        ):
            raise SegmentError("segments.error.contradiction")


@dataclass(frozen=True)
class SavedSegment:
    segment_id: int
    name: str
    owner: str
    definition: SegmentDefinition = field(default_factory=SegmentDefinition)
    created_at: datetime | None = None
    updated_at: datetime | None = None


_SEGMENT_COLUMNS = (
    "segment_id, name, owner, regions, devices, tiers, channels, all_tags, any_tags, "
    "none_tags, created_at, updated_at"
)


def _segment_from_row(row: tuple, fixed: dict[int, tuple[int, ...]]) -> SavedSegment:
    lists = [tuple(values or ()) for values in row[3:10]]
    return SavedSegment(
        segment_id=int(row[0]),
        name=row[1],
        owner=row[2],
        definition=SegmentDefinition(*lists, members=fixed.get(int(row[0]), ())),
        created_at=row[10],
        updated_at=row[11],
    )


def _fixed_members(conn: Conn, segment_id: int | None = None) -> dict[int, tuple[int, ...]]:
    """The fixed member sets of saved segments (of ``segment_id`` only, when given)."""
    rows = _rows(
        conn,
        "select segment_id, list(member_key order by member_key) from segment_fixed_members "
        "where $id is null or segment_id = $id group by segment_id",
        {"id": segment_id},
    )
    return {int(row[0]): tuple(int(key) for key in row[1]) for row in rows}


def list_segments(conn: Conn) -> list[SavedSegment]:
    """Every saved segment, by name."""
    rows = _rows(conn, f"select {_SEGMENT_COLUMNS} from saved_segments order by name, 1")  # noqa: S608
    fixed = _fixed_members(conn) if rows else {}
    return [_segment_from_row(row, fixed) for row in rows]


def get_segment(conn: Conn, segment_id: int) -> SavedSegment | None:
    rows = _rows(
        conn,
        f"select {_SEGMENT_COLUMNS} from saved_segments where segment_id = $id",  # noqa: S608
        {"id": int(segment_id)},
    )
    return _segment_from_row(rows[0], _fixed_members(conn, int(segment_id))) if rows else None


def _write_fixed_members(
    cur: duckdb.DuckDBPyConnection, segment_id: int, definition: SegmentDefinition
) -> None:
    cur.execute("delete from segment_fixed_members where segment_id = $id", {"id": segment_id})
    if definition.members:
        cur.execute(
            "insert into segment_fixed_members select distinct $id, unnest($members::integer[])",
            {"id": segment_id, "members": list(definition.members)},
        )


class _NotOwner(Exception):
    def __init__(self, owner: str):
        self.owner = owner


def _refuse_not_owner(
    store: Store, actor: str, role: str | None, action: str, target: str, owner: str
) -> SegmentError:
    """Record that ``actor`` tried to change someone else's segment; the error to raise."""
    audit.record_now(
        store,
        actor=actor,
        role=role,
        action="access.denied",
        target=target,
        after={"attempted": action, "needs": "segment owner or admin"},
    )
    return SegmentError("segments.error.not_owner", owner=owner)


def _segment_details(name: str, owner: str, definition: SegmentDefinition) -> dict:
    # "segment_name", not "name": the audit log masks a key "name" as a person's name
    details = {"segment_name": name, "owner": owner, **definition.params()}
    if definition.members:  # a fixed set: how many, not who
        details["fixed_members"] = len(set(definition.members))
    return details


def save_segment(
    store: Store,
    role: str | None,
    owner: str,
    name: str,
    definition: SegmentDefinition,
    segment_id: int | None = None,
) -> int:
    """Create (``segment_id`` None) or update a saved segment; returns its id.

    Analysts, operators and admins save segments; a segment is changed only by its owner or
    an admin (``owner`` is the account saving). Its members are rebuilt and the change is
    audited (``segment.create`` / ``segment.update``) in the same transaction.
    """
    action = "segment.create" if segment_id is None else "segment.update"
    target = None if segment_id is None else f"segment:{int(segment_id)}"
    audit.require(store, owner, role, Capability.SAVE_SEGMENTS, action, target)
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise SegmentError("segments.error.name")
    definition.validate()
    now = _now()
    try:
        with store.transaction() as cur:
            if segment_id is None:
                new_id = int(
                    cur.execute(
                        "select coalesce(max(segment_id), 0) + 1 from saved_segments"
                    ).fetchone()[0]
                )
                cur.execute(
                    "insert into saved_segments values ($id, $name, $owner, $regions, "
                    "$devices, $tiers, $channels, $all_tags, $any_tags, $none_tags, $now, $now)",
                    {"id": new_id, "name": name, "owner": owner, "now": now, **definition.params()},
                )
                before = None
                after = _segment_details(name, owner, definition)
            else:
                new_id = int(segment_id)
                found = get_segment(cur, new_id)
                if found is None:
                    raise SegmentError("segments.error.no_segment")
                if found.owner != owner and role != "admin":
                    raise _NotOwner(found.owner)
                cur.execute(
                    "update saved_segments set name = $name, regions = $regions, "
                    "devices = $devices, tiers = $tiers, channels = $channels, "
                    "all_tags = $all_tags, any_tags = $any_tags, none_tags = $none_tags, "
                    "updated_at = $now where segment_id = $id",
                    {"id": new_id, "name": name, "now": now, **definition.params()},
                )
                before = _segment_details(found.name, found.owner, found.definition)
                after = _segment_details(name, found.owner, definition)
            _write_fixed_members(cur, new_id, definition)
            members = rebuild_segment_members(cur, store_as_of(cur), [new_id])
            after["members"] = members.get(new_id, 0)
            audit.record(
                cur,
                actor=owner,
                role=role,
                action=action,
                target=f"segment:{new_id}",
                before=before,
                after=after,
            )
            return new_id
    except _NotOwner as refused:
        raise _refuse_not_owner(store, owner, role, action, target, refused.owner) from None


def delete_segment(store: Store, role: str | None, actor: str, segment_id: int) -> None:
    """Delete a saved segment (its owner or an admin); its alert rules and materialised
    members go with it, audited as ``segment.delete`` in the same transaction."""
    target = f"segment:{int(segment_id)}"
    audit.require(store, actor, role, Capability.SAVE_SEGMENTS, "segment.delete", target)
    try:
        with store.transaction() as cur:
            found = get_segment(cur, int(segment_id))
            if found is None:
                raise SegmentError("segments.error.no_segment")
            if found.owner != actor and role != "admin":
                raise _NotOwner(found.owner)
            cur.execute(
                "delete from saved_segments where segment_id = $id", {"id": int(segment_id)}
            )
            cur.execute(
                "delete from segment_fixed_members where segment_id = $id",
                {"id": int(segment_id)},
            )
            rules = cur.execute(
                "delete from alert_rules where group_kind = 'segment' and group_value = $id "
                "returning rule_id",
                {"id": str(int(segment_id))},
            ).fetchall()
            rebuild_segment_members(cur, store_as_of(cur), [int(segment_id)])
            audit.record(
                cur,
                actor=actor,
                role=role,
                action="segment.delete",
                target=target,
                before=_segment_details(found.name, found.owner, found.definition),
                after={"deleted_alert_rules": sorted(int(r[0]) for r in rules)},
            )
    except _NotOwner as refused:
        raise _refuse_not_owner(
            store, actor, role, "segment.delete", target, refused.owner
        ) from None


def store_as_of(conn: Conn) -> date | None:
    """The store's as-of date: the last day with events (None for an empty store)."""
    return _as_date(_rows(conn, "select max(day) from member_day")[0][0])


def rebuild_segment_members(
    cur: duckdb.DuckDBPyConnection,
    as_of: date | None,
    segment_ids: Sequence[int] | None = None,
) -> dict[int, int]:
    """Rebuild ``segment_members`` as of ``as_of`` for ``segment_ids`` (None: every saved
    segment, and rows of deleted ones are dropped); returns members per segment rebuilt.

    A listed id that is no longer saved loses its rows. Runs in the caller's transaction.
    """
    if segment_ids is None:
        cur.execute("delete from segment_members")
        cur.execute("delete from segment_builds")
        saved = list_segments(cur)
    else:
        ids = sorted({int(i) for i in segment_ids})
        cur.execute(
            "delete from segment_members where list_contains($ids, segment_id)", {"ids": ids}
        )
        cur.execute(
            "delete from segment_builds where list_contains($ids, segment_id)", {"ids": ids}
        )
        saved = [s for s in (get_segment(cur, i) for i in ids) if s is not None]
    sizes: dict[int, int] = {}
    for segment in saved:
        if as_of is not None:
            cur.execute(
                "insert into segment_members select $segment_id, member_key from ("  # noqa: S608
                + sql_text("segments/segment_members")
                + ")",
                {
                    "segment_id": segment.segment_id,
                    "day": as_of,
                    **segment.definition.member_params(),
                },
            )
        size = cur.execute(
            "select count(*) from segment_members where segment_id = $id",
            {"id": segment.segment_id},
        ).fetchone()[0]
        cur.execute(
            "insert into segment_builds values ($id, $as_of, $members, $now)",
            {"id": segment.segment_id, "as_of": as_of, "members": int(size), "now": _now()},
        )
        sizes[segment.segment_id] = int(size)
    return sizes


def ensure_segment_members(store: Store) -> list[int]:
    """Build the members of saved segments never built (saved before the table existed);
    returns their ids. Cheap when there are none."""
    missing = [
        int(row[0])
        for row in _rows(
            store,
            "select segment_id from saved_segments where segment_id not in "
            "(select segment_id from segment_builds) order by 1",
        )
    ]
    if missing and not store.read_only:
        with store.transaction() as cur:
            rebuild_segment_members(cur, store_as_of(cur), missing)
    return missing


def segment_member_keys_now(conn: Conn, segment_id: int) -> list[int]:
    """The materialised members of a saved segment (as of the store's as-of date)."""
    rows = _rows(
        conn,
        "select member_key from segment_members where segment_id = $id order by 1",
        {"id": int(segment_id)},
    )
    return [int(r[0]) for r in rows]


def segment_members(conn: Conn, definition: SegmentDefinition, day: date) -> pd.DataFrame:
    """The segment's members on ``day``: ``member_key``, ``tags`` (held that day)."""
    definition.validate()
    return _df(conn, "segments/segment_members", {"day": day, **definition.member_params()})


def segment_member_keys(conn: Conn, definition: SegmentDefinition, day: date) -> list[int]:
    return [int(k) for k in segment_members(conn, definition, day)["member_key"]]


def segment_sizes(
    conn: Conn, definition: SegmentDefinition, start: date, end: date
) -> pd.DataFrame:
    """The segment's size on each snapshot day in [start, end]: ``day``, ``members``."""
    definition.validate()
    params = {"start": start, "end": end, **definition.member_params()}
    frame = _df(conn, "segments/segment_sizes", params)
    frame["day"] = pd.to_datetime(frame["day"])
    return frame


# == member lists ===========================================================================


def member_list(
    conn: Conn,
    role: str | None,
    member_keys: Sequence[int],
    as_of: date,
    sort: str = "spend_12m",
    descending: bool = True,
) -> pd.DataFrame:
    """The list of the given members as ``role`` may see it (personal columns masked).

    Columns: member_id, nickname, name, phone, email, tier, channel, region, status,
    signup_day, tags (comma separated), last_active, spend_12m, orders_12m, best_hour.
    Roles without the member list (or member look-up) are refused.
    """
    from core.permissions import can

    if not (can(role, Capability.VIEW_MEMBER_LIST) or can(role, Capability.LOOK_UP_MEMBERS)):
        require(role, Capability.VIEW_MEMBER_LIST)
    if sort not in MEMBER_LIST_SORTS:
        raise SegmentError("segments.error.sort", sort=str(sort)[:40])
    frame = _df(
        conn, "segments/member_list", {"keys": [int(k) for k in member_keys], "as_of": as_of}
    )
    frame["tags"] = [", ".join(tag for tag in TAGS if tag in list(held)) for held in frame["tags"]]
    frame["spend_12m"] = frame["spend_12m"].astype(float)
    frame["best_hour"] = frame["best_hour"].astype("Int64")
    frame = frame.sort_values(
        [sort, "member_id"], ascending=[not descending, True], na_position="last"
    )
    frame = frame.drop(columns=["member_key"]).reset_index(drop=True)
    return masking.mask_frame(frame, role)


def member_list_export(
    frame: pd.DataFrame,
    role: str | None,
    shown: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
) -> bytes:
    """CSV (UTF-8 with BOM, for Excel) of a member list, for roles that see personal data
    (support, admin). A member list is member-level data: the roles that see it masked
    (analyst, operator) get it only through an approved request
    (:func:`core.members.request_member_list_export`, SPEC §1). ``shown`` turns the
    masked frame into what the page shows (labels, translated headers: ``ui.shown_file``)."""
    require(role, Capability.VIEW_PII)
    frame = masking.export_frame(frame, role)
    return exports.csv_bytes(shown(frame) if shown else frame)


# == alerts =================================================================================


@dataclass(frozen=True)
class Decline:
    """A run of falling daily counts that fires a rule.

    ``start`` is the index of the first falling day in the series, ``days`` the run length,
    ``baseline`` the mean of the :data:`BASELINE_DAYS` counts before ``start``, ``latest``
    the last count and ``drop`` = (baseline − latest) ÷ baseline.
    """

    start: int
    days: int
    baseline: float
    latest: float
    drop: float


def find_decline(
    counts: Sequence[float],
    days: int = 3,
    min_drop: float = 0.2,
    baseline_days: int = BASELINE_DAYS,
) -> Decline | None:
    """Whether the series (oldest first, ending on the evaluated day) fires a rule.

    It fires when the last ``days`` or more counts each fall below the one before and the
    last count is more than ``min_drop`` below the mean of the ``baseline_days`` counts
    before the first falling day. A run longer than the data allows (fewer than
    ``baseline_days`` before it) is shortened to fit; no full baseline week: no alert.
    """
    values = [float(v) for v in counts]
    run = 0
    i = len(values) - 1
    while i >= 1 and values[i] < values[i - 1] and run < MAX_RUN_DAYS:
        run += 1
        i -= 1
    start = max(len(values) - run, baseline_days)
    run = len(values) - start
    if run < days:
        return None
    baseline_values = values[start - baseline_days : start]
    baseline = sum(baseline_values) / baseline_days
    if baseline <= 0:
        return None
    latest = values[-1]
    drop = (baseline - latest) / baseline
    if drop <= min_drop:
        return None
    return Decline(start=start, days=run, baseline=baseline, latest=latest, drop=drop)


def recovered(latest: float, baseline: float, min_drop: float) -> bool:
    """An open alert clears once the count is back within ``min_drop`` of its baseline."""
    return latest >= baseline * (1 - min_drop)


def suggested_action(drop: float, min_drop: float) -> str:
    """``incentive_coupon`` for a drop of at least twice the rule's threshold (members are
    slipping away fast: give them a reason to come back), else ``care_sms`` (a reminder)."""
    return "incentive_coupon" if drop >= 2 * min_drop else "care_sms"


@dataclass(frozen=True)
class AlertRule:
    rule_id: int
    name: str
    group_kind: str
    group_value: str | None
    decline_days: int
    min_drop: float
    enabled: bool


def alert_rules(conn: Conn) -> list[AlertRule]:
    rows = _rows(
        conn,
        "select rule_id, name, group_kind, group_value, decline_days, min_drop, enabled "
        "from alert_rules order by rule_id",
    )
    return [
        AlertRule(int(r[0]), r[1], r[2], r[3], int(r[4]), float(r[5]), bool(r[6])) for r in rows
    ]


def save_alert_rule(
    store: Store,
    role: str | None,
    actor: str,
    name: str,
    group_kind: str,
    group_value: str | None,
    decline_days: int = 3,
    min_drop: float = 0.2,
    enabled: bool = True,
    rule_id: int | None = None,
) -> int:
    """Create or update an alert rule (operators and admins); returns its id.

    Audited as ``alert.rule_create`` / ``alert.rule_update`` (before / after values) in the
    same transaction."""
    action = "alert.rule_create" if rule_id is None else "alert.rule_update"
    target = None if rule_id is None else f"rule:{int(rule_id)}"
    audit.require(store, actor, role, Capability.MANAGE_ALERTS, action, target)
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise SegmentError("segments.error.name")
    if group_kind not in GROUP_KINDS:
        raise SegmentError("alerts.error.kind", kind=str(group_kind)[:40])
    if group_kind == "everyone":
        group_value = None
    if group_value is not None:
        group_value = str(group_value)
        _check_group_value(store, group_kind, group_value)
    if not 1 <= int(decline_days) <= 14 or not 0 < float(min_drop) < 1:
        raise SegmentError("alerts.error.range")
    values = {
        "name": name,
        "kind": group_kind,
        "value": group_value,
        "days": int(decline_days),
        "drop": float(min_drop),
        "enabled": bool(enabled),
        "at": _now(),
        "by": actor,
    }
    with store.transaction() as cur:
        before = None
        if rule_id is None:
            rule_id = cur.execute(
                "select coalesce(max(rule_id), 0) + 1 from alert_rules"
            ).fetchone()[0]
            cur.execute(
                "insert into alert_rules values ($id, $name, $kind, $value, $days, $drop, "
                "$enabled, $at, $by)",
                {"id": rule_id, **values},
            )
        else:
            old = next((r for r in alert_rules(cur) if r.rule_id == int(rule_id)), None)
            if old is None:
                raise SegmentError("alerts.error.no_rule")
            before = _rule_details(old)
            cur.execute(
                "update alert_rules set name = $name, group_kind = $kind, group_value = $value, "
                "decline_days = $days, min_drop = $drop, enabled = $enabled, updated_at = $at, "
                "updated_by = $by where rule_id = $id",
                {"id": int(rule_id), **values},
            )
        after = _rule_details(
            AlertRule(
                int(rule_id),
                name,
                group_kind,
                group_value,
                int(decline_days),
                float(min_drop),
                bool(enabled),
            )
        )
        audit.record(
            cur,
            actor=actor,
            role=role,
            action=action,
            target=f"rule:{int(rule_id)}",
            before=before,
            after=after,
        )
    return int(rule_id)


def _rule_details(rule: AlertRule) -> dict:
    return {
        "rule_name": rule.name,
        "group_kind": rule.group_kind,
        "group_value": rule.group_value,
        "decline_days": rule.decline_days,
        "min_drop": rule.min_drop,
        "enabled": rule.enabled,
    }


def _check_group_value(conn: Conn, kind: str, value: str) -> None:
    if kind == "tag":
        _check_tags([value])
        return
    if kind == "segment":
        if not value.isdigit() or get_segment(conn, int(value)) is None:
            raise SegmentError("segments.error.no_segment")
        return
    if kind == "at_risk":
        try:
            threshold = float(value)
        except ValueError:
            threshold = -1.0
        if not 0 < threshold < 1:
            raise SegmentError("alerts.error.value", value=value[:40])
        return
    column = {"channel": "channel", "tier": "tier"}[kind]
    found = _rows(
        conn,
        f"select 1 from members where {column} = $v limit 1",  # noqa: S608 (allow-list)
        {"v": value},
    )
    if not found:
        raise SegmentError("alerts.error.value", value=value[:40])


def _rule_groups(conn: Conn, rule: AlertRule, day: date) -> list[tuple[str | None, list | None]]:
    """(group value for the query, member keys for segment groups) per group of a rule."""
    if rule.group_kind == "at_risk":
        threshold = rule.group_value or DEFAULT_AT_RISK_THRESHOLD
        return [(threshold, at_risk_member_keys(conn, float(threshold)))]
    if rule.group_kind != "segment":
        return [(rule.group_value, None)]
    ids = (
        [int(rule.group_value)]
        if rule.group_value is not None
        else [s.segment_id for s in list_segments(conn)]
    )
    groups = []
    for segment_id in ids:
        segment = get_segment(conn, segment_id)
        if segment is not None:
            groups.append((str(segment_id), segment_member_keys(conn, segment.definition, day)))
    return groups


def group_daily_active(
    conn: Conn,
    kind: str,
    value: str | None,
    start: date,
    end: date,
    keys: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Daily active members per group of ``kind`` over [start, end]: ``group_value``,
    ``day``, ``active`` (every day listed). For ``segment`` pass the members in ``keys``."""
    if kind not in GROUP_KINDS:
        raise SegmentError("alerts.error.kind", kind=str(kind)[:40])
    frame = _df(
        conn,
        "segments/group_daily_active",
        {
            "kind": kind,
            "value": value,
            "start": start,
            "end": end,
            "keys": None if keys is None else [int(k) for k in keys],
        },
    )
    frame["day"] = pd.to_datetime(frame["day"]).dt.date
    return frame


def affected_members(
    conn: Conn,
    kind: str,
    value: str | None,
    start_day: date,
    end_day: date,
    keys: Sequence[int] | None = None,
) -> list[int]:
    """Members of the group active in the baseline week before ``start_day`` and on no day
    of [start_day, end_day]."""
    frame = _df(
        conn,
        "segments/alert_affected",
        {
            "kind": kind,
            "value": value,
            "keys": None if keys is None else [int(k) for k in keys],
            "baseline_start": start_day - timedelta(days=BASELINE_DAYS),
            "baseline_end": start_day - timedelta(days=1),
            "run_start": start_day,
            "run_end": end_day,
        },
    )
    return [int(k) for k in frame["member_key"]]


def _evaluate_rule_day(
    cur: duckdb.DuckDBPyConnection,
    rule: AlertRule,
    group_value: str,
    keys: list | None,
    day: date,
    series: list[float],
    days: list[date],
) -> None:
    found = cur.execute(
        "select alert_id, baseline, start_day from alerts where rule_id = $rule "
        "and group_value is not distinct from $group and status = 'open'",
        {"rule": rule.rule_id, "group": group_value},
    ).fetchone()
    decline = find_decline(series, rule.decline_days, rule.min_drop)
    if decline is not None:
        start_day = days[decline.start]
        if found is not None:
            cur.execute(
                "update alerts set last_day = $day, decline_days = $n, latest = $latest, "
                "drop_share = greatest(drop_share, $drop) where alert_id = $id",
                {
                    "day": day,
                    "n": decline.days,
                    "latest": decline.latest,
                    "drop": decline.drop,
                    "id": found[0],
                },
            )
            return
        query_value = None if rule.group_kind == "everyone" else group_value
        affected = affected_members(cur, rule.group_kind, query_value, start_day, day, keys)
        best_hour = group_best_hour(cur, affected, day)
        alert_id = cur.execute("select coalesce(max(alert_id), 0) + 1 from alerts").fetchone()[0]
        cur.execute(
            "insert into alerts values ($id, $rule, $kind, $group, $start, $day, $day, $n, "
            "$baseline, $latest, $drop, $affected, $hour, $action, 'open', null)",
            {
                "id": alert_id,
                "rule": rule.rule_id,
                "kind": rule.group_kind,
                "group": group_value,
                "start": start_day,
                "day": day,
                "n": decline.days,
                "baseline": decline.baseline,
                "latest": decline.latest,
                "drop": decline.drop,
                "affected": len(affected),
                "hour": best_hour,
                "action": suggested_action(decline.drop, rule.min_drop),
            },
        )
        return
    if found is None:
        return
    baseline = float(found[1])
    latest = series[-1]
    drop = (baseline - latest) / baseline if baseline else 0.0
    if recovered(latest, baseline, rule.min_drop):
        cur.execute(
            # drop_share keeps the alert's deepest drop; latest shows the recovery.
            "update alerts set status = 'cleared', cleared_on = $day, last_day = $day, "
            "latest = $latest where alert_id = $id",
            {"day": day, "latest": latest, "id": found[0]},
        )
    else:
        cur.execute(
            "update alerts set last_day = $day, latest = $latest, "
            "drop_share = greatest(drop_share, $drop) where alert_id = $id",
            {"day": day, "latest": latest, "drop": drop, "id": found[0]},
        )


def evaluate_alerts(
    cur: duckdb.DuckDBPyConnection,
    as_of: date | None,
    replay_days: int = ALERT_REPLAY_DAYS,
    changed_from: date | None = None,
) -> list[int]:
    """Evaluate every enabled rule for each day since the last evaluation up to ``as_of``
    (the first time, the last ``replay_days`` days); returns the ids of alerts open after.

    Re-evaluating a day already evaluated forgets the alert history from that day on first
    (an import may have changed the counts): ``as_of`` itself when already evaluated, and
    every day from ``changed_from`` on (the first day an import changed; ``date.min``: any
    day), within the ``replay_days`` ending at ``as_of``. Runs inside the caller's
    transaction.
    """
    if as_of is None:
        return []
    done = cur.execute("select value from meta where key = 'alerts_evaluated_through'").fetchone()
    last = date.fromisoformat(done[0]) if done else None
    window_start = as_of - timedelta(days=replay_days - 1)
    first = window_start if last is None else last + timedelta(days=1)
    if last is not None and as_of <= last:
        first = min(first, as_of)
    if changed_from is not None:
        first = min(first, changed_from)
    first = max(first, window_start)
    if last is not None and first <= last:
        _rewind_alerts(cur, first)
    window = BASELINE_DAYS + MAX_RUN_DAYS
    for rule in alert_rules(cur):
        if not rule.enabled:
            continue
        for group_filter, keys in _rule_groups(cur, rule, as_of):
            frame = group_daily_active(
                cur,
                rule.group_kind,
                group_filter,
                first - timedelta(days=window),
                as_of,
                keys,
            )
            for group_value, rows in frame.groupby("group_value", sort=True):
                by_day = dict(zip(rows["day"], rows["active"].astype(float), strict=True))
                day = first
                while day <= as_of:
                    days = [day - timedelta(days=n) for n in range(window, -1, -1)]
                    series = [by_day.get(d, 0.0) for d in days]
                    _evaluate_rule_day(cur, rule, str(group_value), keys, day, series, days)
                    day += timedelta(days=1)
    cur.execute(
        "insert or replace into meta values ('alerts_evaluated_through', $day)",
        {"day": as_of.isoformat()},
    )
    rows = cur.execute("select alert_id from alerts where status = 'open' order by 1").fetchall()
    return [int(r[0]) for r in rows]


def _rewind_alerts(cur: duckdb.DuckDBPyConnection, day: date) -> None:
    cur.execute("delete from alerts where fired_on >= $day", {"day": day})
    # an alert cleared on or after the day is open again until re-evaluated; its latest
    # figures are recomputed with the day
    cur.execute(
        "update alerts set status = 'open', cleared_on = null where cleared_on >= $day",
        {"day": day},
    )


def run_alerts_now(
    store: Store, role: str | None, as_of: date, actor: str | None = None
) -> list[int]:
    """Evaluate the rules for ``as_of`` on demand (operators and admins); audited as
    ``alert.run`` with the open alerts before and after, in the same transaction."""
    audit.require(store, actor, role, Capability.MANAGE_ALERTS, "alert.run", as_of.isoformat())
    with store.transaction() as cur:
        before = [
            int(r[0])
            for r in cur.execute(
                "select alert_id from alerts where status = 'open' order by 1"
            ).fetchall()
        ]
        opened = evaluate_alerts(cur, as_of)
        audit.record(
            cur,
            actor=actor,
            role=role,
            action="alert.run",
            target=as_of.isoformat(),
            before={"open_alerts": before},
            after={"open_alerts": opened},
        )
        return opened


ALERT_COLUMNS = (
    "alert_id",
    "rule_id",
    "rule_name",
    "group_kind",
    "group_value",
    "start_day",
    "fired_on",
    "last_day",
    "decline_days",
    "baseline",
    "latest",
    "drop_share",
    "affected",
    "best_hour",
    "action",
    "status",
    "cleared_on",
)


def alerts(conn: Conn, status: str | None = None) -> pd.DataFrame:
    """Fired alerts (``status`` open / cleared / None for all), newest first, with the rule
    name: columns :data:`ALERT_COLUMNS`."""
    frame = pd.DataFrame(
        _rows(
            conn,
            "select a.alert_id, a.rule_id, r.name, a.group_kind, a.group_value, a.start_day, "
            "a.fired_on, a.last_day, a.decline_days, a.baseline, a.latest, a.drop_share, "
            "a.affected, a.best_hour, a.action, a.status, a.cleared_on "
            "from alerts a left join alert_rules r on r.rule_id = a.rule_id "
            "where $status is null or a.status = $status "
            "order by a.fired_on desc, a.alert_id desc",
            {"status": status},
        ),
        columns=list(ALERT_COLUMNS),
    )
    frame["best_hour"] = frame["best_hour"].astype("Int64")
    return frame


def group_label(kind: str, value: str | None) -> str:
    """An alert group as text for logs and the CLI: ``everyone``, ``channel:douyin``, …"""
    if kind == "everyone" or value is None:
        return kind
    return f"{kind}:{value}"


def at_risk_member_keys(conn: Conn, threshold: float) -> list[int]:
    """Active members whose 30-day churn probability in the latest stored churn fit is at
    least ``threshold`` (the "at risk" alert group; empty before any fit)."""
    frame = _df(conn, "segments/at_risk_member_keys", {"threshold": float(threshold)})
    return [int(k) for k in frame["member_key"]]


def alert_member_keys(conn: Conn, alert_id: int) -> list[int]:
    """The members an alert affects, recomputed from its group, start and last day."""
    rows = _rows(
        conn,
        "select group_kind, group_value, start_day, last_day from alerts where alert_id = $id",
        {"id": int(alert_id)},
    )
    if not rows:
        raise SegmentError("alerts.error.no_alert")
    kind, value, start_day, last_day = rows[0]
    keys = None
    if kind == "segment":
        segment = get_segment(conn, int(value))
        keys = segment_member_keys(conn, segment.definition, _as_date(last_day)) if segment else []
    if kind == "at_risk":
        keys = at_risk_member_keys(conn, float(value))
    query_value = None if kind == "everyone" else value
    return affected_members(conn, kind, query_value, _as_date(start_day), _as_date(last_day), keys)


# == a segment against everyone =============================================================


def segment_kpis(conn: Conn, member_keys: Sequence[int], as_of: date) -> pd.DataFrame:
    """The segment's members against everyone over the 30 days ending ``as_of``.

    One row per ``grp`` (segment, everyone): ``members``, ``active_30d``, ``active_share``,
    ``buyers_30d``, ``revenue_30d``, ``revenue_per_member``, ``retention_30d`` (of those
    active in the 30 days before, the share active again; empty without any).
    """
    frame = _df(
        conn, "segments/segment_kpis", {"keys": [int(k) for k in member_keys], "as_of": as_of}
    )
    frame = frame.set_index("grp").reindex(["segment", "everyone"]).fillna(0)
    frame["revenue_30d"] = frame["revenue_30d"].astype(float)
    members = frame["members"].replace(0, float("nan"))
    frame["active_share"] = frame["active_30d"] / members
    frame["revenue_per_member"] = frame["revenue_30d"] / members
    frame["retention_30d"] = frame["retained"] / frame["active_before"].replace(0, float("nan"))
    return frame.reset_index()


def segment_tier_mix(conn: Conn, member_keys: Sequence[int], as_of: date) -> pd.DataFrame:
    """Tier mix of the segment and of everyone: ``grp``, ``tier_code``, ``name_zh``,
    ``name_en``, ``rank``, ``members``, ``share``."""
    frame = _df(
        conn,
        "segments/segment_tier_mix",
        {"keys": [int(k) for k in member_keys], "as_of": as_of},
    )
    frame["share"] = frame["share"].astype(float)
    return frame


def find_member(conn: Conn, text: str, role: str | None) -> pd.DataFrame:
    """The members ``role`` may open from ``text`` (trimmed; at most 20), nickname masked
    by role.

    Roles that look members up (support, operator, admin) find them by id, phone, e-mail or
    nickname; the other roles with the member page (analysts) only by member id, as listed
    on their member lists (SPEC §1): a phone number or e-mail never leads an analyst to a
    member. Roles without the member page find nobody.
    """
    from core.permissions import can

    value = (text or "").strip()[:100]
    columns = ["member_key", "member_id", "nickname"]
    if not value or not can(role, Capability.VIEW_MEMBER_PROFILE):
        return pd.DataFrame(columns=columns)
    if can(role, Capability.LOOK_UP_MEMBERS):
        sql = (
            "select member_key, member_id, nickname from members where member_id = $v "
            "or phone = $v or lower(email) = lower($v) or nickname = $v order by member_id "
            "limit 20"
        )
    else:
        sql = "select member_key, member_id, nickname from members where member_id = $v"
    found = pd.DataFrame(_rows(conn, sql, {"v": value}), columns=columns)
    return masking.mask_frame(found, role)


def member_key_of(conn: Conn, member_id: str) -> int | None:
    rows = _rows(conn, "select member_key from members where member_id = $id", {"id": member_id})
    return int(rows[0][0]) if rows else None


# == one member (会员360) ===================================================================


@dataclass(frozen=True)
class Member360:
    """One member as ``role`` may see them: attributes (personal ones masked), tier history,
    tags now and their history, orders, the daily activity of the last 90 days, best hour."""

    member_key: int
    attributes: dict
    tier_history: pd.DataFrame
    tags: list[str]
    tag_history: pd.DataFrame
    orders: pd.DataFrame
    timeline: pd.DataFrame
    best_hour: int | None


def _audit_view(conn: Conn, actor: str | None, role: str | None, member_id: str) -> None:
    """One ``member.view`` audit row: who opened which member (SPEC §7)."""
    fields = {"actor": actor, "role": role, "action": "member.view", "target": member_id}
    if isinstance(conn, Store):
        audit.record_now(conn, **fields)
    else:
        audit.record(conn, **fields)


def member_360(
    conn: Conn, role: str | None, member_key: int, as_of: date, *, actor: str | None
) -> Member360:
    """Everything the member page shows (roles with the member profile only).

    Every view is audited (``member.view``: ``actor``, role, member id) before anything is
    returned; a refusal is audited as ``access.denied``."""
    if isinstance(conn, Store):
        audit.require(conn, actor, role, Capability.VIEW_MEMBER_PROFILE, "member.view")
    else:
        require(role, Capability.VIEW_MEMBER_PROFILE)
    key = int(member_key)
    attributes = pd.DataFrame(
        _rows(
            conn,
            "select member_id, nickname, name, gender, birth_date, phone, email, address, "
            "region, city, channel, device, status, tier, tier_override, signup_at, "
            "last_login_at from members where member_key = $k",
            {"k": key},
        ),
        columns=[
            "member_id", "nickname", "name", "gender", "birth_date", "phone", "email",
            "address", "region", "city", "channel", "device", "status", "tier",
            "tier_override", "signup_at", "last_login_at",
        ],
    )  # fmt: skip
    if attributes.empty:
        raise SegmentError("profile.not_found")
    record = masking.mask_record(attributes.iloc[0].to_dict(), role)
    tier_history = pd.DataFrame(
        _rows(
            conn,
            "select changed_at, from_tier, to_tier, reason, actor, note from tier_history "
            "where member_key = $k order by changed_at desc limit 200",
            {"k": key},
        ),
        columns=["changed_at", "from_tier", "to_tier", "reason", "actor", "note"],
    )
    orders = pd.DataFrame(
        _rows(
            conn,
            "select order_id, paid_at, amount, discount_amount, coupon_id, category, status "
            "from orders where member_key = $k and paid_at < $end order by paid_at desc limit 200",
            {"k": key, "end": as_of + timedelta(days=1)},
        ),
        columns=["order_id", "paid_at", "amount", "discount_amount", "coupon_id", "category",
                 "status"],
    )  # fmt: skip
    orders["amount"] = orders["amount"].astype(float)
    timeline = pd.DataFrame(
        _rows(
            conn,
            # activity: the events, plus the orders no order_paid event stands for
            "select day, events + greatest(orders - orders_paid, 0) as activity, events, "
            "page_views, add_to_carts, orders_paid, orders from member_day "
            "where member_key = $k and day between $start and $end order by day",
            {"k": key, "start": as_of - timedelta(days=89), "end": as_of},
        ),
        columns=[
            "day",
            "activity",
            "events",
            "page_views",
            "add_to_carts",
            "orders_paid",
            "orders",
        ],
    )
    _audit_view(conn, actor, role, str(record["member_id"]))
    return Member360(
        member_key=key,
        attributes=record,
        tier_history=tier_history,
        tags=member_tags(conn, key, as_of),
        tag_history=member_tag_spells(conn, key),
        orders=orders,
        timeline=timeline,
        best_hour=best_contact_hour(conn, key, as_of),
    )

"""Click paths (点击路径) and dwell time (页面停留时长): issue 15, items 1 and 3.

Everything here reads the events of the members in the filter scope over the period, placed
in sessions by one query, ``sql/metrics/path_steps.sql``, which every other ``path_*`` query
reads as the table ``path_steps`` (:func:`_query` wraps it round them). The rules, stated
there and in ``docs/REPORTS.md``:

- **session**: the member's ``session_id`` when the event has one; for events without one,
  a new session starts at the member's first such event and after any gap of more than
  :data:`SESSION_GAP_S` seconds (30 minutes).
- **step**: the page of a ``page_view`` that names one, else the event type. Consecutive
  repeats of a step are one step (the *collapsed* path) unless asked otherwise.
- **order** within a session: event time, then a fixed hash order for events of the same
  second. A store whose event times are all midnight (dates without times) has no order
  within a day and the store keeps no import order, so it has no paths
  (:attr:`PathShape.note`); its dwell comes from ``duration_s`` alone.
- **dwell**: ``duration_s`` when the event has one, else the time to the next event of the
  session, at most :data:`DWELL_CAP_S` seconds; a session's last event has none.

Pseudo-steps: :data:`EXIT` follows a session's last step (so the shares of a step's exits
sum to 1), :data:`START` precedes its first (paths before a step), :data:`OTHER` stands for
the steps folded away beyond the top K of a Sankey depth. Functions take the store, the
global filters and the as-of date, and return DataFrames; nothing reads Streamlit state.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from numbers import Integral

import numpy as np
import pandas as pd

from core.filters import GlobalFilters, Period
from core.sqlfiles import sql_text
from core.store import Store

SESSION_GAP_S = 30 * 60  # a gap longer than this starts a derived session
DWELL_CAP_S = 30 * 60  # the longest dwell taken from the time to the next event
EXIT = "(exit)"
START = "(start)"
OTHER = "(other)"
PSEUDO_STEPS: tuple[str, ...] = (EXIT, START, OTHER)
DWELL_GROUPS: tuple[str, ...] = ("tier", "channel", "device", "segment")
PATH_DIRECTIONS: tuple[str, ...] = ("after", "before")
DEFAULT_DEPTH = 4
MAX_DEPTH = 10
DEFAULT_TOP = 5
MAX_TOP = 20

TRANSITION_COLUMNS = ("from_step", "to_step", "transitions", "sessions", "share")
FLOW_COLUMNS = ("depth", "from_step", "to_step", "sessions")
LOOP_COLUMNS = ("from_step", "via_step", "loops", "sessions")
DWELL_COLUMNS = ("page", "views", "members", "timed_views", "median_s", "p90_s", "mean_s")
CHANGE_COLUMNS = (
    "from_step",
    "to_step",
    "transitions",
    "share",
    "previous_transitions",
    "previous_share",
    "share_change",
)


class PathOptionError(ValueError):
    """A path option a user can get wrong (the CLI and the page show it as is)."""


@dataclass(frozen=True)
class PathShape:
    """What the store's events hold for paths and dwell (``sql/metrics/path_shape.sql``)."""

    events: bool = False
    times: bool = False
    pages: bool = False
    session_ids: bool = False
    durations: bool = False

    @property
    def has_paths(self) -> bool:
        """Events with times of day: the steps of a session have an order."""
        return self.events and self.times

    @property
    def has_dwell(self) -> bool:
        """Page views and either durations or times to measure the gap to the next event."""
        return self.pages and (self.durations or self.times)

    @property
    def note(self) -> str | None:
        """The translation key of the sentence saying why there are no paths (None: there
        are): no events at all (an orders-only store), or dates without times."""
        if not self.events:
            return "paths.missing.events"
        if not self.times:
            return "paths.missing.times"
        return None

    @property
    def dwell_note(self) -> str | None:
        """The translation key saying why there is no dwell time (None: there is)."""
        if not self.events:
            return "paths.missing.events"
        if not self.pages:
            return "paths.missing.pages"
        if not self.has_dwell:
            return "paths.missing.times"
        return None


def path_shape(store: Store) -> PathShape:
    row = store.query("metrics/path_shape").iloc[0]
    return PathShape(
        **{field.name: bool(row[field.name]) for field in dataclasses.fields(PathShape)}
    )


def _whole(name: str, value: object, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral) or not low <= value <= high:
        raise PathOptionError(f"{name} must be a whole number from {low} to {high}, not {value!r}")
    return int(value)


def _query(
    store: Store,
    name: str,
    filters: GlobalFilters,
    period: Period,
    timed: bool,
    params: dict | None = None,
) -> pd.DataFrame:
    """Run ``sql/metrics/<name>.sql`` over ``path_steps`` (sql/metrics/path_steps.sql) for
    the events of ``period`` of the members in ``filters``' scope."""
    sql = (
        f"with path_steps as (\n{sql_text('metrics/path_steps')}\n)\n"
        f"select * from (\n{sql_text(f'metrics/{name}')}\n)"
    )
    bound = {
        "start": period.start,
        "end": period.end,
        **filters.sql_params(),
        "session_gap_s": SESSION_GAP_S,
        "dwell_cap_s": DWELL_CAP_S,
        "timed": timed,
        **(params or {}),
    }
    return store.df(sql, bound)


_TEXT_COLUMNS = frozenset({"from_step", "to_step", "via_step", "page", *DWELL_GROUPS})


def _empty(columns: tuple[str, ...]) -> pd.DataFrame:
    """A table without rows: text columns as objects, the others as numbers."""
    return pd.DataFrame(
        {
            column: pd.Series(dtype=object if column in _TEXT_COLUMNS else float)
            for column in columns
        }
    )


def transitions(
    store: Store,
    filters: GlobalFilters,
    as_of: date,
    keep_repeats: bool = False,
    period: Period | None = None,
) -> pd.DataFrame:
    """Every consecutive pair of steps within a session over the period.

    Columns ``from_step``, ``to_step`` (:data:`EXIT` after a session's last step),
    ``transitions``, ``sessions`` (sessions holding the pair), ``share`` (of ``from_step``'s
    transitions; they sum to 1 per ``from_step``). Consecutive repeats of one step are one
    step unless ``keep_repeats``. Sorted by ``from_step``'s volume, then transitions. Empty
    when the store has no paths (:attr:`PathShape.note`). ``period``: another period than
    the filters' (the comparison period of :func:`transition_changes`).
    """
    if not path_shape(store).has_paths:
        return _empty(TRANSITION_COLUMNS)
    frame = _query(
        store,
        "path_transitions",
        filters,
        period or filters.period(as_of),
        True,
        {"keep_repeats": bool(keep_repeats), "exit": EXIT},
    )
    volume = frame.groupby("from_step")["transitions"].transform("sum")
    frame = frame.assign(_volume=volume).sort_values(
        ["_volume", "from_step", "transitions", "to_step"], ascending=[False, True, False, True]
    )
    return frame[list(TRANSITION_COLUMNS)].reset_index(drop=True)


def loops(store: Store, filters: GlobalFilters, as_of: date) -> pd.DataFrame:
    """Loops A → B → A in the collapsed paths of the period: ``from_step`` (A),
    ``via_step`` (B), ``loops`` (occurrences), ``sessions``; most frequent first."""
    if not path_shape(store).has_paths:
        return _empty(LOOP_COLUMNS)
    frame = _query(store, "path_loops", filters, filters.period(as_of), True)
    frame = frame.sort_values(["loops", "from_step", "via_step"], ascending=[False, True, True])
    return frame[list(LOOP_COLUMNS)].reset_index(drop=True)


def paths(
    store: Store,
    filters: GlobalFilters,
    as_of: date,
    start_step: str | None = None,
    end_step: str | None = None,
    depth: int = DEFAULT_DEPTH,
    top: int = DEFAULT_TOP,
) -> pd.DataFrame:
    """The Sankey of the paths after ``start_step`` (or before ``end_step``): one of the two.

    Per session the collapsed path from the first occurrence of the step, ``depth`` steps on
    (back), with :data:`EXIT` (:data:`START`) one place past the session's end (start). At
    each depth the ``top`` steps held by most sessions keep their name, the rest become
    :data:`OTHER`. Columns ``depth`` (1 … ``depth``; before a step, depth counts back: the
    link at depth 1 ends at the step), ``from_step``, ``to_step``, ``sessions``.
    """
    if (start_step is None) == (end_step is None):
        raise PathOptionError("give one of a start step or an end step")
    anchor = start_step if start_step is not None else end_step
    if not str(anchor).strip():
        raise PathOptionError("the step must not be empty")
    depth = _whole("depth", depth, 1, MAX_DEPTH)
    top = _whole("top", top, 1, MAX_TOP)
    if not path_shape(store).has_paths:
        return _empty(FLOW_COLUMNS)
    frame = _query(
        store,
        "path_flows",
        filters,
        filters.period(as_of),
        True,
        {
            "anchor": anchor,
            "forward": start_step is not None,
            "depth": depth,
            "top": top,
            "exit": EXIT,
            "start_mark": START,
            "other": OTHER,
        },
    )
    frame = frame.sort_values(
        ["depth", "sessions", "from_step", "to_step"], ascending=[True, False, True, True]
    )
    return frame[list(FLOW_COLUMNS)].reset_index(drop=True)


def dwell(store: Store, filters: GlobalFilters, as_of: date, by: str | None = None) -> pd.DataFrame:
    """Dwell time per page over the period, optionally per member ``tier``, ``channel``,
    event ``device`` or saved ``segment`` (:data:`DWELL_GROUPS`; the column of that name
    comes first; per segment, a view counts in each saved segment its member is in, by the
    segment's name, and members in none are left out).

    Columns ``page``, ``views`` (page views naming the page, repeats included), ``members``,
    ``timed_views`` (views with a dwell), ``median_s``, ``p90_s`` (interpolated quantiles),
    ``mean_s``; most viewed first. Dwell is ``duration_s`` when given, else the seconds to
    the next event of the session, at most :data:`DWELL_CAP_S`; a session's last event has
    none. In a store of dates without times only ``duration_s`` counts.
    """
    if by is not None and by not in DWELL_GROUPS:
        raise PathOptionError(f"by must be one of {', '.join(DWELL_GROUPS)}, not {by!r}")
    shape = path_shape(store)
    columns = ((by,) if by else ()) + DWELL_COLUMNS
    if shape.dwell_note is not None:
        return _empty(columns)
    frame = _query(
        store, "path_dwell", filters, filters.period(as_of), shape.times, {"group": by or "none"}
    )
    if by:
        frame = frame.rename(columns={"group": by})
    for column in ("median_s", "p90_s", "mean_s"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    order = ([by] if by else []) + ["page"]
    frame = frame.assign(_views=frame.groupby("page")["views"].transform("sum"))
    frame = frame.sort_values(["_views", *order], ascending=[False] + [True] * len(order))
    return frame[list(columns)].reset_index(drop=True)


def transition_changes(
    store: Store,
    filters: GlobalFilters,
    as_of: date,
    min_transitions: int = 1,
    keep_repeats: bool = False,
) -> pd.DataFrame:
    """What changed: each transition's share of its from_step's exits in the period against
    the comparison period (``filters.compare``: the same-length period before, or last
    year), the largest moves first.

    Columns ``from_step``, ``to_step``, ``transitions``, ``share``,
    ``previous_transitions``, ``previous_share``, ``share_change`` (percentage points as a
    fraction). A pair missing from one period has 0 transitions there; its share there is 0
    when its from_step occurs, empty when the from_step does not. Pairs with fewer than
    ``min_transitions`` in both periods are left out.
    """
    period = filters.period(as_of)
    now = transitions(store, filters, as_of, keep_repeats, period)
    before = transitions(store, filters, as_of, keep_repeats, period.compared(filters.compare))
    merged = now.merge(before, on=["from_step", "to_step"], how="outer", suffixes=("", "_previous"))
    if merged.empty:
        return _empty(CHANGE_COLUMNS)
    seen_now = set(now["from_step"])
    seen_before = set(before["from_step"])
    merged["transitions"] = merged["transitions"].fillna(0).astype(int)
    merged["previous_transitions"] = merged["transitions_previous"].fillna(0).astype(int)
    merged["share"] = np.where(
        merged["from_step"].isin(seen_now), merged["share"].fillna(0.0), np.nan
    )
    merged["previous_share"] = np.where(
        merged["from_step"].isin(seen_before), merged["share_previous"].fillna(0.0), np.nan
    )
    merged["share_change"] = merged["share"] - merged["previous_share"]
    busy = np.maximum(merged["transitions"], merged["previous_transitions"]) >= min_transitions
    merged = merged[busy].assign(_move=merged["share_change"].abs())
    merged = merged.sort_values(
        ["_move", "transitions", "from_step", "to_step"],
        ascending=[False, False, True, True],
        na_position="last",
    )
    return merged[list(CHANGE_COLUMNS)].reset_index(drop=True)


def step_volumes(frame: pd.DataFrame) -> pd.Series:
    """Transitions out of each step of a :func:`transitions` frame (its occurrences),
    largest first: the steps a page offers to start or end a path at."""
    if frame.empty:
        return pd.Series(dtype=int)
    volumes = frame.groupby("from_step")["transitions"].sum()
    return volumes.sort_values(ascending=False, kind="stable")


def transition_matrix(frame: pd.DataFrame, top: int) -> pd.DataFrame:
    """The transitions among the ``top`` busiest from-steps (and :data:`EXIT`), as rows
    ``from_step``, ``to_step``, ``transitions``, ``share`` for a heatmap; the rest of a
    row's exits are folded into :data:`OTHER`, so a row's shares still sum to 1."""
    if frame.empty:
        return _empty(("from_step", "to_step", "transitions", "share"))
    keep = set(step_volumes(frame).index[:top])
    rows = frame[frame["from_step"].isin(keep)].copy()
    rows["to_step"] = rows["to_step"].where(rows["to_step"].isin(keep | {EXIT}), OTHER)
    return (
        rows.groupby(["from_step", "to_step"], as_index=False)[["transitions", "share"]]
        .sum()
        .sort_values(["from_step", "to_step"])
        .reset_index(drop=True)
    )


NODE_HALF_WIDTH = 0.06  # of the distance between two depths
NODE_GAP = 0.04  # between two nodes of a column, as a share of the tallest column
RIBBON_POINTS = 24


@dataclass(frozen=True)
class SankeyLayout:
    """Where a Sankey's nodes and ribbons go (x in depths, y in sessions, top down).

    ``nodes``: ``node``, ``step``, ``column``, ``x0``, ``x1``, ``y0``, ``y1``, ``sessions``.
    ``ribbons``: one row per point of each link's ribbon: ``link``, ``from_step``,
    ``to_step``, ``sessions``, ``x``, ``y0``, ``y1``.
    """

    nodes: pd.DataFrame
    ribbons: pd.DataFrame


def sankey_layout(flows: pd.DataFrame, forward: bool = True) -> SankeyLayout:
    """Lay out the links of :func:`paths` (``depth``, ``from_step``, ``to_step``,
    ``sessions``; the step columns may hold labels) as a left-to-right Sankey.

    After a step, link depth d runs from column d − 1 to column d; before a step, from
    column N − d to N − d + 1 (N the deepest), so the step is the last column. A node is
    a step in a column, as tall as the larger of the sessions into and out of it; a column's
    nodes are stacked largest first, pseudo-steps last. Each link leaves its source and
    enters its target in a band as tall as its sessions, ordered by the other end's place,
    and is drawn as a ribbon along a smoothstep curve.
    """
    if flows.empty:
        return SankeyLayout(pd.DataFrame(), pd.DataFrame())
    deepest = int(flows["depth"].max())
    links = flows.copy()
    if forward:
        links["from_col"] = links["depth"] - 1
    else:
        links["from_col"] = deepest - links["depth"]
    links["to_col"] = links["from_col"] + 1
    out_flow = links.groupby(["from_col", "from_step"])["sessions"].sum()
    in_flow = links.groupby(["to_col", "to_step"])["sessions"].sum()
    sizes: dict[tuple[int, str], float] = {}
    for (column, step), value in out_flow.items():
        sizes[(column, step)] = max(sizes.get((column, step), 0), value)
    for (column, step), value in in_flow.items():
        sizes[(column, step)] = max(sizes.get((column, step), 0), value)
    tallest = max(
        sum(v for (c, _), v in sizes.items() if c == column) for column in range(deepest + 1)
    )
    gap = NODE_GAP * tallest
    rows = []
    for column in range(deepest + 1):
        here = [(step, value) for (c, step), value in sizes.items() if c == column]
        here.sort(key=lambda item: (item[0] in PSEUDO_STEPS, -item[1], item[0]))
        top = 0.0
        for step, value in here:
            rows.append(
                {
                    "node": f"{column}:{step}",
                    "step": step,
                    "column": column,
                    "x0": column - NODE_HALF_WIDTH,
                    "x1": column + NODE_HALF_WIDTH,
                    "y0": top,
                    "y1": top + value,
                    "sessions": value,
                }
            )
            top += value + gap
    nodes = pd.DataFrame(rows)
    place = nodes[["column", "step", "y0"]]
    links = links.merge(
        place.rename(columns={"column": "from_col", "step": "from_step", "y0": "from_y"}),
        on=["from_col", "from_step"],
    ).merge(
        place.rename(columns={"column": "to_col", "step": "to_step", "y0": "to_y"}),
        on=["to_col", "to_step"],
    )
    # bands: out of a source ordered by the target's place, into a target by the source's
    links = links.sort_values(["from_col", "from_y", "to_y"])
    links["out_top"] = (
        links["from_y"]
        + links.groupby(["from_col", "from_step"])["sessions"].cumsum()
        - links["sessions"]
    )
    links = links.sort_values(["to_col", "to_y", "from_y"])
    links["in_top"] = (
        links["to_y"]
        + links.groupby(["to_col", "to_step"])["sessions"].cumsum()
        - links["sessions"]
    )
    t = np.linspace(0.0, 1.0, RIBBON_POINTS)
    ease = 3 * t**2 - 2 * t**3
    pieces = []
    for index, link in enumerate(links.itertuples()):
        start = link.from_col + NODE_HALF_WIDTH
        end = link.to_col - NODE_HALF_WIDTH
        top = link.out_top + ease * (link.in_top - link.out_top)
        pieces.append(
            pd.DataFrame(
                {
                    "link": index,
                    "from_step": link.from_step,
                    "to_step": link.to_step,
                    "sessions": link.sessions,
                    "x": start + t * (end - start),
                    "y0": top,
                    "y1": top + link.sessions,
                }
            )
        )
    return SankeyLayout(nodes, pd.concat(pieces, ignore_index=True))


def path_shape_view(store: Store, filters: GlobalFilters, as_of: date) -> PathShape:
    """:func:`path_shape` in the shape of a view (the filters do not change it)."""
    return path_shape(store)


# The views a page reads through core.ui.cached_view (registered in core.metrics).
VIEWS = {
    "path_shape": path_shape_view,
    "path_transitions": transitions,
    "path_loops": loops,
    "path_flows": paths,
    "path_dwell": dwell,
    "path_changes": transition_changes,
}

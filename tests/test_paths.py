"""Click paths and dwell time (issue 15, items 1 and 3) against answers worked out by hand on
tests/fixtures_paths.py (period 2026-06-01 … 06-04).

Sessions and their collapsed steps (a repeat of the step before is left out):
    m1 s1   home, list, product, list, product, add_to_cart, checkout            7 steps
    m1 s2   home, product, search   (raw: home, home, product, product, search)   3
    m2 d1   home, product, home, product   (derived: gaps 10, 10, 30 min ≤ 30)    4
    m2 d2   product, order_paid   (11:00 is 70 min after 09:50: a new session)   2
    m3 s1   page_view (no page: the step is the event type), list, add_to_cart    3
Their "s1" and member 1's "s1" are two sessions (a session is per member). 19 steps, so
19 transitions, each step followed by the next or by (exit):
    home      → product 3 (s2, d1 twice; 2 sessions), → list 1          of 4: 3/4, 1/4
    list      → product 2 (both in m1 s1: 1 session), → add_to_cart 1   of 3: 2/3, 1/3
    product   → list, add_to_cart, search, home, (exit), order_paid 1 each   of 6: 1/6
    add_to_cart → checkout 1, → (exit) 1                                of 2: 1/2
    checkout, search, order_paid → (exit) 1; page_view → list 1
Keeping repeats adds home → home and product → product (m1 s2): home's exits 5, product's 7.
Loops A → B → A: list→product→list and product→list→product (m1 s1), home→product→home
and product→home→product (m2 d1), once each.
"""

from __future__ import annotations

import io
import math
from datetime import date

import pandas as pd
import pytest

from core import cli, paths
from core.filters import GlobalFilters
from core.ingest import import_dir
from core.store import close_store, open_store
from tests.fixtures_paths import AS_OF, WEEK, build_paths_store


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("paths") / "paths.duckdb"
    s = build_paths_store(path)
    yield s
    close_store(path)


def pairs(frame, value: str) -> dict[tuple[str, str], float]:
    return {(row.from_step, row.to_step): getattr(row, value) for row in frame.itertuples()}


def test_transitions_count_every_consecutive_pair_and_the_exit(store):
    frame = paths.transitions(store, WEEK, AS_OF)
    assert list(frame.columns) == list(paths.TRANSITION_COLUMNS)
    assert frame["transitions"].sum() == 19
    assert pairs(frame, "transitions") == {
        ("home", "product"): 3,
        ("home", "list"): 1,
        ("list", "product"): 2,
        ("list", "add_to_cart"): 1,
        ("product", "list"): 1,
        ("product", "add_to_cart"): 1,
        ("product", "search"): 1,
        ("product", "home"): 1,
        ("product", paths.EXIT): 1,
        ("product", "order_paid"): 1,
        ("add_to_cart", "checkout"): 1,
        ("add_to_cart", paths.EXIT): 1,
        ("checkout", paths.EXIT): 1,
        ("search", paths.EXIT): 1,
        ("order_paid", paths.EXIT): 1,
        ("page_view", "list"): 1,
    }
    sessions = pairs(frame, "sessions")
    assert sessions[("home", "product")] == 2
    assert sessions[("list", "product")] == 1


def test_shares_of_a_steps_exits_sum_to_one(store):
    frame = paths.transitions(store, WEEK, AS_OF)
    share = pairs(frame, "share")
    assert share[("home", "product")] == pytest.approx(3 / 4)
    assert share[("list", "product")] == pytest.approx(2 / 3)
    assert share[("product", paths.EXIT)] == pytest.approx(1 / 6)
    assert frame.groupby("from_step")["share"].sum().tolist() == pytest.approx([1.0] * 8)
    assert frame["from_step"].iloc[0] == "product"  # the busiest step first


def test_repeats_are_kept_on_request(store):
    frame = paths.transitions(store, WEEK, AS_OF, keep_repeats=True)
    transitions = pairs(frame, "transitions")
    assert transitions[("home", "home")] == 1
    assert transitions[("product", "product")] == 1
    assert frame["transitions"].sum() == 21
    assert pairs(frame, "share")[("home", "product")] == pytest.approx(3 / 5)


def test_global_filters_narrow_the_members(store):
    gold = GlobalFilters(date(2026, 6, 1), date(2026, 6, 4), tiers=("gold",))
    frame = paths.transitions(store, gold, AS_OF)
    # member 1 alone: s1 (7 steps) and s2 (3 steps)
    assert frame["transitions"].sum() == 10
    assert pairs(frame, "transitions")[("home", "product")] == 1


def test_the_period_bounds_the_events(store):
    may = GlobalFilters(date(2026, 5, 28), date(2026, 5, 31))
    frame = paths.transitions(store, may, AS_OF)
    assert pairs(frame, "transitions") == {
        ("home", "product"): 1,
        ("product", "add_to_cart"): 1,
        ("add_to_cart", paths.EXIT): 1,
    }


def test_loops(store):
    frame = paths.loops(store, WEEK, AS_OF)
    assert {(r.from_step, r.via_step): (r.loops, r.sessions) for r in frame.itertuples()} == {
        ("list", "product"): (1, 1),
        ("product", "list"): (1, 1),
        ("home", "product"): (1, 1),
        ("product", "home"): (1, 1),
    }


def links(frame) -> dict[tuple[int, str, str], int]:
    return {(r.depth, r.from_step, r.to_step): r.sessions for r in frame.itertuples()}


def test_paths_after_a_step(store):
    """Sessions holding home: m1 s1 (home, list, product, list), m1 s2 (home, product,
    search, then the session ends), m2 d1 (home, product, home, product)."""
    frame = paths.paths(store, WEEK, AS_OF, start_step="home", depth=3)
    assert list(frame.columns) == list(paths.FLOW_COLUMNS)
    assert links(frame) == {
        (1, "home", "product"): 2,
        (1, "home", "list"): 1,
        (2, "list", "product"): 1,
        (2, "product", "search"): 1,
        (2, "product", "home"): 1,
        (3, "product", "list"): 1,
        (3, "search", paths.EXIT): 1,
        (3, "home", "product"): 1,
    }


def test_paths_fold_the_steps_beyond_the_top_into_other(store):
    """Top 1 per depth (ties by name): depth 1 keeps product (2 sessions) over list; depth 2
    keeps home (home, product, search 1 each); depth 3 keeps list (list, product 1 each;
    the exit is never folded)."""
    frame = paths.paths(store, WEEK, AS_OF, start_step="home", depth=3, top=1)
    assert links(frame) == {
        (1, "home", "product"): 2,
        (1, "home", paths.OTHER): 1,
        (2, paths.OTHER, paths.OTHER): 1,
        (2, "product", paths.OTHER): 1,
        (2, "product", "home"): 1,
        (3, paths.OTHER, "list"): 1,
        (3, paths.OTHER, paths.EXIT): 1,
        (3, "home", paths.OTHER): 1,
    }
    assert frame.groupby("depth")["sessions"].sum().tolist() == [3, 3, 3]


def test_paths_before_a_step(store):
    """Sessions holding add_to_cart: m1 s1 (… list, product, add_to_cart) and m3 (page_view,
    list, add_to_cart, with the session's start one place before page_view)."""
    frame = paths.paths(store, WEEK, AS_OF, end_step="add_to_cart", depth=3)
    assert links(frame) == {
        (1, "product", "add_to_cart"): 1,
        (1, "list", "add_to_cart"): 1,
        (2, "list", "product"): 1,
        (2, "page_view", "list"): 1,
        (3, "product", "list"): 1,
        (3, paths.START, "page_view"): 1,
    }


def test_paths_take_one_anchor_and_sane_sizes(store):
    with pytest.raises(paths.PathOptionError):
        paths.paths(store, WEEK, AS_OF)
    with pytest.raises(paths.PathOptionError):
        paths.paths(store, WEEK, AS_OF, start_step="home", end_step="list")
    with pytest.raises(paths.PathOptionError):
        paths.paths(store, WEEK, AS_OF, start_step="home", depth=0)
    assert paths.paths(store, WEEK, AS_OF, start_step="nowhere").empty


def test_dwell_per_page(store):
    """Dwell = duration_s, else the gap to the next event of the session, at most 1,800 s:
    home   m1 s1 30 · m1 s2 8 (duration_s) · m1 s2 30 (the repeat, to product) ·
           m2 600 · m2 1,800 (09:20 → 09:50)        → [8, 30, 30, 600, 1800]
           median 30; p90 at rank 0.9 × 4 = 3.6: 600 + 0.6 × 1,200 = 1,320; mean 2,468 / 5
    list   m1 60, 30 · m3 45 (duration_s)           → [30, 45, 60]: 45, 45 + 0.8 × 15 = 57, 45
    product m1 120, 300, 3,000 → 1,800 (capped), 20 · m2 600, none (09:50 ends d1), 300
           → 7 views, 6 timed [20, 120, 300, 300, 600, 1800]: median 300,
           p90 at 4.5: 600 + 0.5 × 1,200 = 1,200; mean 3,140 / 6
    m3's page_view without a page is no page view of a page."""
    frame = paths.dwell(store, WEEK, AS_OF)
    assert list(frame.columns) == list(paths.DWELL_COLUMNS)
    rows = frame.set_index("page")
    assert rows.index.tolist() == ["product", "home", "list"]
    assert rows.loc["product", ["views", "members", "timed_views"]].tolist() == [7, 2, 6]
    assert rows.loc["product", ["median_s", "p90_s", "mean_s"]].tolist() == pytest.approx(
        [300, 1200, 3140 / 6]
    )
    assert rows.loc["home", ["views", "members", "timed_views"]].tolist() == [5, 2, 5]
    assert rows.loc["home", ["median_s", "p90_s", "mean_s"]].tolist() == pytest.approx(
        [30, 1320, 493.6]
    )
    assert rows.loc["list", ["median_s", "p90_s", "mean_s"]].tolist() == pytest.approx([45, 57, 45])


def test_dwell_by_device(store):
    """ios (m1) product [120, 300, 1800, 20]: median 210, p90 at 2.7: 300 + 0.7 × 1,500 =
    1,350; android (m2) product 3 views, 2 timed [600, 300]: median 450."""
    frame = paths.dwell(store, WEEK, AS_OF, by="device")
    assert list(frame.columns) == ["device", *paths.DWELL_COLUMNS]
    rows = frame.set_index(["device", "page"])
    assert rows.loc[("ios", "product"), ["median_s", "p90_s"]].tolist() == pytest.approx(
        [210, 1350]
    )
    assert rows.loc[("android", "product"), ["views", "timed_views"]].tolist() == [3, 2]
    assert rows.loc[("android", "product"), "median_s"] == pytest.approx(450)
    with pytest.raises(paths.PathOptionError):
        paths.dwell(store, WEEK, AS_OF, by="region")


def test_what_changed_against_the_previous_period(store):
    """Previous period 05-28 … 05-31: m1 s0 home → product → add_to_cart → (exit), each
    share 1. product → add_to_cart falls from 1 to 1/6 (−5/6), the largest move;
    add_to_cart → checkout is new (0 → 1/2); list never occurred before: no previous share."""
    frame = paths.transition_changes(store, WEEK, AS_OF)
    assert list(frame.columns) == list(paths.CHANGE_COLUMNS)
    first = frame.iloc[0]
    assert (first.from_step, first.to_step) == ("product", "add_to_cart")
    assert first.share_change == pytest.approx(-5 / 6)
    assert (first.transitions, first.previous_transitions) == (1, 1)
    rows = frame.set_index(["from_step", "to_step"])
    assert rows.loc[("add_to_cart", "checkout"), "share_change"] == pytest.approx(0.5)
    assert rows.loc[("home", "list"), "previous_share"] == 0
    assert math.isnan(rows.loc[("list", "product"), "previous_share"])


def test_transition_matrix_folds_the_rest_of_a_row(store):
    frame = paths.transitions(store, WEEK, AS_OF)
    matrix = paths.transition_matrix(frame, top=2)  # product (6) and home (4)
    assert set(matrix["from_step"]) == {"product", "home"}
    cells = pairs(matrix, "transitions")
    assert cells[("product", paths.OTHER)] == 4  # list, add_to_cart, search, order_paid
    assert cells[("home", paths.OTHER)] == 1  # list
    assert matrix.groupby("from_step")["share"].sum().tolist() == pytest.approx([1, 1])


# -- real shapes, through the importer ----------------------------------------------------

MEMBERS_CSV = "member_id,signup_at\nA,2026-05-01\nB,2026-05-01\n"


def imported(tmp_path, files: dict[str, str]):
    folder = tmp_path / "in"
    folder.mkdir()
    for table, text in files.items():
        (folder / f"{table}.csv").write_text(text, encoding="utf-8")
    store = open_store(tmp_path / "shape.duckdb")
    assert import_dir(store, folder, reports_dir=folder / "reports").status == "loaded"
    return store


def test_events_without_session_ids_or_pages(tmp_path):
    """No session_id, no page column: sessions by the 30-minute rule, steps are event types.
    A: login 10:00, search 10:05, add_to_cart 10:06 | 54 min | login 11:00, search 11:01."""
    store = imported(
        tmp_path,
        {
            "members": MEMBERS_CSV,
            "events": "member_id,event_time,event_type\n"
            "A,2026-06-01 10:00:00,login\n"
            "A,2026-06-01 10:05:00,search\n"
            "A,2026-06-01 10:06:00,add_to_cart\n"
            "A,2026-06-01 11:00:00,login\n"
            "A,2026-06-01 11:01:00,search\n",
        },
    )
    try:
        shape = paths.path_shape(store)
        assert (shape.has_paths, shape.pages, shape.session_ids) == (True, False, False)
        frame = paths.transitions(
            store, GlobalFilters(date(2026, 6, 1), date(2026, 6, 1)), date(2026, 6, 1)
        )
        assert pairs(frame, "transitions") == {
            ("login", "search"): 2,
            ("search", "add_to_cart"): 1,
            ("search", paths.EXIT): 1,
            ("add_to_cart", paths.EXIT): 1,
        }
        assert shape.dwell_note == "paths.missing.pages"
        assert paths.dwell(store, WEEK, AS_OF).empty
    finally:
        close_store(store.path)


def test_dates_without_times_have_no_paths(tmp_path):
    store = imported(
        tmp_path,
        {
            "members": MEMBERS_CSV,
            "events": "member_id,event_time,event_type,page\n"
            "A,2026-06-01,page_view,home\n"
            "A,2026-06-01,page_view,product\n",
        },
    )
    try:
        shape = paths.path_shape(store)
        assert shape.note == "paths.missing.times"
        day = GlobalFilters(date(2026, 6, 1), date(2026, 6, 1))
        assert paths.transitions(store, day, date(2026, 6, 1)).empty
        assert paths.paths(store, day, date(2026, 6, 1), start_step="home").empty
        assert paths.dwell(store, day, date(2026, 6, 1)).empty  # no durations, no times
    finally:
        close_store(store.path)


def test_orders_only_store_has_no_paths(tmp_path, capsys):
    store = imported(
        tmp_path,
        {
            "members": MEMBERS_CSV,
            "orders": "order_id,member_id,paid_at,amount\n1,A,2026-06-01 10:00:00,10.00\n",
        },
    )
    day = GlobalFilters(date(2026, 6, 1), date(2026, 6, 1))
    try:
        assert paths.path_shape(store).note == "paths.missing.events"
        assert paths.transitions(store, day, date(2026, 6, 1)).empty
        assert paths.loops(store, day, date(2026, 6, 1)).empty
        assert paths.transition_changes(store, day, date(2026, 6, 1)).empty
    finally:
        close_store(store.path)
    assert cli.main(["report", "transitions", "--db", str(tmp_path / "shape.duckdb")]) == 0
    assert capsys.readouterr().out.splitlines()[0] == ",".join(paths.TRANSITION_COLUMNS)


# -- the reports ---------------------------------------------------------------------------

WEEK_ARGS = ["--from", "2026-06-01", "--to", "2026-06-04", "--as-of", "2026-06-04"]


def report(store, capsys, *args: str) -> pd.DataFrame:
    code = cli.main(["report", *args, *WEEK_ARGS, "--db", str(store.path)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return pd.read_csv(io.StringIO(captured.out))


def test_transitions_report(store, capsys):
    written = report(store, capsys, "transitions")
    assert list(written.columns) == list(paths.TRANSITION_COLUMNS)
    assert pairs(written, "transitions") == pairs(
        paths.transitions(store, WEEK, AS_OF), "transitions"
    )
    kept = report(store, capsys, "transitions", "--keep-repeats")
    assert kept["transitions"].sum() == 21


def test_paths_report(store, capsys):
    written = report(store, capsys, "paths", "--start-step", "home", "--depth", "3", "--top", "1")
    assert links(written)[(1, "home", paths.OTHER)] == 1
    before = report(store, capsys, "paths", "--end-step", "add_to_cart", "--depth", "1")
    assert links(before) == {(1, "product", "add_to_cart"): 1, (1, "list", "add_to_cart"): 1}


def test_dwell_report_by_group(store, capsys):
    written = report(store, capsys, "dwell", "--by", "device")
    assert list(written.columns) == ["device", *paths.DWELL_COLUMNS]
    rows = written.set_index(["device", "page"])
    assert rows.loc[("android", "product"), "median_s"] == pytest.approx(450)


@pytest.mark.parametrize(
    "args, message",
    [
        (["paths"], "needs --start-step"),
        (["paths", "--start-step", "home", "--end-step", "list"], "one of a start step"),
        (["paths", "--start-step", "home", "--depth", "11"], "depth must be"),
        (["retention", "--by", "tier"], "--by tier applies to the dwell report only"),
        (["dwell", "--by", "signup"], "one of tier, channel, device"),
        (["activity", "--start-step", "home"], "apply to paths only"),
        (["funnel", "--keep-repeats"], "transitions and path-changes reports"),
    ],
)
def test_wrong_path_options_are_one_line_errors(store, capsys, args, message):
    code = cli.main(["report", *args, *WEEK_ARGS, "--db", str(store.path)])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("error: ") and message in err


def test_sankey_layout_stacks_nodes_and_bands(store):
    """After home (depth 3): column 0 holds home (3 sessions); column 1 product (2) above
    list (1), a gap of 4% of the tallest column (3) between them; home's ribbons leave it in
    bands ordered by their target: product's 0–2, list's 2–3."""
    flows = paths.paths(store, WEEK, AS_OF, start_step="home", depth=3)
    layout = paths.sankey_layout(flows)
    nodes = layout.nodes.set_index("node")
    assert nodes.loc["0:home", ["y0", "y1"]].tolist() == [0, 3]
    assert nodes.loc["1:product", ["y0", "y1"]].tolist() == [0, 2]
    assert nodes.loc["1:list", ["y0", "y1"]].tolist() == pytest.approx([2.12, 3.12])
    assert nodes.loc["3:(exit)", "y0"] > nodes.loc["3:product", "y0"]  # pseudo-steps last
    ribbons = layout.ribbons
    start = ribbons.groupby(["from_step", "to_step", "link"]).first().reset_index()
    home = start[(start["from_step"] == "home") & (start["x"] < 1)].set_index("to_step")
    assert home.loc["product", ["y0", "y1"]].tolist() == [0, 2]
    assert home.loc["list", ["y0", "y1"]].tolist() == [2, 3]
    end = ribbons.groupby("link").last()
    into_list = end[(end["from_step"] == "home") & (end["to_step"] == "list")].iloc[0]
    assert into_list.x == pytest.approx(1 - paths.NODE_HALF_WIDTH)
    assert [into_list.y0, into_list.y1] == pytest.approx([2.12, 3.12])
    # backwards, the chosen step is the last column
    before = paths.sankey_layout(
        paths.paths(store, WEEK, AS_OF, end_step="add_to_cart", depth=2), forward=False
    )
    last = before.nodes[before.nodes["column"] == before.nodes["column"].max()]
    assert last["step"].tolist() == ["add_to_cart"]


def test_named_and_unnamed_sessions_of_one_member_stay_apart(tmp_path):
    """A's events with session id s1 (login 10:00, add_to_cart 10:02) interleave with two
    without one (search 10:01, checkout 10:03): s1 is login → add_to_cart; the others make
    one derived session search → checkout (a 2-minute gap)."""
    store = imported(
        tmp_path,
        {
            "members": MEMBERS_CSV,
            "events": "member_id,event_time,event_type,session_id\n"
            "A,2026-06-01 10:00:00,login,s1\n"
            "A,2026-06-01 10:01:00,search,\n"
            "A,2026-06-01 10:02:00,add_to_cart,s1\n"
            "A,2026-06-01 10:03:00,checkout,\n",
        },
    )
    day = GlobalFilters(date(2026, 6, 1), date(2026, 6, 1))
    try:
        frame = paths.transitions(store, day, date(2026, 6, 1))
        assert pairs(frame, "transitions") == {
            ("login", "add_to_cart"): 1,
            ("add_to_cart", paths.EXIT): 1,
            ("search", "checkout"): 1,
            ("checkout", paths.EXIT): 1,
        }
    finally:
        close_store(store.path)


def test_path_changes_report(store, capsys):
    written = report(store, capsys, "path-changes")
    assert list(written.columns) == list(paths.CHANGE_COLUMNS)
    first = written.iloc[0]
    assert (first.from_step, first.to_step) == ("product", "add_to_cart")
    assert first.share_change == pytest.approx(-5 / 6)


def test_dwell_by_saved_segment(store):
    """Segments 高价值 {P1, P2} and 安卓 {P2}; P3 is in none, so its list view (45 s) is
    left out. 高价值 list: P1's [30, 60] → median 45, 2 views; 安卓 product: P2's 3 views,
    2 timed [600, 300] → median 450; 安卓 home: [600, 1800] → median 1,200."""
    with store.transaction() as cur:
        for segment_id, name, keys in ((901, "高价值", (1, 2)), (902, "安卓", (2,))):
            cur.execute(
                "insert into saved_segments values ($id, $name, 'admin', [], [], [], [], [], "
                "[], [], now(), now())",
                {"id": segment_id, "name": name},
            )
            for key in keys:
                cur.execute(
                    "insert into segment_members values ($id, $k)", {"id": segment_id, "k": key}
                )
    try:
        frame = paths.dwell(store, WEEK, AS_OF, by="segment")
        assert list(frame.columns) == ["segment", *paths.DWELL_COLUMNS]
        rows = frame.set_index(["segment", "page"])
        assert rows.loc[("高价值", "list"), ["views", "median_s"]].tolist() == [2, 45]
        assert rows.loc[("高价值", "home"), "views"] == 5
        assert rows.loc[("安卓", "product"), ["views", "timed_views", "median_s"]].tolist() == [
            3,
            2,
            450,
        ]
        assert rows.loc[("安卓", "home"), "median_s"] == 1200
        assert set(frame["segment"]) == {"高价值", "安卓"}
    finally:
        with store.transaction() as cur:
            cur.execute("delete from segment_members where segment_id in (901, 902)")
            cur.execute("delete from saved_segments where segment_id in (901, 902)")


def test_the_as_of_date_moves_the_dwell_report(store):
    """The as-of date sets the default period (the 30 days ending it): as of 05-31 only
    member 1's "s0" (05-30: home 60 s → product 60 s → add_to_cart) and member 3's lone
    05-20 home (the last event of its session: a view without a dwell) are in it; as of
    06-04, every June session and "s0" (the 30 days reach back to 05-06)."""
    may = paths.dwell(store, GlobalFilters(), date(2026, 5, 31)).set_index("page")
    assert may.index.tolist() == ["home", "product"]
    assert may.loc["home", ["views", "members", "timed_views"]].tolist() == [2, 2, 1]
    assert may.loc["home", "median_s"] == pytest.approx(60)
    assert may.loc["product", ["views", "timed_views", "median_s"]].tolist() == [1, 1, 60]
    june = paths.dwell(store, GlobalFilters(), AS_OF).set_index("page")
    assert june.loc["home", "views"] == 2 + 5
    assert june.loc["list", "views"] == 3

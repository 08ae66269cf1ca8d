"""Importer fast paths: events checked in one pass and loaded straight from the file.

Each test pins a guarantee the fast paths must keep: the uid stores already hold, the
duplicate check against stored events whenever a uid could match, and per-row rejects for a
Parquet file whose columns have the wrong types.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from core.ingest import import_dir
from core.store import close_store, open_store

MEMBERS_CSV = "member_id,signup_at\nM1,2025-01-01\nM2,2025-01-01\nM3,2025-01-01\n"


@pytest.fixture
def store(tmp_path):
    s = open_store(tmp_path / "store.duckdb")
    yield s
    close_store(s.path)


def import_files(store, tmp_path, files: dict[str, str | pd.DataFrame], fmt="parquet", **kwargs):
    """Import CSV text as ``<table>.csv`` and frames as ``<table>.<fmt>``."""
    folder = tmp_path / f"in{len(list(tmp_path.glob('in*')))}"
    folder.mkdir()
    for table, content in files.items():
        if isinstance(content, pd.DataFrame) and fmt == "csv":
            content.to_csv(folder / f"{table}.csv", index=False)
        elif isinstance(content, pd.DataFrame):
            content.to_parquet(folder / f"{table}.parquet", index=False)
        else:
            (folder / f"{table}.csv").write_text(content, encoding="utf-8")
    return import_dir(store, folder, reports_dir=tmp_path / "reports", **kwargs)


def reasons(report) -> list[tuple[int, str, str]]:
    return [(int(r.line), r.column_name, r.reason) for r in report.rejects.itertuples()]


def events_frame(rows: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["event_id", "member_id", "event_time", "event_type"])
    frame["event_time"] = pd.to_datetime(frame["event_time"])
    return frame


def test_event_uid_is_md5_number_lower_as_stores_hold_it(store, tmp_path):
    # The importer computes md5_number(text) >> 64 because DuckDB's md5_number_lower macro
    # is 4-5x slower; a store written by an earlier version holds md5_number_lower values,
    # and re-importing its files must still find every event.
    events = (
        "event_id,member_id,event_time,event_type,keyword\n"
        "E1,M1,2025-01-02 10:00:00,search,口红\n"
        ",M2,2025-01-02 11:00:00,search,防晒霜\n"
    )
    import_files(store, tmp_path, {"members": MEMBERS_CSV, "events": events})
    got = store.df("select event_id, event_uid from events order by event_time")
    content = "M2|2025-01-02 11:00:00|search|||||防晒霜|||||"
    expected = duckdb.execute(
        "select md5_number_lower('id:E1'), md5_number_lower('row:' || $c)", {"c": content}
    ).fetchone()
    assert [int(u) for u in got["event_uid"]] == [int(u) for u in expected]


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_new_events_outside_the_stored_ranges_are_all_inserted(store, tmp_path, fmt):
    first = events_frame([("E1", "M1", "2025-01-02 10:00", "login")])
    later = events_frame(
        [("E2", "M1", "2025-02-02 10:00", "login"), ("E3", "M2", "2025-02-03 10:00", "login")]
    )
    import_files(store, tmp_path, {"members": MEMBERS_CSV, "events": first}, fmt=fmt)
    report = import_files(store, tmp_path, {"events": later}, fmt=fmt)
    events = report.files["events"]
    assert (events.read, events.inserted, events.unchanged) == (2, 2, 0)
    assert store.scalar("select count(*) from events") == 3


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_an_event_id_already_stored_is_not_inserted_again_whatever_its_time(store, tmp_path, fmt):
    # The store holds E1 on 2 January; a later file repeats E1 with another time, outside
    # the time range of everything stored: still the same event, so still not inserted.
    first = events_frame([("E1", "M1", "2025-01-02 10:00", "login")])
    later = events_frame(
        [("E1", "M1", "2025-03-01 09:00", "login"), ("E9", "M2", "2025-03-02 09:00", "login")]
    )
    import_files(store, tmp_path, {"members": MEMBERS_CSV, "events": first}, fmt=fmt)
    report = import_files(store, tmp_path, {"events": later}, fmt=fmt)
    events = report.files["events"]
    assert (events.read, events.inserted, events.unchanged, events.rejected) == (2, 1, 1, 0)
    assert store.scalar("select count(*) from events where event_id = 'E1'") == 1


def test_events_without_id_overlapping_the_stored_time_range_are_deduplicated(store, tmp_path):
    first = "member_id,event_time,event_type\nM1,2025-01-02 10:00:00,login\n"
    again = (
        "member_id,event_time,event_type\n"
        "M1,2025-01-02 10:00:00,login\n"  # already stored (same content)
        "M2,2025-01-02 10:00:00,login\n"  # new: another member at the same time
        "M1,2025-01-03 10:00:00,login\n"  # new: later
    )
    import_files(store, tmp_path, {"members": MEMBERS_CSV, "events": first})
    report = import_files(store, tmp_path, {"events": again})
    events = report.files["events"]
    assert (events.read, events.inserted, events.unchanged) == (3, 2, 1)
    assert store.scalar("select count(*) from events") == 3


def test_a_parquet_file_with_wrongly_typed_columns_gets_per_row_rejects(store, tmp_path):
    # Every column as text, as a spreadsheet export writes it: each value is converted and
    # checked like a CSV field, and only the bad rows are rejected, with their row number.
    events = pd.DataFrame(
        {
            "event_id": ["E1", "E2", "E3", "E4", "E1"],
            "member_id": ["M1", "M1", "M1", "MX", "M2"],
            "event_time": [
                "2025-01-02 10:00:00",
                "not a time",
                "2025/01/02 11:00",
                "2025-01-02 12:00:00",
                "2025-01-02 13:00:00",
            ],
            "event_type": ["order_paid", "login", "order_paid", "login", "login"],
            "amount": ["¥1,200.50", "", "abc", "", ""],
            "duration_s": ["3.5", "-1", "", "", "x"],
        }
    )
    report = import_files(store, tmp_path, {"members": MEMBERS_CSV, "events": events})
    assert report.counts()["events"] == {"read": 5, "loaded": 1, "rejected": 4}
    assert reasons(report) == [  # a Parquet file's line is the 1-based row number
        (2, "event_time", "not a valid date/time: not a time"),
        (2, "duration_s", "must not be negative: -1"),
        (3, "amount", "not a valid amount: abc"),
        (4, "member_id", "unknown member_id: MX"),
        (5, "duration_s", "not a number: x"),
        (5, "event_id", "duplicate event_id (first on line 1)"),
    ]
    assert store.scalar("select amount from events where event_id = 'E1'") == pytest.approx(1200.5)


def test_a_duplicate_of_a_rejected_row_is_still_rejected_as_a_duplicate(tmp_path, store):
    events = (
        "event_id,member_id,event_time,event_type\n"
        "E1,MX,2025-01-02 10:00:00,login\n"  # 2 unknown member
        "E1,M1,2025-01-02 10:00:00,login\n"  # 3 duplicate of line 2
        "E2,M1,2025-01-02 10:00:00,login\n"  # 4 ok
    )
    report = import_files(store, tmp_path, {"members": MEMBERS_CSV, "events": events})
    assert reasons(report) == [
        (2, "member_id", "unknown member_id: MX"),
        (3, "event_id", "duplicate event_id (first on line 2)"),
    ]
    assert report.counts()["events"] == {"read": 3, "loaded": 1, "rejected": 2}


def test_strict_mode_on_the_fast_path_loads_nothing(store, tmp_path):
    events = events_frame(
        [("E1", "M1", "2025-01-02 10:00", "login"), ("E2", "MX", "2025-01-02 11:00", "login")]
    )
    import_files(store, tmp_path, {"members": MEMBERS_CSV})
    report = import_files(store, tmp_path, {"events": events}, strict=True)
    assert report.status == "rejected"
    assert reasons(report) == [(2, "member_id", "unknown member_id: MX")]
    assert store.scalar("select count(*) from events") == 0


def test_reimporting_a_parquet_file_finds_every_event(store, tmp_path):
    events = events_frame(
        [(f"E{i}", f"M{1 + i % 3}", f"2025-01-{1 + i % 28:02d} 10:00", "login") for i in range(50)]
    )
    events.loc[::7, "event_id"] = None  # some identified by content
    folder: Path = tmp_path / "same"
    folder.mkdir()
    events.to_parquet(folder / "events.parquet", index=False)
    import_files(store, tmp_path, {"members": MEMBERS_CSV})
    first = import_dir(store, folder, reports_dir=tmp_path / "r")
    second = import_dir(store, folder, reports_dir=tmp_path / "r")
    assert first.files["events"].inserted == 50
    assert (second.files["events"].inserted, second.files["events"].unchanged) == (0, 50)
    assert store.scalar("select count(*) from events") == 50


def test_the_fast_path_reports_progress_per_file(store, tmp_path):
    events = events_frame(
        [
            ("E1", "M1", "2025-01-02 10:00", "login"),
            ("E2", "M2", "2025-01-02 11:00", "login"),
            ("E3", "MX", "2025-01-02 12:00", "login"),
        ]
    )
    messages: list[str] = []
    files = {"members": MEMBERS_CSV, "events": events}
    import_files(store, tmp_path, files, progress=messages.append)
    # each line ends in the seconds spent so far, e.g. " (0.1 s)"
    events_lines = [m.rsplit(" (", 1)[0] for m in messages if m.startswith("events.parquet")]
    assert events_lines == [
        "events.parquet: 3 rows read",
        "events.parquet: 2 loaded (2 new, 0 updated, 0 already present), 1 rejected",
    ]

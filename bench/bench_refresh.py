"""Import end to end, refresh included: the CDNOW master and one new day into a big store.

Usage::

    .venv/bin/python -m bench.bench_refresh cdnow [--work /tmp/ml_refresh] [--format csv]
    .venv/bin/python -m bench.bench_refresh day --db /tmp/final.duckdb [--events 100000] \
        [--work /tmp/ml_refresh] [--in-place]

``cdnow``: the CDNOW master (23,570 members, 69,659 orders; ``data/cdnow.py``) as contract
files, imported into a new, empty store twice: once in this process with ``import_dir``
(the importer's seconds, the refresh's seconds per step, the total) and once as an operator
would, ``python -m core.cli import`` in a new process (wall seconds, Python start-up
included). Target (issue 12): under 5 s end to end.

``day``: one new day of events into an existing store built by ``python -m core.cli demo``
(the benchmark store: ``--members 1000000 --events 50000000``). The day after the store's
last day gets ``--events`` events: the events of the store's last days (newest first) moved
to that day at the same time of day, with new event and session ids, and the orders of
those days likewise, so the day looks like the programme's other days. The store is copied
first (``--in-place`` imports into it instead); the import runs in this process and prints
the same breakdown. Target (issue 12): under 30 s end to end at 1 M members / 50 M events.

Each run prints one JSON line; ``load_before`` is the 1-minute load average before it (the
machine is shared: wall seconds follow the load).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import duckdb

from core import refresh as refresh_module
from core import rollups
from core.ingest import import_dir
from core.store import close_store, open_store


def machine() -> dict:
    """What the figures were measured on."""
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {
        "cores": os.cpu_count(),
        "memory_gb": round(memory, 1),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "kernel": platform.release(),
    }


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@contextmanager
def _refresh_reports() -> Iterator[tuple[list, dict]]:
    """Collect the RefreshReport of every refresh the importer runs, and the seconds spent
    copying member attributes onto rollup rows (``rollups.sync_member_attributes``)."""
    reports: list = []
    sync = {"seconds": 0.0}
    original, original_sync = refresh_module.refresh, rollups.sync_member_attributes

    def recording(*args, **kwargs):
        report = original(*args, **kwargs)
        reports.append(report)
        return report

    def timed_sync(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original_sync(*args, **kwargs)
        finally:
            sync["seconds"] += time.perf_counter() - started

    refresh_module.refresh, rollups.sync_member_attributes = recording, timed_sync
    try:
        yield reports, sync
    finally:
        refresh_module.refresh, rollups.sync_member_attributes = original, original_sync


def timed_import(store_path: Path, folder: Path, memory_limit: str | None = None) -> dict:
    """Open the store, import ``folder`` with ``import_dir`` and time it: the importer's
    share (reading, checking, loading), the refresh per step, the total."""
    load = round(os.getloadavg()[0], 2)
    started, cpu_started = time.perf_counter(), _cpu_seconds()
    store = open_store(store_path)
    if memory_limit:
        store.con.execute(f"set memory_limit = '{memory_limit}'")
    opened = time.perf_counter() - started
    lines: list[tuple[float, str]] = []
    with _refresh_reports() as (reports, sync):
        report = import_dir(
            store,
            folder,
            actor="bench",
            reports_dir=folder / "reports",
            progress=lambda text: lines.append((time.perf_counter(), text)),
        )
    total = time.perf_counter() - started
    close_store(store_path)
    refresh = reports[0] if reports else None
    refresh_s = refresh.seconds if refresh else 0.0
    return {
        "status": report.status,
        "rows": {table: f.loaded for table, f in report.files.items()},
        "open_s": round(opened, 2),
        "import_s": round(total - opened - refresh_s, 2),
        "refresh_s": round(refresh_s, 2),
        # per step (refresh reports from before the steps were timed have none)
        "refresh_steps_s": {
            k: round(v, 2) for k, v in getattr(refresh, "step_seconds", {}).items()
        },
        "rollup_s": _rollup_seconds(lines),
        "attribute_sync_s": round(sync["seconds"], 2),
        "tag_days": refresh.tag_days if refresh else None,
        "rollups_from": str(refresh.rollups_from) if refresh else None,
        "total_s": round(total, 2),
        "cpu_s": round(_cpu_seconds() - cpu_started, 1),
        "load_before": load,
    }


def _rollup_seconds(lines: list[tuple[float, str]]) -> dict[str, float]:
    """Seconds per rollup table, from the refresh's progress lines (each rollup reports when
    it is rebuilt; the first is timed from the tier recompute's line)."""
    seconds, before = {}, None
    for at, text in lines:
        if text.startswith("rollup ") and before is not None:
            seconds[text.split()[1]] = round(at - before, 2)
        before = at
    return seconds


def _remove_store(path: Path) -> None:
    for leftover in path.parent.glob(path.name + "*"):
        if leftover.is_dir():
            shutil.rmtree(leftover)
        else:
            leftover.unlink()


def bench_cdnow(work: Path, fmt: str) -> list[dict]:
    from data.cdnow import write_contract_files

    folder = write_contract_files(work / f"cdnow_master_{fmt}", "master", fmt)
    results = []
    store_path = work / "cdnow.duckdb"
    _remove_store(store_path)
    results.append(
        {"bench": "cdnow master", "how": "import_dir", **timed_import(store_path, folder)}
    )
    _remove_store(store_path)
    load = round(os.getloadavg()[0], 2)
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "core.cli",
            "import",
            str(folder),
            "--db",
            str(store_path),
            "--json",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    results.append(
        {
            "bench": "cdnow master",
            "how": "python -m core.cli import (new process)",
            "total_s": round(time.perf_counter() - started, 2),
            "load_before": load,
        }
    )
    _remove_store(store_path)
    return results


# the store's newest events (up to $n), moved to $new_day at the same time of day, new ids
NEW_DAY_EVENTS = """
select
    m.member_id,
    e.event_time + to_days(cast(cast($new_day as date) - cast(e.event_time as date) as integer))
        as event_time,
    e.event_type,
    e.event_id || '-n1' as event_id,
    e.session_id || '-n1' as session_id,
    e.device, e.page, e.duration_s, e.keyword, e.category, e.item_id, e.amount, e.coupon_id,
    e.campaign
from events as e
inner join members as m using (member_key)
order by e.event_time desc
limit $n
"""

# the orders of the same days (file orders: the demo store imports an orders file), moved
NEW_DAY_ORDERS = """
select
    o.order_id || '-n1' as order_id,
    m.member_id,
    o.paid_at + to_days(cast(cast($new_day as date) - cast(o.paid_at as date) as integer))
        as paid_at,
    o.amount, o.discount_amount, o.coupon_id, o.category, o.status
from orders as o
inner join members as m using (member_key)
where o.source = 'file' and o.paid_at >= $since
"""


def write_new_day(source: Path, folder: Path, events: int) -> dict:
    """Contract files of one new day (the day after ``source``'s last event): ``events``
    events of the last days, newest first, moved to that day with new ids, and those days'
    orders moved likewise (Parquet)."""
    folder.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(source), read_only=True)
    try:
        last = con.execute("select max(event_time) from events").fetchone()[0]
        new_day = last.date() + timedelta(days=1)
        con.execute(
            "create temp table _day_events as " + NEW_DAY_EVENTS, {"new_day": new_day, "n": events}
        )
        oldest = con.execute(
            "select min(event_time) from (select event_time from events "
            "order by event_time desc limit $n)",
            {"n": events},
        ).fetchone()[0]
        con.execute(
            "create temp table _day_orders as " + NEW_DAY_ORDERS,
            {"new_day": new_day, "since": oldest},
        )
        for table, name in (("_day_events", "events"), ("_day_orders", "orders")):
            target = folder / f"{name}.parquet"
            con.execute(f"copy {table} to '{target}' (format parquet)")  # bench: fixed names
        orders = con.execute("select count(*) from _day_orders").fetchone()[0]
    finally:
        con.close()
    return {"new_day": new_day.isoformat(), "events": events, "orders": int(orders),
            "moved_from": str(oldest)}  # fmt: skip


def bench_day(db: Path, work: Path, events: int, in_place: bool, memory_limit: str) -> list[dict]:
    folder = work / "new_day"
    shutil.rmtree(folder, ignore_errors=True)
    started = time.perf_counter()
    day = write_new_day(db, folder, events)
    written = time.perf_counter() - started
    target = db
    if not in_place:
        target = work / "day_store.duckdb"
        _remove_store(target)
        shutil.copyfile(db, target)
    with duckdb.connect(str(target), read_only=True) as con:
        size = (
            con.execute("select count(*) from members").fetchone()[0],
            con.execute("select count(*) from events").fetchone()[0],
        )
    result = timed_import(target, folder, memory_limit)
    if not in_place:
        _remove_store(target)
    return [
        {
            "bench": "one new day",
            "store_members": size[0],
            "store_events": size[1],
            **day,
            "files_written_s": round(written, 1),
            **result,
        }
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="bench", required=True)
    cdnow = sub.add_parser("cdnow", help="the CDNOW master into a new store")
    cdnow.add_argument("--format", choices=["csv", "parquet"], default="csv")
    day = sub.add_parser("day", help="one new day of events into an existing store")
    day.add_argument("--db", required=True, help="a store built by python -m core.cli demo")
    day.add_argument("--events", type=int, default=100_000)
    day.add_argument("--in-place", action="store_true", help="import into --db, no copy")
    day.add_argument("--memory-limit", default="5GB", help="DuckDB memory_limit")
    for p in (cdnow, day):
        p.add_argument("--work", default="/tmp/ml_refresh", help="scratch folder")
    args = parser.parse_args(argv)
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    print(json.dumps({"machine": machine()}), flush=True)
    if args.bench == "cdnow":
        results = bench_cdnow(work, args.format)
    else:
        results = bench_day(Path(args.db), work, args.events, args.in_place, args.memory_limit)
    for result in results:
        print(json.dumps(result, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

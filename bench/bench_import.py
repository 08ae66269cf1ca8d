"""Import speed: rows per second for CSV and Parquet contract files at scale.

Usage::

    .venv/bin/python -m bench.bench_import --from-db /tmp/bench2.duckdb --events 5000000 \
        [--work /tmp/ml_import] [--formats parquet,csv] [--reuse] [--memory-limit 5GB] \
        [--reimport] [--skip-refresh]

Exports every member and a sample of ``--events`` events of an existing store as contract
files (``members`` + ``events``, once as CSV and once as Parquet), imports each folder into
a new, empty store with ``core.ingest.import_dir`` and reports, per file, the rows loaded,
the seconds the importer spent on it (read, validate, load), the rows per second and the
process's CPU seconds for the file (``cpu_s``: steadier than wall time when other work
shares the machine); the refresh of derived data that follows is reported separately, as
``refresh_s``, or skipped with ``--skip-refresh``.
``--reimport`` imports the same folder a second time into the same store (every row is then
already present: the idempotent path). ``--reuse`` keeps the files of an earlier export in
``--work`` when they hold the same number of events.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from core import refresh as refresh_module
from core.ingest import import_dir
from core.store import close_store, open_store

MEMBER_COLUMNS = (
    "member_id, signup_at, nickname, name, gender, birth_date, phone, email, region, city, "
    "channel, device, status, tier, growth_points, last_login_at, address"
)
EVENT_COLUMNS = (
    "m.member_id, e.event_time, e.event_type, e.event_id, e.session_id, e.device, e.page, "
    "e.duration_s, e.keyword, e.category, e.item_id, e.amount, e.coupon_id, e.campaign"
)
DONE = re.compile(r"^(\w+)\.(csv|parquet): ([\d,]+) loaded .*\(([\d.]+) s\)$")
FORMATS = {"csv": "(header, format csv)", "parquet": "(format parquet)"}


def export(source: Path, folder: Path, events: int, formats: list[str], memory_limit: str) -> None:
    con = duckdb.connect(str(source), read_only=True)
    con.execute(f"set memory_limit = '{memory_limit}'")
    for kind in formats:
        option = FORMATS[kind]
        target = folder / kind
        target.mkdir(parents=True, exist_ok=True)
        con.execute(
            f"copy (select {MEMBER_COLUMNS} from members) to "  # noqa: S608 (bench, fixed text)
            f"'{target / f'members.{kind}'}' {option}"
        )
        con.execute(
            f"copy (select {EVENT_COLUMNS} from events e join members m using (member_key) "  # noqa: S608
            f"order by e.event_time limit {int(events)}) to '{target / f'events.{kind}'}' {option}"
        )
    con.close()
    (folder / "sample.json").write_text(json.dumps({"events": events, "formats": formats}))


def _exported(folder: Path, events: int, formats: list[str]) -> bool:
    try:
        sample = json.loads((folder / "sample.json").read_text())
    except (OSError, ValueError):
        return False
    return sample["events"] == events and set(formats) <= set(sample["formats"])


def _cpu_seconds() -> float:
    """CPU time of this process, DuckDB's threads included (steadier than wall time on a
    machine shared with other work)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _file_rates(lines: list[tuple[float, float, str]], cpu_started: float) -> dict:
    files, cpu_before = {}, cpu_started
    for _, cpu, text in lines:
        match = DONE.match(text)
        if match:
            rows, seconds = int(match.group(3).replace(",", "")), float(match.group(4))
            files[match.group(1)] = {
                "rows": rows,
                "seconds": seconds,
                "rows_per_s": round(rows / seconds) if seconds else None,
                "cpu_s": round(cpu - cpu_before, 1),
            }
            cpu_before = cpu
    return files


def timed_import(
    folder: Path, store_path: Path, memory_limit: str, reimport: bool, skip_refresh: bool
) -> dict:
    store_path.unlink(missing_ok=True)
    store = open_store(store_path)
    store.con.execute(f"set memory_limit = '{memory_limit}'")
    runs = {}
    for run in ("first", "again") if reimport else ("first",):
        lines: list[tuple[float, float, str]] = []
        started, cpu_started = time.perf_counter(), _cpu_seconds()
        with _refresh_skipped(skip_refresh):
            import_dir(
                store,
                folder,
                progress=lambda text, seen=lines: seen.append(
                    (time.perf_counter(), _cpu_seconds(), text)
                ),
            )
        total = time.perf_counter() - started
        refresh_started = next(
            (at for at, _, text in lines if text == "refreshing derived data"), None
        )
        refresh = round(started + total - refresh_started, 1) if refresh_started else None
        runs[run] = {
            "files": _file_rates(lines, cpu_started),
            "total_s": round(total, 1),
            "refresh_s": None if skip_refresh else refresh,
        }
    close_store(store_path)
    store_path.unlink(missing_ok=True)
    return runs if reimport else runs["first"]


@contextmanager
def _refresh_skipped(skip: bool) -> Iterator[None]:
    """With ``skip``, the import runs without the refresh of derived data (importer only)."""
    if not skip:
        yield
        return
    original = refresh_module.refresh
    refresh_module.refresh = lambda *args, **kwargs: None
    try:
        yield
    finally:
        refresh_module.refresh = original


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--from-db", required=True, help="store to take the sample from")
    parser.add_argument("--events", type=int, default=5_000_000)
    parser.add_argument("--work", default="/tmp/ml_import", help="scratch folder")
    parser.add_argument("--formats", default="parquet,csv", help="comma-separated: parquet,csv")
    parser.add_argument("--reuse", action="store_true", help="keep an earlier, same export")
    parser.add_argument("--memory-limit", default="5GB", help="DuckDB memory_limit")
    parser.add_argument("--reimport", action="store_true", help="also time a second import")
    parser.add_argument(
        "--skip-refresh", action="store_true", help="time the importer alone (no refresh)"
    )
    args = parser.parse_args(argv)
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    if unknown := set(formats) - set(FORMATS):
        parser.error(f"unknown format(s): {', '.join(sorted(unknown))}")
    work = Path(args.work)
    if not (args.reuse and _exported(work, args.events, formats)):
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        started = time.perf_counter()
        export(Path(args.from_db), work, args.events, formats, args.memory_limit)
        print(f"exported the sample in {time.perf_counter() - started:.1f} s", flush=True)
    for kind in formats:
        size = sum(p.stat().st_size for p in (work / kind).iterdir()) / 1e6
        load = round(os.getloadavg()[0], 2)
        result = timed_import(
            work / kind,
            work / f"{kind}.duckdb",
            args.memory_limit,
            args.reimport,
            args.skip_refresh,
        )
        print(
            json.dumps({"format": kind, "files_mb": round(size), "load_before": load, **result}),
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

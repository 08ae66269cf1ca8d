"""Import speed: rows per second for CSV and Parquet contract files at scale.

Usage::

    .venv/bin/python -m bench.bench_import --from-db /tmp/bench2.duckdb --events 5000000 \
        [--work /tmp/ml_import]

Exports every member and a sample of ``--events`` events of an existing store as contract
files (``members`` + ``events``, once as CSV and once as Parquet), imports each folder into
a new, empty store with ``core.ingest.import_dir`` and reports, per file, the rows loaded and
the seconds the importer spent on it (read, validate, load; the refresh that follows is
reported separately, as ``refresh s``).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import time
from pathlib import Path

import duckdb

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


def export(source: Path, folder: Path, events: int) -> None:
    con = duckdb.connect(str(source), read_only=True)
    for kind, option in (("csv", "(header, format csv)"), ("parquet", "(format parquet)")):
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


def timed_import(folder: Path, store_path: Path) -> dict:
    store_path.unlink(missing_ok=True)
    store = open_store(store_path)
    lines: list[tuple[float, str]] = []
    started = time.perf_counter()
    import_dir(store, folder, progress=lambda text: lines.append((time.perf_counter(), text)))
    total = time.perf_counter() - started
    close_store(store_path)
    files = {}
    refresh_started = None
    for at, text in lines:
        match = DONE.match(text)
        if match:
            rows, seconds = int(match.group(3).replace(",", "")), float(match.group(4))
            files[match.group(1)] = {
                "rows": rows,
                "seconds": seconds,
                "rows_per_s": round(rows / seconds) if seconds else None,
            }
        if text == "refreshing derived data":
            refresh_started = at
    refresh = round(started + total - refresh_started, 1) if refresh_started else None
    return {"files": files, "total_s": round(total, 1), "refresh_s": refresh}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--from-db", required=True, help="store to take the sample from")
    parser.add_argument("--events", type=int, default=5_000_000)
    parser.add_argument("--work", default="/tmp/ml_import", help="scratch folder (replaced)")
    args = parser.parse_args(argv)
    work = Path(args.work)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    started = time.perf_counter()
    export(Path(args.from_db), work, args.events)
    print(f"exported the sample in {time.perf_counter() - started:.1f} s", flush=True)
    for kind in ("parquet", "csv"):
        size = sum(p.stat().st_size for p in (work / kind).iterdir()) / 1e6
        result = timed_import(work / kind, work / f"{kind}.duckdb")
        print(json.dumps({"format": kind, "files_mb": round(size), **result}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

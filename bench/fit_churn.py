"""Time one churn fit (every model, as the models page runs it) on a store and save the run.

Usage::

    .venv/bin/python -m bench.fit_churn --db /tmp/churn_scale.duckdb --memory-limit 4GB

Prints each step as the fit reports it (elapsed wall-clock and process CPU seconds, the load
average, the peak RSS so far), then one JSON line: the step timings (wall and CPU), the
total, the peak RSS and the load average before and after, and saves the run so the churn
page and the at-risk list have one to read. Writes to the store: use a copy. On a shared
machine the wall-clock times follow the load; the CPU seconds much less so.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time

from core import churn, metrics
from core.store import open_store


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", required=True, help="store file (written: use a copy)")
    parser.add_argument("--memory-limit", help="DuckDB memory_limit for the store, e.g. 4GB")
    args = parser.parse_args(argv)
    store = open_store(args.db)
    if args.memory_limit:
        store.con.execute(f"set memory_limit = '{args.memory_limit}'")
    load_before = os.getloadavg()
    _, as_of = metrics.data_bounds(store)
    started = time.perf_counter()
    cpu_started = time.process_time()

    def progress(fraction: float, step: str) -> None:
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        load = os.getloadavg()[0]
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"{wall:7.1f} s  cpu {cpu:7.1f} s  load {load:5.2f}  peak {peak:6.0f} MB  "
            f"{fraction:4.0%}  {step}",
            flush=True,
        )

    fit = churn.fit_churn_models(store, as_of, progress=progress)
    fitted = time.perf_counter() - started
    run_id = churn.save_fit(store, fit, "bench")
    total = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "run_id": run_id,
                "as_of": as_of.isoformat(),
                "fit_s": round(fitted, 1),
                "fit_and_save_s": round(total, 1),
                "cpu_s": round(cpu, 1),
                "peak_rss_mb": round(rss),
                "memory_limit": args.memory_limit,
                "load_before": [round(value, 2) for value in load_before],
                "load_after": [round(value, 2) for value in os.getloadavg()],
                "steps_s": fit.summary.get("timings"),
                "steps_cpu_s": fit.summary.get("cpu_timings"),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Time one churn fit (every model, as the models page runs it) on a store and save the run.

Usage::

    .venv/bin/python -m bench.fit_churn --db /tmp/ml_scale.duckdb

Prints each step as the fit reports it (with the elapsed seconds), the step timings, the
total and the peak RSS, then saves the run so the churn page and the at-risk list have one
to read. Writes to the store: use a copy.

``--skip-ph-test`` replaces the proportional-hazards check (lifelines' Schoenfeld-residual
test) by an empty result, to time everything else: at 1 M members (285,673 training rows)
the full test did not finish in 15 minutes, and lifelines cannot run it on a sample of the
training rows. The run saved then has no PH test: bench stores only.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time

import pandas as pd

from core import churn, metrics
from core.store import open_store


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", required=True, help="store file (written: use a copy)")
    parser.add_argument("--skip-ph-test", action="store_true", help="time all but the PH test")
    args = parser.parse_args(argv)
    if args.skip_ph_test:

        def no_ph_test(model, p_threshold: float = 0.01):
            return pd.DataFrame(
                {"covariate": [], "test_statistic": [], "p": [], "fails": pd.Series([], dtype=bool)}
            )

        churn.CoxChurnModel.check_proportional_hazards = no_ph_test
    store = open_store(args.db)
    _, as_of = metrics.data_bounds(store)
    started = time.perf_counter()

    def progress(fraction: float, step: str) -> None:
        print(f"{time.perf_counter() - started:7.1f} s  {fraction:4.0%}  {step}", flush=True)

    fit = churn.fit_churn_models(store, as_of, progress=progress)
    fitted = time.perf_counter() - started
    run_id = churn.save_fit(store, fit, "bench")
    total = time.perf_counter() - started
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "run_id": run_id,
                "as_of": as_of.isoformat(),
                "fit_s": round(fitted, 1),
                "fit_and_save_s": round(total, 1),
                "peak_rss_mb": round(rss),
                "steps_s": fit.summary.get("timings"),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Per-query timings of the dashboard views on a store: median of several runs after a warm-up.

Usage::

    .venv/bin/python -m bench.bench_queries --db data/memberlens.duckdb [--runs 7] [--json]

Each row times one call of a ``core.metrics`` view (SQL plus the little pandas around it,
i.e. what a page waits for on a cache miss) with the default period (the 30 days ending on
the as-of date) and, for the cohort views, also over the whole history.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date

from core import metrics
from core.filters import GlobalFilters
from core.store import StoreError, open_store


def cases(first_day: date, as_of: date) -> list[tuple[str, Callable]]:
    """(label, call(store)) for every view, default period and whole history."""
    recent = GlobalFilters()
    everything = GlobalFilters(start=first_day)

    def view(name: str, filters: GlobalFilters, **options):
        function = metrics.ANALYTICS_VIEWS[name]
        return lambda store: function(store, filters, as_of, **options)

    return [
        ("overview (kpis)", lambda store: metrics.overview(store, recent, as_of)),
        ("activity_daily", view("activity_daily", recent)),
        ("lifecycle week", view("lifecycle", recent, unit="week")),
        ("active_days_distribution", view("active_days_distribution", recent)),
        ("retention_matrix week", view("retention_matrix", recent, cohort="week")),
        (
            "retention_matrix month, all history",
            view("retention_matrix", everything, cohort="month"),
        ),
        (
            "retention_matrix day on_or_after, all history",
            view("retention_matrix", everything, cohort="day", mode="on_or_after"),
        ),
        ("retention_trend week", view("retention_trend", recent, cohort="week")),
        ("retention_curve", view("retention_curve", recent)),
        (
            "retention_breakdown channel, all history",
            view("retention_breakdown", everything, dimension="channel"),
        ),
        ("ltv_cohorts, all history", view("ltv_cohorts", everything)),
        (
            "ltv_by_group channel, all history",
            view("ltv_by_group", everything, dimension="channel"),
        ),
        ("channel_table", view("channel_table", recent)),
        ("channel_table, all history", view("channel_table", everything)),
        ("campaign_comparison, all history", view("campaign_comparison", everything)),
        ("funnel member", view("funnel", recent)),
        ("funnel session by device", view("funnel", recent, unit="session", dimension="device")),
        ("hour_heatmap all", view("hour_heatmap", recent)),
        ("hour_heatmap high_value", view("hour_heatmap", recent, group="high_value")),
        ("best_hour_distribution", view("best_hour_distribution", recent)),
        ("tiers_over_time week", view("tiers_over_time", recent, grain="week")),
        ("tiers_over_time month, all history", view("tiers_over_time", everything, grain="month")),
        ("tier_migration", view("tier_migration", recent)),
        ("tier_summary", view("tier_summary", recent)),
        ("upgrade_candidates", view("upgrade_candidates", recent)),
        ("purchase_rates", view("purchase_rates", recent)),
        ("top_keywords", view("top_keywords", recent)),
        ("keyword_trend", view("keyword_trend", recent)),
        # click paths and dwell (core/paths.py): raw events, no rollup yet
        ("path_transitions", view("path_transitions", recent)),
        ("path_loops", view("path_loops", recent)),
        ("path_flows after home, depth 4", view("path_flows", recent, start_step="home")),
        ("path_flows before checkout", view("path_flows", recent, end_step="checkout")),
        ("path_changes", view("path_changes", recent, min_transitions=5)),
        ("path_dwell", view("path_dwell", recent)),
        ("path_dwell by device", view("path_dwell", recent, by="device")),
    ]


def measure(store, call: Callable, runs: int) -> tuple[float, float]:
    """Median and max of ``runs`` timed calls (ms) after one untimed warm-up call."""
    call(store)
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        call(store)
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings), max(timings)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", required=True, help="store file to measure (opened read-only)")
    parser.add_argument("--runs", type=int, default=7, help="timed runs per query (default 7)")
    parser.add_argument("--only", help="only the queries whose label contains this text")
    parser.add_argument("--json", action="store_true", help="print one JSON object per query")
    args = parser.parse_args(argv)
    try:
        store = open_store(args.db, read_only=True)
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    first_day, as_of = metrics.data_bounds(store)
    if as_of is None:
        print("error: the store has no activity", file=sys.stderr)
        return 1
    counts = store.table_counts()
    if not args.json:
        print(
            f"store {store.path}: {counts['members']:,} members, {counts['events']:,} events, "
            f"as of {as_of}; median of {args.runs} runs after a warm-up"
        )
        print(f"{'query':<48} {'median ms':>10} {'max ms':>10}")
    for label, call in cases(first_day, as_of):
        if args.only and args.only not in label:
            continue
        median, worst = measure(store, call, args.runs)
        if args.json:
            print(
                json.dumps(
                    {"query": label, "median_ms": round(median, 1), "max_ms": round(worst, 1)}
                )
            )
        else:
            print(f"{label:<48} {median:>10.1f} {worst:>10.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

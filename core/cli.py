"""Command line for operations staff: ``python -m core.cli COMMAND``.

Commands: ``demo``, ``import``, ``info``, ``refresh``, ``report``, ``fit``, ``config``, ``alerts``,
``audit verify``, ``audit anchor``. ``info`` and ``audit`` open the store read-only. Exit
code 0 on success; on an error a one-line reason on stderr and a non-zero code (1 for a
failed command, 2 for bad usage).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import date

import duckdb
import pandas as pd

from core.config import resolve_db_path
from core.filters import COMPARISONS, GlobalFilters
from core.metrics import MetricOptionError
from core.store import StoreError, open_store


def _progress(quiet: bool):
    if quiet:
        return lambda message: None
    return lambda message: print(f"… {message}", file=sys.stderr, flush=True)


def cmd_demo(args: argparse.Namespace) -> int:
    from core.demo import build_demo_store

    store = build_demo_store(
        args.db, members=args.members, events=args.events, seed=args.seed,
        progress=_progress(False), fit_models=not args.no_fit,
    )  # fmt: skip
    counts = store.table_counts()
    print(
        f"demo store {store.path}: {counts['members']:,} members, {counts['events']:,} events, "
        f"{counts['orders']:,} orders"
    )
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from core import audit
    from core.ingest import import_dir

    store = open_store(args.db)
    was_demo = store.is_demo()
    audit.signing_key(store.path, demo=was_demo)  # no key: say so before reading any file
    report = import_dir(
        store, args.dir, strict=args.strict, actor="cli", progress=_progress(args.json)
    )
    if was_demo and not store.is_demo():
        print(
            "note: this was a demo store; real data was imported, so the demo accounts were "
            "removed and the demo flag cleared (create the first admin in the app)",
            file=sys.stderr,
        )
    for warning in report.warnings("en"):  # a file of 0 rows: said, not silent
        print(f"warning: {warning}", file=sys.stderr)
    if args.json:
        print(json.dumps(report.counts(), ensure_ascii=False))
    else:
        for table, f in report.files.items():
            print(
                f"{table:<14} {f.file:<24} read {f.read:>10,}  loaded {f.loaded:>10,}  "
                f"(new {f.inserted:,}, updated {f.updated:,}, already present {f.unchanged:,})  "
                f"rejected {f.rejected:>8,}"
            )
        if report.rejects_path:
            print(f"rejected rows with line, column and reason: {report.rejects_path}")
    if report.status == "rejected":
        rejected = sum(f.rejected for f in report.files.values())
        print(
            f"error: strict import refused: {rejected:,} bad rows, nothing imported "
            f"(see {report.rejects_path})",
            file=sys.stderr,
        )
        return 1
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    path = resolve_db_path(args.db)
    if not path.exists():
        raise StoreError(f"no store at {path} (create one with `python -m core.cli demo`)")
    from core import data_shape, i18n

    store = open_store(path, read_only=True)
    first, last = store.cursor().execute("select min(day), max(day) from member_day").fetchone()
    shape = data_shape.data_shape(store)
    span = [str(first) if first else None, str(last) if last else None]
    info = {
        "path": str(store.path),
        "schema_version": store.schema_version,
        "demo": store.is_demo(),
        "business_tz": store.business_tz,
        "event_date_range": span,  # the days with activity: an event or an order
        "activity_date_range": span,
        "tables": store.table_counts(),
        "data": {
            kind: {"present": present, "pages": list(data_shape.KIND_PAGES[kind])}
            for kind, present in shape.as_dict().items()
        },
    }
    if args.json:
        print(json.dumps(info, ensure_ascii=False))
    else:
        print(f"store           {info['path']}{'  (demo)' if info['demo'] else ''}")
        print(f"schema version  {info['schema_version']}")
        print(f"time zone       {info['business_tz']}")
        print(f"activity        {span[0]} … {span[1]}")
        for table, n in info["tables"].items():
            print(f"  {table:<16} {n:>12,}")
        print("data (kind, held, pages it feeds)")
        for kind, entry in info["data"].items():
            label = i18n.t(f"data_kind.{kind}", "en")
            held = "yes" if entry["present"] else "no "
            print(f"  {label:<28} {held}  {', '.join(entry['pages'])}")
    return 0


def cmd_refresh(args: argparse.Namespace) -> int:
    from core.refresh import refresh

    path = resolve_db_path(args.db)
    if not path.exists():
        raise StoreError(f"no store at {path}")
    report = refresh(open_store(path), progress=_progress(False))
    moves = sum(n for _, n in report.tier_recomputes)
    print(
        f"refreshed as of {report.as_of}: {report.member_days:,} member-days, "
        f"{moves:,} tier moves, {report.seconds:.1f} s"
    )
    return 0


def _report_filters(args: argparse.Namespace, store) -> GlobalFilters:
    """The global filters from the command line, validated like a shared link's."""
    from core import i18n
    from core.filters import GlobalFilters, load_filter_options

    params: dict[str, list[str]] = {}
    for name, values in (
        ("from", [args.date_from] if args.date_from else []),
        ("to", [args.date_to] if args.date_to else []),
        ("region", args.region),
        ("device", args.device),
        ("tier", args.tier),
        ("channel", args.channel),
        ("segment", [str(args.segment)] if args.segment is not None else []),
        ("compare", [args.compare] if getattr(args, "compare", None) else []),
    ):
        if values:
            params[name] = list(values)
    filters, notices = GlobalFilters.from_query_params(params, load_filter_options(store))
    for notice in notices:
        values = notice.values
        if notice.code == "notice.date_clamped":
            print(f"note: {i18n.t(notice.code, 'en', **values)}", file=sys.stderr)
        elif notice.code == "notice.unknown_value":
            raise ReportUsageError(
                f"unknown --{values['name']} {values['value']!r}: the store has no such value"
            )
        elif notice.code == "notice.bad_date":
            raise ReportUsageError(
                f"bad --{values['name']} date {values['value']!r}: use YYYY-MM-DD"
            )
        elif notice.code == "notice.date_order":
            raise ReportUsageError("--from is after --to")
        else:
            raise ReportUsageError(i18n.t(notice.code, "en", **values))
    return filters


class ReportUsageError(Exception):
    """A report option or filter value the store does not know."""


def _report_as_of(args: argparse.Namespace, store) -> date:
    """``--as-of``, which must lie in the store's data range; default the last day with
    data (never the wall clock)."""
    from core.metrics import data_bounds

    first, last = data_bounds(store)
    if last is None:
        raise StoreError(
            f"the store {store.path} has no activity yet (no events or orders); nothing to report"
        )
    if args.as_of is None:
        return last
    try:
        if len(args.as_of) != 10:
            raise ValueError(args.as_of)
        as_of = date.fromisoformat(args.as_of)
    except ValueError:
        raise ReportUsageError(f"bad --as-of date {args.as_of!r}: use YYYY-MM-DD") from None
    if not first <= as_of <= last:
        raise ReportUsageError(
            f"--as-of {as_of} is outside the store's data range {first} … {last}"
        )
    return as_of


def _path_options(args: argparse.Namespace, takes: tuple[str, ...]) -> dict:
    """The transitions, paths and dwell options (core/paths.py), refused on other reports,
    and ``--by``, which is the cohort basis for retention and the group for dwell."""
    from core import paths

    if args.by in paths.DWELL_GROUPS and "group" not in takes:
        raise ReportUsageError(f"--by {args.by} applies to the dwell report only")
    if args.by is not None and args.by not in paths.DWELL_GROUPS and "group" in takes:
        raise ReportUsageError(
            f"--by for the dwell report is one of {', '.join(paths.DWELL_GROUPS)}"
        )
    if args.keep_repeats and "keep_repeats" not in takes:
        raise ReportUsageError("--keep-repeats applies to the transitions and path-changes reports")
    given = args.start_step is not None or args.end_step is not None
    sized = (args.depth, args.top) != (paths.DEFAULT_DEPTH, paths.DEFAULT_TOP)
    if (given or sized) and "start_step" not in takes:
        raise ReportUsageError("--start-step, --end-step, --depth and --top apply to paths only")
    if "start_step" in takes and not given:
        raise ReportUsageError("the paths report needs --start-step STEP or --end-step STEP")
    if "group" in takes:
        return {"group": args.by}
    return {
        "by": args.by or "signup",
        "keep_repeats": args.keep_repeats,
        "start_step": args.start_step,
        "end_step": args.end_step,
        "depth": args.depth,
        "top": args.top,
    }


def cmd_report(args: argparse.Namespace) -> int:
    from core import reports, settings

    path = resolve_db_path(args.db)
    if not path.exists():
        raise StoreError(f"no store at {path} (create one with `python -m core.cli demo`)")
    store = open_store(path)
    filters = _report_filters(args, store)
    as_of = _report_as_of(args, store)
    if args.max_period is not None and "max_period" not in reports.REPORTS[args.name].options:
        raise ReportUsageError("--max-period applies to the retention and ltv reports only")
    if args.every_member and "every_member" not in reports.REPORTS[args.name].options:
        raise ReportUsageError("--all applies to the churn-risk report only")
    options = reports.ReportOptions(
        cohort=args.cohort,
        mode=args.mode,
        max_period=args.max_period,
        every_member=args.every_member,
        **_path_options(args, reports.REPORTS[args.name].options),
    )
    frame = reports.run_report(store, args.name, filters, as_of, options)
    currency = settings.get(store, "currency")
    if args.out:
        with open(args.out, "wb") as out:
            reports.write_report(frame, args.format, out, currency)
    else:
        reports.write_report(frame, args.format, sys.stdout.buffer, currency)
        sys.stdout.flush()
    return 0


def cmd_fit(args: argparse.Namespace) -> int:
    """Fit every churn/LTV model as of ``--as-of`` (default the last day with data), save
    the run and print its churn window, score model, holdout and what was left out."""
    from core import churn

    path = resolve_db_path(args.db)
    if not path.exists():
        raise StoreError(f"no store at {path} (create one with `python -m core.cli demo`)")
    store = open_store(path)
    as_of = _report_as_of(args, store)
    say = _progress(args.json)

    def progress(fraction: float, step: str) -> None:
        say(f"{fraction:4.0%} {step}")

    fit = churn.fit_churn_models(store, as_of, progress=progress)
    run_id = churn.save_fit(store, fit, "cli")
    summary = fit.summary
    if args.json:
        print(json.dumps({"run_id": run_id, **summary}, ensure_ascii=False, default=str))
        return 0
    window = fit.window
    print(f"run {run_id} as of {as_of}: {summary['scored_members']:,} members scored "
          f"in {fit.fit_seconds:.1f} s")  # fmt: skip
    rule = {
        "setting": "the store setting churn_window_days",
        "data": f"90th percentile of {window.get('gaps') or 0:,} gaps between active days "
        f"({window.get('percentile_days')} days), rounded up to whole weeks",
        "fallback": "too few gaps between active days for the rule: the fallback",
    }.get(window["source"], window["source"])
    print(f"churn window: {window['days']} days ({rule})")
    score = summary["score"]
    print(f"churn score: {score['model']} (chosen by {score['selected_by']}), "
          f"trained on {score['training_members']:,} members as of "
          f"{score['training_landmark']}")  # fmt: skip
    if summary.get("holdout"):
        print("holdout (AUC of no activity within the window; AUC among active members):")
        for row in summary["holdout"]["models"]:
            figures = "  ".join(
                f"{name} {row[name]:.3f}"
                for name in ("auc", "auc_active", "concordance")
                if row[name] is not None
            )
            print(f"  {row['model']:<14} {figures or row['note']}")
    for model, note in summary.get("notes", {}).items():
        print(f"not fitted or not run: {model} ({note})")
    for entry in summary.get("left_out", []):
        print(f"left out of {entry['model']}: {entry['count']:,} by rule {entry['rule']} "
              f"(e.g. {', '.join(entry['examples'])})")  # fmt: skip
    return 0


def cmd_config(args: argparse.Namespace) -> int:
    """Print every setting, print one, or set one (audited, actor ``cli``)."""
    from core import i18n, settings

    path = resolve_db_path(args.db)
    if args.value is None and not path.exists():
        raise StoreError(f"no store at {path} (create one with `python -m core.cli demo`)")
    store = open_store(path)  # setting one creates a new store: business_tz before import
    if args.key is None:
        shown = {k: settings.as_text(v) for k, v in settings.all_settings(store).items()}
        width = max(len(text) for text in shown.values())
        for key, text in shown.items():
            help_text = i18n.t(settings.SETTINGS[key].description, "en")
            print(f"{key:<18} {text:<{width}}  {help_text}")
        return 0
    spec = settings.setting(args.key)
    if args.value is None:
        print(settings.as_text(settings.get(store, spec.key)))
        return 0
    before = settings.get(store, spec.key)
    after = settings.set_setting(store, spec.key, args.value, settings.CLI_ACTOR, None)
    if after == before:
        print(f"{spec.key} = {settings.as_text(after)} (unchanged)")
    else:
        print(f"{spec.key}: {settings.as_text(before)} → {settings.as_text(after)}")
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    from core import audit

    path = resolve_db_path(args.db)
    if not path.exists():
        raise StoreError(f"no store at {path}")
    store = open_store(path, read_only=True)  # never writes; two checks may run at once
    if args.action == "anchor":
        if args.anchor:
            raise ReportUsageError("--anchor is for verify; anchor writes one (see --out)")
        content = json.dumps(audit.anchor(store), ensure_ascii=False, indent=2) + "\n"
        if args.out:
            with open(args.out, "w", encoding="utf-8") as out:
                out.write(content)
            print(f"anchored {json.loads(content)['rows']:,} audit rows: {args.out}")
        else:
            sys.stdout.write(content)
        return 0
    if args.out:
        raise ReportUsageError("--out is for anchor")
    anchors = [audit.read_anchor(name) for name in args.anchor]
    report = audit.verify_chain(store, anchors)
    if not report.ok:
        print(f"error: {report.message()}", file=sys.stderr)
        return 1
    print(report.message())
    return 0


def cmd_compact(args: argparse.Namespace) -> int:
    from core.store import compact_store

    path = resolve_db_path(args.db)
    before, after = compact_store(path)
    print(f"compacted {path}: {before:,} -> {after:,} bytes (live rows only)")
    return 0


def cmd_alerts(args: argparse.Namespace) -> int:
    from core import segments

    path = resolve_db_path(args.db)
    if not path.exists():
        raise StoreError(f"no store at {path} (create one with `python -m core.cli demo`)")
    frame = segments.alerts(open_store(path), None if args.history else "open")
    rows = [
        {
            "alert_id": int(row.alert_id),
            "group": segments.group_label(row.group_kind, row.group_value),
            "rule": row.rule_name,
            "start": row.start_day.isoformat(),
            "fired_on": row.fired_on.isoformat(),
            "days": int(row.decline_days),
            "drop": round(float(row.drop_share), 4),
            "baseline": round(float(row.baseline), 2),
            "latest": float(row.latest),
            "affected": int(row.affected),
            "best_hour": None if pd.isna(row.best_hour) else int(row.best_hour),
            "action": row.action,
            "status": row.status,
        }
        for row in frame.itertuples()
    ]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
    elif not rows:
        print("no open alerts" if not args.history else "no alerts")
    else:
        for r in rows:
            hour = "-" if r["best_hour"] is None else f"{r['best_hour']:02d}:00"
            print(
                f"{r['group']:<24} from {r['start']}  {r['days']} days  drop {r['drop']:.1%}  "
                f"affected {r['affected']:,}  {r['action']} at {hour}  {r['status']}"
            )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m core.cli", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    def add_db(p: argparse.ArgumentParser) -> None:
        p.add_argument("--db", help="store file (default $MEMBERLENS_DB or data/memberlens.duckdb)")

    demo = sub.add_parser("demo", help="create the demo store")
    demo.add_argument("--members", type=int, default=20_000)
    demo.add_argument("--events", type=int, default=1_500_000)
    demo.add_argument("--seed", type=int, default=42)
    demo.add_argument(
        "--no-fit", action="store_true", help="do not fit the churn/LTV models (faster)"
    )
    add_db(demo)
    demo.set_defaults(func=cmd_demo)

    imp = sub.add_parser("import", help="import contract files from a folder")
    imp.add_argument("dir", help="folder with members/events/orders/channel_costs/campaigns")
    imp.add_argument("--strict", action="store_true", help="any bad row: import nothing")
    imp.add_argument("--json", action="store_true", help="print counts per table as JSON")
    add_db(imp)
    imp.set_defaults(func=cmd_import)

    info = sub.add_parser("info", help="row counts, event date range, schema version")
    info.add_argument("--json", action="store_true")
    add_db(info)
    info.set_defaults(func=cmd_info)

    ref = sub.add_parser("refresh", help="recompute derived data")
    add_db(ref)
    ref.set_defaults(func=cmd_refresh)

    from core import metrics, paths, reports

    rep = sub.add_parser("report", help="an operations report (运营报表) as csv, json or xlsx")
    rep.add_argument(
        "name",
        choices=reports.report_names(),
        metavar="NAME",
        help="one of: " + ", ".join(reports.report_names()),
    )
    rep.add_argument("--from", dest="date_from", metavar="DATE", help="first day (YYYY-MM-DD)")
    rep.add_argument("--to", dest="date_to", metavar="DATE", help="last day (YYYY-MM-DD)")
    for name in ("region", "device", "tier", "channel"):
        rep.add_argument(
            f"--{name}",
            action="append",
            default=[],
            metavar=name.upper(),
            help=f"only members with this {name} (repeatable)",
        )
    rep.add_argument("--segment", type=int, metavar="ID", help="only members of this saved segment")
    rep.add_argument(
        "--compare",
        choices=COMPARISONS,
        default=COMPARISONS[0],
        help="what the kpis and path-changes reports compare with: the previous period or "
        "last year",
    )
    rep.add_argument(
        "--cohort",
        choices=metrics.COHORT_UNITS,
        default="week",
        help="cohort / period unit for retention, ltv and lifecycle",
    )
    rep.add_argument(
        "--by",
        choices=(*metrics.COHORT_BY, *paths.DWELL_GROUPS),
        default=None,
        help="retention: cohort by signup day (default) or first active day; "
        "dwell: per member tier, channel, event device or saved segment",
    )
    rep.add_argument(
        "--mode",
        choices=metrics.RETENTION_MODES,
        default="on",
        help="retained in period N (on) or in N or later (on_or_after)",
    )
    rep.add_argument(
        "--as-of",
        dest="as_of",
        metavar="DATE",
        help="the as-of date (YYYY-MM-DD) within the data range; default the last day with data",
    )
    rep.add_argument(
        "--max-period",
        dest="max_period",
        type=int,
        metavar="N",
        help="retention: last period N (default 30 days, 12 weeks or months); "
        "ltv: last month since signup (default 12)",
    )
    rep.add_argument(
        "--all",
        dest="every_member",
        action="store_true",
        help="churn-risk: every scored member (churned and cancelled too), not only active ones",
    )
    rep.add_argument(
        "--keep-repeats",
        dest="keep_repeats",
        action="store_true",
        help="transitions, path-changes: keep consecutive repeats of a step (default: one)",
    )
    rep.add_argument(
        "--start-step",
        dest="start_step",
        metavar="STEP",
        help="paths: the paths after the first occurrence of STEP (a page or an event type)",
    )
    rep.add_argument(
        "--end-step",
        dest="end_step",
        metavar="STEP",
        help="paths: the paths before the first occurrence of STEP",
    )
    rep.add_argument(
        "--depth",
        type=int,
        default=paths.DEFAULT_DEPTH,
        metavar="N",
        help=f"paths: steps after (before) it, 1 … {paths.MAX_DEPTH} "
        f"(default {paths.DEFAULT_DEPTH})",
    )
    rep.add_argument(
        "--top",
        type=int,
        default=paths.DEFAULT_TOP,
        metavar="K",
        help=f"paths: steps kept per depth, the rest folded into (other) "
        f"(default {paths.DEFAULT_TOP})",
    )
    rep.add_argument("--format", choices=reports.FORMATS, default="csv")
    rep.add_argument("--out", metavar="FILE", help="write to FILE instead of stdout")
    add_db(rep)
    rep.set_defaults(func=cmd_report)

    fit = sub.add_parser(
        "fit", help="fit every churn/LTV model as of a date and save the run, with progress"
    )
    fit.add_argument(
        "--as-of",
        dest="as_of",
        metavar="DATE",
        help="the as-of date (YYYY-MM-DD) within the data range; default the last day with data",
    )
    fit.add_argument("--json", action="store_true", help="print the run's summary as JSON")
    add_db(fit)
    fit.set_defaults(func=cmd_fit)

    from core.settings import SETTINGS

    config = sub.add_parser("config", help="store settings: print all, print one, set one")
    config.add_argument("key", nargs="?", metavar="KEY", help="one of: " + ", ".join(SETTINGS))
    config.add_argument("value", nargs="?", metavar="VALUE", help="the new value (audited)")
    add_db(config)
    config.set_defaults(func=cmd_config)

    aud = sub.add_parser("audit", help="audit log tools")
    aud.add_argument(
        "action",
        choices=["verify", "anchor"],
        help="verify: check the keyed hash chain (and anchors); anchor: write the signed head",
    )
    aud.add_argument(
        "--anchor",
        action="extend",
        nargs="+",
        default=[],
        metavar="FILE",
        help="verify: also prove the rows of these anchors are unchanged",
    )
    aud.add_argument("--out", metavar="FILE", help="anchor: write to FILE instead of stdout")
    add_db(aud)
    aud.set_defaults(func=cmd_audit)
    compact = sub.add_parser(
        "compact",
        help="rewrite the store with its live rows only (after an erasure; stop the app first)",
    )
    add_db(compact)
    compact.set_defaults(func=cmd_compact)
    alerts = sub.add_parser("alerts", help="fired alerts: group, start, days, drop")
    alerts.add_argument("--json", action="store_true", help="one JSON list of alerts")
    alerts.add_argument("--history", action="store_true", help="cleared alerts too")
    add_db(alerts)
    alerts.set_defaults(func=cmd_alerts)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from core.audit import AuditError

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (
        AuditError,
        StoreError,
        FileExistsError,
        FileNotFoundError,
        ReportUsageError,
        MetricOptionError,
    ) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except duckdb.Error as exc:
        print(f"error: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
    except ValueError as exc:
        # core's own ValueErrors (e.g. ChurnModelError: too little data) are messages for the
        # user; anything else is a bug and keeps its traceback.
        if not type(exc).__module__.startswith("core."):
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: interrupted; the store is unchanged", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

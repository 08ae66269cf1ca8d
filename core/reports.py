"""Operations reports (运营报表): the dashboard tables, with the same numbers, for scheduled jobs.

Each report is a name, a function that builds its table from the same ``core.metrics``
function the page calls, and its columns (documented in ``docs/REPORTS.md``). Run one with
``python -m core.cli report NAME …`` or :func:`run_report`; write it with :func:`write_report`
as CSV, JSON (one object per row) or Excel (xlsx, needs ``openpyxl``). Written money columns
carry the store currency in their header (``revenue (¥)``, ``revenue ($)``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, BinaryIO

import pandas as pd

from core import exports, metrics, paths
from core.currency import money_headers
from core.filters import GlobalFilters
from core.store import Store

FORMATS: tuple[str, ...] = ("csv", "json", "xlsx")


@dataclass(frozen=True)
class ReportOptions:
    """Report-specific options; each report uses the ones it names in ``Report.options``."""

    cohort: str = "week"  # retention and LTV cohorts; lifecycle periods
    by: str = "signup"
    mode: str = "on"
    max_period: int | None = None  # retention: last period N; ltv: last month (default 12)
    every_member: bool = False  # churn-risk: every scored member, not only the active ones
    # transitions, paths and dwell (core/paths.py)
    keep_repeats: bool = False  # transitions: consecutive repeats of a step kept
    start_step: str | None = None  # paths: after the first occurrence of this step
    end_step: str | None = None  # paths: before the first occurrence of this step
    depth: int = paths.DEFAULT_DEPTH  # paths: steps after (before) it
    top: int = paths.DEFAULT_TOP  # paths: steps kept per depth, the rest "(other)"
    group: str | None = None  # dwell: tier, channel or device


@dataclass(frozen=True)
class Report:
    name: str
    description: str
    columns: tuple[str, ...]
    build: Callable[[Store, GlobalFilters, date, ReportOptions], pd.DataFrame]
    options: tuple[str, ...] = ()
    counts: tuple[str, ...] = ()  # whole-number columns, written without a decimal point
    when_present: tuple[str, ...] = ()  # columns written only when the table has them
    leading: tuple[str, ...] = ()  # like when_present, but written first (a group column)


def _kpis(store: Store, filters: GlobalFilters, as_of: date, _: ReportOptions) -> pd.DataFrame:
    result = metrics.overview(store, filters, as_of)
    return pd.DataFrame(
        [
            {
                "kpi": kpi.key,
                "value": kpi.value,
                "previous": kpi.previous,
                "change": kpi.change,
                "change_kind": kpi.change_kind,
                "period_start": result.period.start,
                "period_end": result.period.end,
            }
            for kpi in result.kpis
        ]
    )


def _activity(store, filters, as_of, _):
    return metrics.activity_daily(store, filters, as_of)


def _lifecycle(store, filters, as_of, options):
    return metrics.lifecycle(store, filters, as_of, unit=options.cohort)


def _retention(store, filters, as_of, options):
    return metrics.retention_matrix(
        store,
        filters,
        as_of,
        cohort=options.cohort,
        by=options.by,
        mode=options.mode,
        max_period=options.max_period,
    )


def _ltv(store, filters, as_of, options):
    months = metrics.DEFAULT_LTV_MONTHS if options.max_period is None else options.max_period
    return metrics.ltv_cohorts(store, filters, as_of, max_months=months)


def _channels(store, filters, as_of, _):
    return metrics.channel_table(store, filters, as_of)


def _campaigns(store, filters, as_of, _):
    return metrics.campaign_comparison(store, filters, as_of)


def _tags(store, filters, as_of, _):
    from core import segments

    return segments.tag_counts(store, as_of, filters)


def _funnel(store, filters, as_of, _):
    return metrics.funnel(store, filters, as_of)


def _hours(store, filters, as_of, _):
    return metrics.hour_heatmap(store, filters, as_of)


def _tiers(store, filters, as_of, _):
    return metrics.tier_summary(store, filters, as_of)


def _tier_migration(store, filters, as_of, _):
    return metrics.tier_migration(store, filters, as_of)


def _demographics(store, filters, as_of, _):
    return metrics.purchase_rates(store, filters, as_of)


def _keywords(store, filters, as_of, _):
    return metrics.top_keywords(store, filters, as_of)


def _transitions(store, filters, as_of, options):
    return paths.transitions(store, filters, as_of, keep_repeats=options.keep_repeats)


def _paths(store, filters, as_of, options):
    return paths.paths(
        store,
        filters,
        as_of,
        start_step=options.start_step,
        end_step=options.end_step,
        depth=options.depth,
        top=options.top,
    )


def _path_changes(store, filters, as_of, options):
    return paths.transition_changes(store, filters, as_of, keep_repeats=options.keep_repeats)


def _dwell(store, filters, as_of, options):
    return paths.dwell(store, filters, as_of, by=options.group)


def _churn_risk(store, filters, as_of, options):
    from core import churn

    fit = churn.fitted_models(store, as_of, fitted_by="report")
    frame = churn.at_risk_list(store, fit.run_id, filters, every_member=options.every_member)
    if fit.churn_days == 30:
        # the column of the fixed 30-day window, kept for jobs that read it
        frame["churn_probability_30d"] = frame["churn_probability"]
    return frame


def _model(store, filters, as_of, _):
    from core import churn

    return churn.model_parameters(churn.fitted_models(store, as_of, fitted_by="report"))


REPORTS: dict[str, Report] = {
    report.name: report
    for report in (
        Report(
            "kpis",
            "overview KPIs for the period and the previous period of the same length",
            ("kpi", "value", "previous", "change", "change_kind", "period_start", "period_end"),
            _kpis,
        ),
        Report(
            "activity",
            "DAU, WAU, MAU and stickiness per day of the period",
            ("date", "dau", "wau", "mau", "stickiness"),
            _activity,
            counts=("dau", "wau", "mau"),
        ),
        Report(
            "lifecycle",
            "new, returning, resurrecting and dormant members per day/week/month",
            ("period", "period_end", "new", "returning", "resurrecting", "dormant", "complete"),
            _lifecycle,
            ("cohort",),
            counts=("new", "returning", "resurrecting", "dormant"),
        ),
        Report(
            "retention",
            "cohort retention matrix (one row per cohort and period)",
            ("cohort", "cohort_size", "period", "retained", "rate"),
            _retention,
            ("cohort", "by", "mode", "max_period"),
            counts=("cohort_size", "retained"),
        ),
        Report(
            "ltv",
            "cumulative paid revenue per member of each signup-month cohort",
            ("cohort", "months_since_signup", "members", "revenue", "ltv"),
            _ltv,
            ("max_period",),
            counts=("members",),
        ),
        Report(
            "channels",
            "per acquisition channel: signups, activation, retention, 90-day LTV, CAC, ROI",
            metrics.CHANNEL_COLUMNS,
            _channels,
            counts=("signups",),
        ),
        Report(
            "campaigns",
            "new members during each campaign against the same-length period before it",
            metrics.CAMPAIGN_COLUMNS,
            _campaigns,
            counts=(
                "signups_during",
                "signups_before",
                "channel_signups_during",
                "channel_signups_before",
            ),
        ),
        Report(
            "tiers",
            "per tier: members, orders, revenue, discount cost, repurchase interval, upgrades",
            (
                "tier_code",
                "members",
                "orders",
                "revenue",
                "discount_cost",
                "repurchases",
                "median_repurchase_days",
                "upgrade_candidates",
            ),
            _tiers,
        ),
        Report(
            "tier-migration",
            "members by tier the day before the period and at its end",
            ("from_tier", "to_tier", "members", "share_of_from"),
            _tier_migration,
        ),
        Report(
            "funnel",
            "page_view → add_to_cart → checkout → order_paid, members per step",
            (
                "step",
                "step_name",
                "members",
                "conversion_from_previous",
                "conversion_from_first",
                "drop_off",
            ),
            _funnel,
        ),
        Report(
            "hours",
            "events and members per weekday and hour of day",
            ("weekday", "hour", "events", "members", "share"),
            _hours,
        ),
        Report(
            "demographics",
            "purchase rate by gender and age band per category",
            ("gender", "age_band", "category", "members", "buyers", "purchase_rate"),
            _demographics,
        ),
        Report(
            "keywords",
            "top search keywords with the previous period",
            ("keyword", "searches", "members", "share", "previous_searches", "change"),
            _keywords,
            counts=("previous_searches",),
        ),
        Report(
            "transitions",
            "every consecutive pair of steps within a session, with the session end (exit)",
            paths.TRANSITION_COLUMNS,
            _transitions,
            ("keep_repeats",),
            counts=("transitions", "sessions"),
        ),
        Report(
            "paths",
            "Sankey links of the paths after (before) the first occurrence of a step",
            paths.FLOW_COLUMNS,
            _paths,
            ("start_step", "end_step", "depth", "top"),
            counts=("depth", "sessions"),
        ),
        Report(
            "path-changes",
            "each transition's share of its step's exits against the comparison period",
            paths.CHANGE_COLUMNS,
            _path_changes,
            ("keep_repeats",),
            counts=("transitions", "previous_transitions"),
        ),
        Report(
            "dwell",
            "dwell time per page: views, members, median, p90 and mean seconds",
            paths.DWELL_COLUMNS,
            _dwell,
            ("group",),
            counts=("views", "members", "timed_views"),
            leading=paths.DWELL_GROUPS,
        ),
        Report(
            "churn-risk",
            "active members (--all: every member) by value at risk: probability of no "
            "activity within the churn window, 12-month LTV, action",
            (
                "member_id",
                "active",
                "churn_probability",
                "churn_window_days",
                "predicted_ltv_12m",
                "p_alive",
                "best_hour",
                "action",
            ),
            _churn_risk,
            options=("every_member",),
            counts=("best_hour", "churn_window_days"),
            when_present=("churn_probability_30d",),
        ),
        Report(
            "model",
            "every fitted churn/LTV model parameter and holdout figure",
            ("model", "parameter", "value", "lower", "upper", "p"),
            _model,
        ),
        Report(
            "tags",
            "members holding each behaviour tag on the latest snapshot (SPEC §5)",
            ("tag", "members"),
            _tags,
            counts=("members",),
        ),
    )
}


def report_names() -> list[str]:
    return list(REPORTS)


def run_report(
    store: Store,
    name: str,
    filters: GlobalFilters,
    as_of: date,
    options: ReportOptions | None = None,
) -> pd.DataFrame:
    """The table of report ``name``, its documented columns in order."""
    report = REPORTS.get(name)
    if report is None:
        raise metrics.MetricOptionError(f"unknown report {name!r}; one of: {', '.join(REPORTS)}")
    frame = report.build(store, filters, as_of, options or ReportOptions())
    extra = [column for column in report.when_present if column in frame.columns]
    lead = [column for column in report.leading if column in frame.columns]
    frame = frame[lead + list(report.columns) + extra].reset_index(drop=True)
    for column in report.counts:
        frame[column] = frame[column].round().astype("Int64")
    return frame


def _plain(value: Any) -> Any:
    """A cell as a JSON/CSV value: dates ISO, missing values None, numpy scalars unwrapped."""
    if value is None:
        return None
    if isinstance(value, pd.Timestamp | datetime):
        stamp = pd.Timestamp(value)
        return stamp.date().isoformat() if stamp == stamp.normalize() else stamp.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def plain_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every cell as :func:`_plain` gives it (object columns)."""
    return pd.DataFrame(
        {
            column: pd.Series([_plain(value) for value in frame[column]], dtype=object)
            for column in frame.columns
        }
    )


def write_report(frame: pd.DataFrame, fmt: str, out: BinaryIO, currency: str | None = None) -> None:
    """Write ``frame`` to the binary stream ``out`` as csv, json or xlsx; money columns
    (:data:`core.currency.MONEY_COLUMNS`) get ``currency`` (default CNY) in their header."""
    metrics.check_choice("format", fmt, FORMATS)
    plain = plain_frame(frame).rename(columns=money_headers(frame.columns, currency))
    if fmt == "csv":
        out.write(exports.csv_bytes(plain, bom=False))
    elif fmt == "json":
        rows = plain.to_dict(orient="records")
        out.write(json.dumps(rows, ensure_ascii=False, indent=1).encode("utf-8"))
        out.write(b"\n")
    else:
        out.write(exports.xlsx_bytes(plain))

"""Operations reports: the CLI writes the same table as the page's metric function, in csv,
json and xlsx, and refuses unknown filter values with a one-line error."""

from __future__ import annotations

import json
import math
from datetime import date

import pandas as pd
import pytest

from core import cli, metrics, reports
from core.config import PROJECT_ROOT
from core.currency import money_headers
from core.filters import GlobalFilters
from tests.fixtures_analytics import AS_OF, build_analytics_store

JUNE = GlobalFilters(date(2026, 6, 1), date(2026, 6, 16))
JUNE_ARGS = ["--from", "2026-06-01", "--to", "2026-06-16"]


@pytest.fixture()
def db(tmp_path):
    path = tmp_path / "analytics.duckdb"
    build_analytics_store(path)
    return path


def run_cli(db, tmp_path, *args: str, fmt: str = "csv") -> pd.DataFrame | list:
    out = tmp_path / f"report.{fmt}"
    code = cli.main(["report", *args, "--db", str(db), "--format", fmt, "--out", str(out)])
    assert code == 0
    if fmt == "csv":
        return pd.read_csv(out)
    if fmt == "json":
        return json.loads(out.read_text(encoding="utf-8"))
    return pd.read_excel(out)


def same_table(written: pd.DataFrame, expected: pd.DataFrame) -> None:
    """Equal cell by cell: dates as ISO text, numbers within 1e-9, empty cells empty."""
    assert list(written.columns) == list(expected.columns)
    assert len(written) == len(expected)
    plain = reports.plain_frame(expected)
    for column in expected.columns:
        for got, want in zip(written[column], plain[column], strict=True):
            if want is None:
                assert got is None or (isinstance(got, float) and math.isnan(got)), column
            elif isinstance(want, str):
                assert str(got) == want, column
            else:
                assert float(got) == pytest.approx(float(want), abs=1e-9), column


# the dashboard reports of SPEC §4 (the churn and model reports need a store large enough
# to fit the models; tests/test_churn.py covers them)
DASHBOARD_REPORTS = [
    "kpis",
    "activity",
    "retention",
    "lifecycle",
    "ltv",
    "channels",
    "campaigns",
    "tiers",
    "tier-migration",
    "funnel",
    "hours",
    "demographics",
    "keywords",
]


@pytest.mark.parametrize("name", DASHBOARD_REPORTS)
def test_every_report_equals_the_page_function(db, tmp_path, name):
    from core.store import open_store

    written = run_cli(db, tmp_path, name, *JUNE_ARGS)
    report = reports.REPORTS[name]
    expected = report.build(open_store(db), JUNE, AS_OF, reports.ReportOptions())
    assert len(expected) > 0, "the fixture should give every report some rows"
    expected = expected[list(report.columns)]
    # money columns are written with the store currency in their header (CNY by default)
    same_table(written, expected.rename(columns=money_headers(expected.columns, "CNY")))


def test_funnel_report_numbers(db, tmp_path):
    written = run_cli(db, tmp_path, "funnel", *JUNE_ARGS)
    assert written["members"].tolist() == [6, 4, 3, 3]  # tests/test_metrics_funnel.py


def test_tier_migration_report_numbers(db, tmp_path):
    written = run_cli(db, tmp_path, "tier-migration", *JUNE_ARGS)
    assert written[["from_tier", "to_tier", "members"]].values.tolist() == [
        ["normal", "silver", 1],
        ["normal", "gold", 1],
    ]


def test_activity_report_equals_the_page_function(db, tmp_path):
    from core.store import open_store

    expected = metrics.activity_daily(open_store(db), JUNE, AS_OF)
    same_table(run_cli(db, tmp_path, "activity", *JUNE_ARGS), expected)


def test_retention_report_equals_the_matrix_with_empty_incomplete_cells(db, tmp_path):
    from core.store import open_store

    written = run_cli(
        db, tmp_path, "retention", *JUNE_ARGS, "--cohort", "week", "--mode", "on_or_after"
    )
    expected = metrics.retention_matrix(
        open_store(db), JUNE, AS_OF, cohort="week", mode="on_or_after"
    )
    same_table(written, expected)
    # cohort 06-01, period 1: 3 of 3 (on or after); period 2 has not ended: empty
    first = written[written["cohort"] == "2026-06-01"].set_index("period")
    assert first.loc[1, "retained"] == 3
    assert math.isnan(first.loc[2, "rate"])


def test_lifecycle_report_by_day(db, tmp_path):
    from core.store import open_store

    written = run_cli(db, tmp_path, "lifecycle", "--from", "2026-06-09", "--to", "2026-06-10",
                      "--cohort", "day")  # fmt: skip
    expected = metrics.lifecycle(
        open_store(db), GlobalFilters(date(2026, 6, 9), date(2026, 6, 10)), AS_OF, unit="day"
    )
    same_table(written, expected)
    assert written["dormant"].tolist() == [1, 1]


def test_json_report_has_nulls_for_empty_cells(db, tmp_path):
    rows = run_cli(db, tmp_path, "retention", *JUNE_ARGS, "--cohort", "week", fmt="json")
    cell = [row for row in rows if row["cohort"] == "2026-06-08" and row["period"] == 1][0]
    assert cell == {
        "cohort": "2026-06-08",
        "cohort_size": 2,
        "period": 1,
        "retained": None,
        "rate": None,
    }


def test_xlsx_report_reads_back(db, tmp_path):
    frame = run_cli(db, tmp_path, "activity", *JUNE_ARGS, fmt="xlsx")
    assert list(frame.columns) == ["date", "dau", "wau", "mau", "stickiness"]
    assert frame["dau"].tolist()[:3] == [3, 3, 1]


def test_channel_filter_applies(db, tmp_path):
    frame = run_cli(db, tmp_path, "activity", "--from", "2026-06-15", "--to", "2026-06-16",
                    "--channel", "referral")  # fmt: skip
    assert frame["dau"].tolist() == [1, 0]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--region", "火星"], "unknown --region '火星'"),
        (["--from", "2026-02-30"], "bad --from date"),
        (["--from", "2026-06-10", "--to", "2026-06-01"], "--from is after --to"),
    ],
)
def test_bad_filter_values_are_one_line_errors(db, capsys, args, message):
    code = cli.main(["report", "activity", "--db", str(db), *args])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("error: ") and message in err
    assert err.count("\n") == 1


def test_every_report_is_documented():
    doc = (PROJECT_ROOT / "docs" / "REPORTS.md").read_text(encoding="utf-8")
    for report in reports.REPORTS.values():
        assert f"`{report.name}`" in doc
        for column in report.columns:
            assert f"`{column}`" in doc, (report.name, column)

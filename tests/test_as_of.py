"""The as-of date moves every report (``report NAME --as-of DATE``) and the app's pages
(a sidebar picker kept in the shared link); outside the data range it is a one-line error.

On the hand-made analytics store (data 2026-05-01 … 2026-06-16) every dashboard report
differs between as of 2026-06-16 and as of 2026-05-31: the default period is the 30 days
ending the as-of date, and the June data (all sessions, most orders, the June signup cohort,
the 618 campaign, most searches, tier moves of 06-01 and 06-10) lies after 05-31. The churn
reports are checked on a copy of the demo store, fitted as of 2026-06-28 and 2026-05-31.
"""

from __future__ import annotations

import io
from datetime import date

import pandas as pd
import pytest

from core import cli, reports
from core.filters import GlobalFilters
from core.store import close_store, open_store
from tests.fixtures_analytics import AS_OF, build_analytics_store
from tests.fixtures_churn import fitted_demo_copy

EARLIER = date(2026, 5, 31)
DASHBOARD_REPORTS = [name for name in reports.report_names() if name not in ("churn-risk", "model")]
# this store's page views name no page, so its dwell report is empty on every date; the
# as-of date of dwell is checked on the session store (tests/test_paths.py)
AS_OF_HERE = [name for name in DASHBOARD_REPORTS if name != "dwell"]
# the options a report cannot run without
REQUIRED = {"paths": ({"start_step": "page_view"}, ["--start-step", "page_view"])}


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("as_of") / "analytics.duckdb"
    build_analytics_store(path)
    close_store(path)
    return path


def cli_csv(db, *args: str) -> str:
    """The CSV ``python -m core.cli report ARGS`` writes for store ``db``."""
    out = db.parent / "report.csv"
    assert cli.main(["report", *args, "--db", str(db), "--out", str(out)]) == 0
    return out.read_text(encoding="utf-8")


def test_the_dashboard_report_list_is_every_report_but_the_two_model_reports():
    assert set(reports.report_names()) - set(DASHBOARD_REPORTS) == {"churn-risk", "model"}


@pytest.mark.parametrize("name", AS_OF_HERE)
def test_as_of_moves_every_dashboard_report(db, name):
    options, args = REQUIRED.get(name, ({}, []))
    default = cli_csv(db, name, *args)
    latest = cli_csv(db, name, *args, "--as-of", AS_OF.isoformat())
    earlier = cli_csv(db, name, *args, "--as-of", EARLIER.isoformat())
    assert default == latest  # the default is the last day with data, not the wall clock
    assert earlier != latest, f"report {name} ignores --as-of"
    store = open_store(db)
    try:
        expected = reports.run_report(
            store, name, GlobalFilters(), EARLIER, reports.ReportOptions(**options)
        )
    finally:
        close_store(db)
    out = io.BytesIO()
    reports.write_report(expected, "csv", out)
    assert earlier == out.getvalue().decode("utf-8")


@pytest.mark.parametrize(
    ("as_of", "message"),
    [
        (
            "2026-06-17",
            "--as-of 2026-06-17 is outside the store's data range 2026-05-01 … 2026-06-16",
        ),
        (
            "2026-04-30",
            "--as-of 2026-04-30 is outside the store's data range 2026-05-01 … 2026-06-16",
        ),
        ("2026-6-1", "bad --as-of date '2026-6-1': use YYYY-MM-DD"),
        ("yesterday", "bad --as-of date 'yesterday': use YYYY-MM-DD"),
    ],
)
def test_as_of_outside_the_data_range_is_a_one_line_error(db, capsys, as_of, message):
    assert cli.main(["report", "kpis", "--db", str(db), "--as-of", as_of]) == 1
    assert capsys.readouterr().err == f"error: {message}\n"


def test_as_of_moves_the_churn_reports(demo_store_path):
    path, _ = fitted_demo_copy(demo_store_path)
    outputs = {}
    for name in ("churn-risk", "model"):
        outputs[name] = [cli_csv(path, name), cli_csv(path, name, "--as-of", EARLIER.isoformat())]
    close_store(path)
    for name, (latest, earlier) in outputs.items():
        assert latest != earlier, f"report {name} ignores --as-of"
    runs = open_store(path).df("select as_of from churn_model_runs order by run_id")
    close_store(path)
    assert pd.Timestamp(EARLIER) in set(pd.to_datetime(runs["as_of"]))

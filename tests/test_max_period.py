"""``--max-period N`` on ``report retention`` and ``report ltv`` (and the metric functions the
Retention and LTV pages call): N periods where the data has them, the default unchanged,
bad values refused.

Fixture (imported through the importer): A signs up 2023-01-05 and logs in and pays ¥10 on
the 5th of every month from 2023-01 to 2025-03 (27 months); B signs up 2023-01-20, logs in
that day and on 2025-01-20 (month 24), never pays. As of 2025-03-05 (the last day with data),
from 2023-01-01:

- monthly retention, cohort 2023-01 (size 2), "on": month 0 both active → 1.0; months 1 … 23
  A only → 0.5; month 24 both → 1.0; month 25 (2025-02, ended) A only → 0.5; month 26
  (2025-03) has not ended by 2025-03-05 → empty, and so is every later month.
- LTV, cohort 2023-01 (2 members): cumulative revenue after month k is ¥10 × (k + 1), LTV
  ¥5 × (k + 1): month 12 → ¥65, month 24 → ¥125.
"""

from __future__ import annotations

import pandas as pd
import pytest

from core import cli, metrics
from core.filters import GlobalFilters
from core.ingest import import_dir
from core.store import close_store, open_store

MONTHS = pd.date_range("2023-01-01", "2025-03-01", freq="MS") + pd.Timedelta(days=4)


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("long")
    (folder / "members.csv").write_text(
        "member_id,signup_at\nA,2023-01-05 09:00:00\nB,2023-01-20 09:00:00\n", encoding="utf-8"
    )
    events = ["member_id,event_time,event_type"]
    events += [f"A,{day:%Y-%m-%d} 10:00:00,login" for day in MONTHS]
    events += ["B,2023-01-20 10:00:00,login", "B,2025-01-20 10:00:00,login"]
    (folder / "events.csv").write_text("\n".join(events) + "\n", encoding="utf-8")
    orders = ["order_id,member_id,paid_at,amount"]
    orders += [f"O{i},A,{day:%Y-%m-%d} 11:00:00,10" for i, day in enumerate(MONTHS)]
    (folder / "orders.csv").write_text("\n".join(orders) + "\n", encoding="utf-8")
    path = folder / "long.duckdb"
    import_dir(open_store(path), folder)
    close_store(path)
    return path


def report(db, *args: str) -> pd.DataFrame:
    out = db.parent / "report.csv"
    code = cli.main(["report", *args, "--from", "2023-01-01", "--db", str(db), "--out", str(out)])
    assert code == 0
    return pd.read_csv(out)


def test_fixture_spans_27_months():
    assert len(MONTHS) == 27 and str(MONTHS[-1].date()) == "2025-03-05"


def test_retention_max_period_24_gives_periods_0_to_24(db):
    frame = report(db, "retention", "--cohort", "month", "--max-period", "24")
    assert frame["cohort"].unique().tolist() == ["2023-01-01"]
    assert frame["period"].tolist() == list(range(25))
    rate = frame.set_index("period")["rate"]
    assert rate[0] == 1.0 and rate[1] == 0.5 and rate[23] == 0.5 and rate[24] == 1.0
    assert frame.set_index("period")["retained"][24] == 2


def test_retention_default_is_still_12_months(db):
    frame = report(db, "retention", "--cohort", "month")
    assert frame["period"].tolist() == list(range(13))
    assert frame.equals(report(db, "retention", "--cohort", "month", "--max-period", "12"))


def test_retention_past_the_data_is_empty_not_zero(db):
    frame = report(db, "retention", "--cohort", "month", "--max-period", "30").set_index("period")
    assert frame.loc[25, "rate"] == 0.5
    assert frame.loc[26:30, "rate"].isna().all() and frame.loc[26:30, "retained"].isna().all()


def test_ltv_max_period_24_gives_months_0_to_24(db):
    frame = report(db, "ltv", "--max-period", "24")
    assert frame["months_since_signup"].tolist() == list(range(25))
    ltv = frame.set_index("months_since_signup")["ltv (¥)"]
    assert ltv[0] == pytest.approx(5.0)
    assert ltv[12] == pytest.approx(65.0)
    assert ltv[24] == pytest.approx(125.0)


def test_ltv_default_is_still_12_months(db):
    frame = report(db, "ltv")
    assert frame["months_since_signup"].tolist() == list(range(13))
    assert frame.set_index("months_since_signup")["ltv (¥)"][12] == pytest.approx(65.0)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["retention", "--cohort", "month", "--max-period", "0"], "from 1 to 120 for month"),
        (["retention", "--cohort", "week", "--max-period", "157"], "from 1 to 156 for week"),
        (["retention", "--cohort", "day", "--max-period", "366"], "from 1 to 365 for day"),
        (["ltv", "--max-period", "121"], "from 1 to 120 for month"),
        (["kpis", "--max-period", "24"], "--max-period applies to the retention and ltv"),
    ],
)
def test_bad_max_period_is_a_one_line_error(db, capsys, args, message):
    assert cli.main(["report", *args, "--db", str(db)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and err.count("\n") == 1


def test_the_page_functions_take_the_same_limit(db):
    store = open_store(db)
    try:
        scope = GlobalFilters(start=pd.Timestamp("2023-01-01").date())
        as_of = store.last_event_day()
        matrix = metrics.retention_matrix(store, scope, as_of, cohort="month", max_period=24)
        assert matrix["period"].max() == 24
        groups = metrics.ltv_by_group(store, scope, as_of, "channel", max_months=24)
        assert groups["months_since_signup"].max() == 24
        with pytest.raises(metrics.MetricOptionError):
            metrics.ltv_cohorts(store, scope, as_of, max_months=0)
    finally:
        close_store(db)


# -- the same control on the Retention and LTV pages (AppTest, the small app store) ---------


@pytest.fixture()
def app_store(tmp_path, monkeypatch):
    from core import auth
    from tests.fixtures_app import COOKIE_KEY, add_accounts, build_small_store

    monkeypatch.setattr(auth, "BCRYPT_ROUNDS", 4)
    path = tmp_path / "app.duckdb"
    monkeypatch.setenv("MEMBERLENS_DB", str(path))
    monkeypatch.setenv(auth.COOKIE_KEY_ENV_VAR, COOKIE_KEY)
    store = build_small_store(path)
    add_accounts(store)
    yield store
    close_store(path)


def open_page(page: str):
    import time

    from streamlit.testing.v1 import AppTest

    from core.config import PROJECT_ROOT

    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=30)
    at.session_state["ml_session"] = {"username": "analyst", "issued_at": time.time()}
    at.run()
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, at.exception
    return at


def frame_with(at, column: str) -> pd.DataFrame:
    """The table holding ``column`` (shown under its translated header), with that column
    under its machine name again."""
    from core import i18n

    header = i18n.t(f"col.{column}", "zh")
    frame = next(f.value for f in at.dataframe if header in f.value.columns)
    return frame.rename(columns={header: column})


def test_retention_page_max_period_control(app_store):
    at = open_page("retention")
    control = at.number_input(key="retention_max_period_week")
    assert control.value == 12 and control.max == 156
    assert frame_with(at, "period")["period"].max() == 12
    control.set_value(24).run()
    assert not at.exception
    assert frame_with(at, "period")["period"].max() == 24


def test_ltv_page_max_months_control(app_store):
    at = open_page("ltv")
    control = at.number_input(key="ltv_max_months_month")
    assert control.value == 12
    assert frame_with(at, "months_since_signup")["months_since_signup"].max() == 12
    control.set_value(24).run()
    assert not at.exception
    assert frame_with(at, "months_since_signup")["months_since_signup"].max() == 24

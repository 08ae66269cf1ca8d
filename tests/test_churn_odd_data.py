"""Models that never fall over (issue 12.6): an order history with the odd rows real shops
export — a $0 repeat purchase, a refunded order, a negative amount, members with one
order, orders from before the signup day — is fitted without an error, and what a model
could not use is reported with its rule, count and member ids.

The shop: 150 ordinary members (seeded random purchase days and amounts over 2025) and
five odd ones. Treatments (documented in ``core.churn.fit_ltv_models`` and the importer):

- ``ZERO``: bought ¥80, then ¥0.00 twice: a repeat buyer whose mean repeat spend is 0;
  left out of Gamma-Gamma (rule ``non_positive_spend``), kept by BG/NBD and the churn score;
- ``REFUND``: one paid order and one refunded: the refund is not a paid order;
- ``NEGATIVE``: an order of −50: refused by the importer (row, column, reason), the rest of
  the file loads;
- ``SINGLE``: one order: BG/NBD frequency 0, Gamma-Gamma's population mean;
- ``EARLY``: orders before the signup day: active on those days, scored like everyone.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from core import churn
from core.ingest import import_dir
from core.store import close_store, open_store

AS_OF = date(2025, 12, 31)


def _shop() -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(12)
    members, orders = [], []
    start = date(2025, 1, 1)
    for i in range(150):
        member = f"C{i:03d}"
        signup = start + timedelta(days=int(rng.integers(0, 120)))
        members.append((member, signup.isoformat()))
        day = signup
        active_until = signup + timedelta(days=int(rng.integers(20, 365)))
        while day <= min(active_until, AS_OF):
            amount = round(float(rng.gamma(3.0, 40.0)), 2)
            orders.append((f"{member}-{day}", member, day.isoformat(), amount, "paid"))
            day += timedelta(days=int(rng.integers(7, 60)))
    odd = [
        ("ZERO", "2025-02-01", [("2025-02-01", 80.0), ("2025-03-01", 0.0), ("2025-05-01", 0.0)]),
        ("REFUND", "2025-02-01", [("2025-02-03", 120.0), ("2025-04-03", 60.0, "refunded")]),
        ("NEGATIVE", "2025-02-01", [("2025-02-05", 90.0), ("2025-03-05", -50.0)]),
        ("SINGLE", "2025-03-01", [("2025-03-02", 45.0)]),
        ("EARLY", "2025-06-01", [("2025-04-01", 30.0), ("2025-05-01", 35.0), ("2025-07-01", 40.0)]),
    ]
    for member, signup, rows in odd:
        members.append((member, signup))
        for n, row in enumerate(rows):
            status = row[2] if len(row) > 2 else "paid"
            orders.append((f"{member}-{n}", member, row[0], row[1], status))
    return (
        pd.DataFrame(members, columns=["member_id", "signup_at"]),
        pd.DataFrame(orders, columns=["order_id", "member_id", "paid_at", "amount", "status"]),
    )


@pytest.fixture(scope="module")
def odd_store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("odd")
    files = folder / "files"
    files.mkdir()
    members, orders = _shop()
    members.to_csv(files / "members.csv", index=False)
    orders.to_csv(files / "orders.csv", index=False)
    path = folder / "odd.duckdb"
    store = open_store(path)
    report = import_dir(store, files, reports_dir=folder / "reports")
    yield store, report, orders
    close_store(path)


def test_the_negative_amount_is_refused_with_row_column_and_reason(odd_store):
    _, report, orders = odd_store
    assert report.status == "loaded"
    rejects = report.rejects
    assert len(rejects) == 1
    row = rejects.iloc[0]
    assert row["column_name"] == "amount" and row["line"] > 1
    assert "negative" in row["reason"]
    assert report.files["orders"].loaded == len(orders) - 1


def test_the_fit_never_falls_over_and_reports_what_it_left_out(odd_store):
    store, _, _ = odd_store
    fit = churn.fit_churn_models(store, AS_OF)
    left_out = {(entry["model"], entry["rule"]): entry for entry in fit.summary["left_out"]}
    zero = left_out[("gamma_gamma", "non_positive_spend")]
    assert zero["count"] == 1 and zero["examples"] == ["ZERO"]
    assert fit.summary["gamma_gamma"]["customers"] > 50
    # every member is scored, the odd ones included
    keys = store.df("select member_key, member_id from members").set_index("member_id")
    scores = fit.scores.set_index("member_key")
    assert len(scores) == 155
    assert scores["churn_probability"].between(0, 1).all()
    odd = scores.loc[keys.loc[["ZERO", "REFUND", "NEGATIVE", "SINGLE", "EARLY"], "member_key"]]
    assert odd["predicted_ltv_12m"].ge(0).all()


def test_a_zero_spend_repeat_buyer_is_predicted_below_the_population_mean(odd_store):
    store, _, _ = odd_store
    models = churn.fit_ltv_models(store, AS_OF)
    forecast = churn.ltv_forecast(models)
    key = store.scalar("select member_key from members where member_id = 'ZERO'")
    gamma = models.gamma_gamma
    population = gamma.p_ * gamma.gamma_ / (gamma.q_ - 1)
    # E[M | x = 2, m = 0] = p·γ / (p·x + q − 1): below the mean, above 0
    expected = gamma.p_ * gamma.gamma_ / (gamma.p_ * 2 + gamma.q_ - 1)
    assert forecast.loc[key, "expected_order_value"] == pytest.approx(expected)
    assert 0 < expected < population


def test_the_refund_is_not_a_paid_order(odd_store):
    store, _, _ = odd_store
    models = churn.fit_ltv_models(store, AS_OF)
    key = store.scalar("select member_key from members where member_id = 'REFUND'")
    assert models.summary.loc[key, "frequency"] == 0  # one paid purchase day


def test_orders_before_signup_count_as_activity(odd_store):
    store, _, _ = odd_store
    features = churn.features_at(store, AS_OF).set_index("member_id")
    early = features.loc["EARLY"]
    assert pd.Timestamp(early["first_active_day"]) == pd.Timestamp("2025-04-01")
    assert early["active_days"] == 3
    # tenure counts from the signup day, recency from the last order
    assert early["tenure_days"] == (AS_OF - date(2025, 6, 1)).days
    assert early["recency_days"] == (AS_OF - date(2025, 7, 1)).days


def test_a_store_without_orders_or_repeat_activity_still_fits(tmp_path):
    folder = tmp_path / "files"
    folder.mkdir()
    pd.DataFrame(
        {"member_id": [f"M{i}" for i in range(60)], "signup_at": ["2025-01-01"] * 60}
    ).to_csv(folder / "members.csv", index=False)
    pd.DataFrame(
        {
            "member_id": [f"M{i}" for i in range(60)],
            "event_time": ["2025-01-02 10:00:00"] * 60,
            "event_type": ["login"] * 60,
        }
    ).to_csv(folder / "events.csv", index=False)
    path = tmp_path / "bare.duckdb"
    store = open_store(path)
    try:
        assert import_dir(store, folder, reports_dir=tmp_path / "reports").status == "loaded"
        fit = churn.fit_churn_models(store, date(2025, 1, 2))
        churn.save_fit(store, fit, "tests")
    finally:
        close_store(path)
    notes = fit.summary["notes"]
    assert notes["ltv"] == "no_orders"
    assert notes["cox"] in ("too_few_members", "too_few_events")
    assert fit.summary["bgnbd"] is None and fit.hazard_ratios.empty
    assert fit.window["source"] == "fallback" and fit.churn_days == 30
    assert len(fit.scores) == 60
    assert (fit.scores["predicted_ltv_12m"] == 0).all()
    rows = churn.model_parameters(fit)
    assert ("ltv", "note") in set(zip(rows["model"], rows["parameter"], strict=True))

"""data/cdnow.py: the CDNOW files from the lifetimes wheel as contract files."""

from __future__ import annotations

import pandas as pd

from data import cdnow


def test_master_has_the_published_size_and_a_zero_dollar_purchase():
    purchases = cdnow.read_transactions("master")
    assert len(purchases) == 69_659
    assert purchases["customer_id"].nunique() == 23_570
    assert purchases["date"].min() == pd.Timestamp("1997-01-01")
    assert purchases["date"].max() == pd.Timestamp("1998-06-30")
    assert (purchases["amount"] == 0).any()


def test_sample_becomes_members_and_orders(tmp_path):
    out = cdnow.write_contract_files(tmp_path, "sample", "csv")
    members = pd.read_csv(out / "members.csv", dtype=str)
    orders = pd.read_csv(out / "orders.csv", dtype=str)
    assert list(members.columns) == ["member_id", "signup_at"]
    assert list(orders.columns) == ["order_id", "member_id", "paid_at", "amount"]
    assert len(members) == 2357 and len(orders) == 6919
    assert orders["order_id"].is_unique
    # customer 00004 bought on 1997-01-01, 01-18, 08-02 and 12-12 (the first lines of the file)
    first = orders[orders.member_id == "00004"]
    assert first["paid_at"].tolist()[:3] == ["1997-01-01", "1997-01-18", "1997-08-02"]
    assert members.set_index("member_id").loc["00004", "signup_at"] == "1997-01-01"

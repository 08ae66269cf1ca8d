"""Purchase rates by gender and age band, and search keywords, against numbers worked out by
hand on tests/fixtures_analytics.py.

Ages on 06-16: 1 (1990-03-01) 36 → 35-44 F; 2 (2000-07-01, birthday still to come) 25 →
25-34 M; 3 (1985-01-01) 41 → 35-44 F; 4 (2001-06-16, birthday that day) 25 → 25-34 F; 5 no
birth date → unknown M; 6 (1970-01-01) 56 → 55+ U; 7 (1995-12-31) 30 → 25-34 M.
Paid orders 06-01 … 06-16 by category: 美妆 {1 (O2), 2 (O7), 4 (O8)}, 数码 {2 (O3)},
服饰 {3 (O5); O4 refunded}.
(F, 35-44) {1, 3}: 美妆 1/2, 服饰 1/2, 数码 0/2; (M, 25-34) {2, 7}: 美妆 1/2, 数码 1/2,
服饰 0/2; (F, 25-34) {4}: 美妆 1/1; (M, unknown) {5} and (U, 55+) {6}: 0.

Searches 06-01 … 06-16: 口红 by 1 (06-02) and 3 (06-09) = 2 searches of 2 members; 耳机 by 5
(06-08) and 7 twice (06-16, once typed with spaces) = 3 of 2 → shares 3/5 and 2/5. The
previous 16 days (05-16 … 05-31) have no searches: previous 0, change empty. Weekly trend:
week of 06-01 口红 1, 耳机 0; week of 06-08 1 and 1; week of 06-15 runs past 06-16 → empty.
"""

from __future__ import annotations

from datetime import date

import pytest

from core import metrics
from core.filters import GlobalFilters
from tests.fixtures_analytics import AS_OF, build_analytics_store

JUNE = GlobalFilters(date(2026, 6, 1), date(2026, 6, 16))


@pytest.fixture()
def store(tmp_path):
    return build_analytics_store(tmp_path / "analytics.duckdb")


def test_purchase_rate_by_gender_age_band_and_category(store):
    frame = metrics.purchase_rates(store, JUNE, AS_OF)
    assert len(frame) == 5 * 3
    rates = {
        (row.gender, row.age_band, row.category): (row.members, row.buyers, row.purchase_rate)
        for row in frame.itertuples()
    }
    assert rates[("F", "35-44", "美妆")] == (2, 1, 0.5)
    assert rates[("F", "35-44", "服饰")] == (2, 1, 0.5)
    assert rates[("F", "35-44", "数码")] == (2, 0, 0.0)
    assert rates[("M", "25-34", "数码")] == (2, 1, 0.5)
    assert rates[("M", "25-34", "美妆")] == (2, 1, 0.5)
    assert rates[("F", "25-34", "美妆")] == (1, 1, 1.0)
    assert rates[("M", "unknown", "美妆")] == (1, 0, 0.0)
    assert rates[("U", "55+", "数码")] == (1, 0, 0.0)


def test_top_keywords(store):
    frame = metrics.top_keywords(store, JUNE, AS_OF)
    assert frame["keyword"].tolist() == ["耳机", "口红"]
    assert frame["searches"].tolist() == [3, 2]
    assert frame["members"].tolist() == [2, 2]
    assert frame["share"].tolist() == pytest.approx([0.6, 0.4])
    assert frame["previous_searches"].tolist() == [0, 0]
    assert frame["change"].isna().all()


def test_keywords_before_the_data_have_no_previous_period(store):
    frame = metrics.top_keywords(store, GlobalFilters(date(2026, 5, 1), date(2026, 5, 31)), AS_OF)
    assert frame["keyword"].tolist() == ["羽绒服"]
    assert frame["previous_searches"].isna().all()


def test_keyword_trend(store):
    frame = metrics.keyword_trend(store, JUNE, AS_OF)
    table = frame.pivot(index="period", columns="keyword", values="searches")
    assert [day.date().isoformat() for day in table.index] == [
        "2026-06-01",
        "2026-06-08",
        "2026-06-15",
    ]
    assert table.loc["2026-06-01"].to_dict() == {"口红": 1, "耳机": 0}
    assert table.loc["2026-06-08"].to_dict() == {"口红": 1, "耳机": 1}
    assert table.loc["2026-06-15"].isna().all()

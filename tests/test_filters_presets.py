"""Quick date ranges and the comparison choice (issue 14.8), worked out by hand.

As-of 2026-06-28 (a Sunday in Q2): the 7 days ending on it start 06-22, the 30 days start
05-30 (2 days of May … 28 of June: 2 + 28 = 30), this month is 06-01 … 06-28, last month the
whole of May, this quarter 04-01 … 06-28, this year 01-01 … 06-28.
"""

from __future__ import annotations

from datetime import date

import pytest

from core.filters import (
    DATE_PRESETS,
    FilterOptions,
    GlobalFilters,
    Period,
    matching_preset,
    preset_period,
)

AS_OF = date(2026, 6, 28)


@pytest.mark.parametrize(
    ("preset", "start", "end"),
    [
        ("last_7", date(2026, 6, 22), date(2026, 6, 28)),
        ("last_30", date(2026, 5, 30), date(2026, 6, 28)),
        ("this_month", date(2026, 6, 1), date(2026, 6, 28)),
        ("last_month", date(2026, 5, 1), date(2026, 5, 31)),
        ("this_quarter", date(2026, 4, 1), date(2026, 6, 28)),
        ("this_year", date(2026, 1, 1), date(2026, 6, 28)),
    ],
)
def test_presets_end_on_the_as_of_date_not_the_clock(preset, start, end):
    assert preset_period(preset, AS_OF) == Period(start, end)


def test_custom_is_no_range():
    assert preset_period("custom", AS_OF) is None
    assert DATE_PRESETS[-1] == "custom"


def test_last_month_and_quarter_across_a_year_end():
    as_of = date(2026, 1, 15)
    assert preset_period("last_month", as_of) == Period(date(2025, 12, 1), date(2025, 12, 31))
    assert preset_period("this_quarter", as_of) == Period(date(2026, 1, 1), date(2026, 1, 15))


def test_last_month_of_march_ends_on_the_last_day_of_february():
    as_of = date(2028, 3, 31)  # 2028 is a leap year
    assert preset_period("last_month", as_of) == Period(date(2028, 2, 1), date(2028, 2, 29))


def test_matching_preset_names_the_range_shown():
    assert matching_preset(Period(date(2026, 5, 1), date(2026, 5, 31)), AS_OF) == "last_month"
    assert matching_preset(Period(date(2026, 5, 2), date(2026, 5, 31)), AS_OF) == "custom"
    # data from 2026-03-10 only: "this year" is cut there and still reads as this year
    cut = Period(date(2026, 3, 10), AS_OF)
    assert matching_preset(cut, AS_OF, first_day=date(2026, 3, 10)) == "this_year"


def test_last_year_is_the_same_dates_a_year_earlier():
    period = Period(date(2026, 6, 1), date(2026, 6, 28))
    assert period.last_year() == Period(date(2025, 6, 1), date(2025, 6, 28))
    assert period.compared("last_year") == period.last_year()
    assert period.compared("previous") == Period(date(2026, 5, 4), date(2026, 5, 31))


def test_last_year_of_a_leap_day_is_the_28th():
    leap = Period(date(2028, 2, 1), date(2028, 2, 29))
    assert leap.last_year() == Period(date(2027, 2, 1), date(2027, 2, 28))


OPTIONS = FilterOptions(first_day=date(2025, 1, 1), last_day=AS_OF)


def test_comparison_travels_in_the_link():
    filters, notices = GlobalFilters.from_query_params({"compare": "last_year"}, OPTIONS)
    assert filters.compare == "last_year"
    assert notices == []
    assert filters.to_query_params() == {"compare": "last_year"}
    # the default is left out of the link
    assert GlobalFilters().to_query_params() == {}


def test_unknown_comparison_is_dropped_with_a_notice():
    filters, notices = GlobalFilters.from_query_params({"compare": "last_decade"}, OPTIONS)
    assert filters.compare == "previous"
    assert [n.code for n in notices] == ["notice.unknown_value"]


def test_parameters_checked_elsewhere_are_not_reported():
    raw = {"retention_unit": "month", "nonsense": "1"}
    _, notices = GlobalFilters.from_query_params(raw, OPTIONS, others={"retention_unit"})
    assert [n.values.get("name") for n in notices] == ["nonsense"]

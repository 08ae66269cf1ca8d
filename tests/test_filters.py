"""Global filters: query-string round trip and validation against allow-lists."""

from __future__ import annotations

from datetime import date

import pytest

from core.filters import FilterOptions, GlobalFilters, Period, load_filter_options
from tests.fixtures_app import build_small_store

OPTIONS = FilterOptions(
    regions=("广东", "浙江"),
    devices=("android", "ios", "web"),
    tiers=("normal", "bronze", "silver", "gold"),
    channels=("app_store", "wechat"),
    first_day=date(2026, 5, 1),
    last_day=date(2026, 6, 10),
    segments=(1, 3),
)


def test_round_trip_through_query_params():
    filters = GlobalFilters(
        start=date(2026, 6, 1),
        end=date(2026, 6, 10),
        regions=("浙江", "广东"),
        devices=("ios",),
        tiers=("gold",),
        channels=("wechat",),
    )
    params = filters.to_query_params()
    assert params == {
        "from": "2026-06-01",
        "to": "2026-06-10",
        "region": ["浙江", "广东"],
        "device": ["ios"],
        "tier": ["gold"],
        "channel": ["wechat"],
    }
    parsed, notices = GlobalFilters.from_query_params(params, OPTIONS)
    assert parsed == filters
    assert notices == []


def test_empty_filters_have_no_params():
    assert GlobalFilters().to_query_params() == {}
    assert GlobalFilters.from_query_params({}, OPTIONS) == (GlobalFilters(), [])


@pytest.mark.parametrize(
    "value",
    [
        "浙江'; drop table members; --",
        "' or '1'='1",
        "浙江\x00",
        "<script>alert(1)</script>",
        "x" * 5000,
    ],
)
def test_unknown_values_are_dropped_with_a_notice(value):
    parsed, notices = GlobalFilters.from_query_params({"region": ["浙江", value]}, OPTIONS)
    assert parsed.regions == ("浙江",)
    assert [n.code for n in notices] == ["notice.unknown_value"]
    assert len(notices[0].values["value"]) <= 40
    assert notices[0].values["value"].isprintable()


@pytest.mark.parametrize("value", ["2026-13-01", "yesterday", "2026-6-1", "", "20260601"])
def test_malformed_dates_are_dropped(value):
    parsed, notices = GlobalFilters.from_query_params({"from": value}, OPTIONS)
    assert parsed.start is None
    assert [n.code for n in notices] == ["notice.bad_date"]


def test_dates_outside_the_data_are_clamped():
    parsed, notices = GlobalFilters.from_query_params(
        {"from": "2020-01-01", "to": "2030-01-01"}, OPTIONS
    )
    assert (parsed.start, parsed.end) == (date(2026, 5, 1), date(2026, 6, 10))
    assert [n.code for n in notices] == ["notice.date_clamped", "notice.date_clamped"]


def test_reversed_dates_are_dropped():
    parsed, notices = GlobalFilters.from_query_params(
        {"from": "2026-06-10", "to": "2026-06-01"}, OPTIONS
    )
    assert parsed.start is None and parsed.end is None
    assert [n.code for n in notices] == ["notice.date_order"]


def test_unknown_parameters_are_reported_and_ignored():
    parsed, notices = GlobalFilters.from_query_params(
        {"regoin": "浙江", "embed": "true", "device": "ios"}, OPTIONS
    )
    assert parsed == GlobalFilters(devices=("ios",))
    assert [(n.code, n.values) for n in notices] == [("notice.unknown_param", {"name": "regoin"})]


def test_duplicates_and_too_many_values():
    parsed, notices = GlobalFilters.from_query_params(
        {"device": ["ios", "ios", "web"] + ["zz"] * 60}, OPTIONS
    )
    assert parsed.devices == ("ios", "web")
    assert notices[0].code == "notice.too_many"


def test_period_defaults_and_previous():
    as_of = date(2026, 6, 10)
    assert GlobalFilters().period(as_of) == Period(date(2026, 5, 12), as_of)
    period = GlobalFilters(start=date(2026, 6, 4), end=date(2026, 6, 10)).period(as_of)
    assert period.days == 7
    assert period.previous() == Period(date(2026, 5, 28), date(2026, 6, 3))
    # a range after the as-of date collapses to the as-of date, never into the future
    late = GlobalFilters(start=date(2026, 7, 1), end=date(2026, 7, 5)).period(as_of)
    assert late == Period(as_of, as_of)


def test_allow_lists_come_from_the_store(tmp_path):
    options = load_filter_options(build_small_store(tmp_path / "f.duckdb"))
    assert options.regions == ("广东", "浙江")
    assert options.devices == ("android", "ios", "web")
    assert options.tiers == ("normal", "bronze", "silver", "gold")
    assert options.channels == ("app_store", "wechat")
    assert (options.first_day, options.last_day) == (date(2026, 5, 1), date(2026, 6, 10))


def test_sql_params_are_plain_lists():
    filters = GlobalFilters(regions=("浙江",))
    assert filters.sql_params() == {
        "regions": ["浙江"],
        "devices": [],
        "tiers": [],
        "channels": [],
        "segment": None,
    }
    assert GlobalFilters(segment=3).sql_params()["segment"] == 3


def test_segment_round_trips_through_query_params():
    filters = GlobalFilters(start=date(2026, 6, 1), tiers=("gold",), segment=3)
    params = filters.to_query_params()
    assert params == {"from": "2026-06-01", "tier": ["gold"], "segment": "3"}
    parsed, notices = GlobalFilters.from_query_params(params, OPTIONS)
    assert parsed == filters
    assert notices == []
    assert GlobalFilters.from_query_params({"segment": ["1"]}, OPTIONS)[0].segment == 1


@pytest.mark.parametrize(
    "value", ["2", "0", "-1", "3.0", "abc", "3; drop table members", "", "１", "9" * 40]
)
def test_unknown_or_malformed_segment_is_dropped_with_a_notice(value):
    parsed, notices = GlobalFilters.from_query_params({"segment": [value], "tier": "gold"}, OPTIONS)
    assert parsed == GlobalFilters(tiers=("gold",))
    assert [n.code for n in notices] == ["notice.unknown_segment"]
    assert notices[0].values["name"] == "segment"


def test_repeated_segment_keeps_the_first():
    parsed, notices = GlobalFilters.from_query_params({"segment": ["3", "1"]}, OPTIONS)
    assert parsed.segment == 3
    assert [n.code for n in notices] == ["notice.repeated"]


def test_segment_allow_list_comes_from_the_saved_segments(tmp_path):
    from core import segments

    store = build_small_store(tmp_path / "s.duckdb")
    assert load_filter_options(store).segments == ()
    sid = segments.save_segment(store, "analyst", "ann", "s", segments.SegmentDefinition())
    assert load_filter_options(store).segments == (sid,)
    segments.delete_segment(store, "analyst", "ann", sid)
    parsed, notices = GlobalFilters.from_query_params(
        {"segment": str(sid)}, load_filter_options(store)
    )
    assert parsed.segment is None
    assert [n.code for n in notices] == ["notice.unknown_segment"]

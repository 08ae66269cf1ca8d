"""Drill-down targets (core/drilldown.py) against hand-worked members of
tests/fixtures_analytics.py, and against the counts their charts show for the same filters.

Period 06-01 … 06-16, as of 06-16:
- channel: signups wechat {2 (06-01), 5 (06-08)}, referral {3, 4}, douyin {6}.
- funnel, per member: viewed {1, 2, 3, 4, 5, 7}; carted after viewing {1, 2, 3, 4};
  checked out {1, 2, 3}; paid {1, 2, 3}. Drop-off after viewing {5, 7}, after the cart {4},
  after checkout nobody; step 4 (paid) {1, 2, 3}.
- heatmap: Monday 12h {2 (06-01), 5 (06-08)}; Tuesday 9h {3 (06-09), 7 (06-16)}.
- tiers at the end of 06-05: bronze {1 (since 06-01), 3 (since 06-05 12:00)}, gold {7}.
- cohorts of the week of Monday 06-01: by signup {2, 3, 4}; by first active day {2, 3, 4,
  7 (first active 06-02)} — member 1 was first active on 05-01.
"""

from __future__ import annotations

from datetime import date

import pytest

from core import metrics
from core.drilldown import DrillError, DrillTarget, member_keys
from core.filters import GlobalFilters
from tests.fixtures_analytics import AS_OF, build_analytics_store

JUNE = GlobalFilters(date(2026, 6, 1), date(2026, 6, 16))
SCOPES = [
    JUNE,
    GlobalFilters(date(2026, 6, 1), date(2026, 6, 16), devices=("ios",)),
    GlobalFilters(date(2026, 6, 1), date(2026, 6, 16), regions=("浙江",)),
    GlobalFilters(date(2026, 5, 1), date(2026, 6, 16), channels=("wechat", "douyin")),
    GlobalFilters(date(2026, 6, 5), date(2026, 6, 10)),
]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return build_analytics_store(tmp_path_factory.mktemp("drill") / "drill.duckdb")


def keys(store, target, filters=JUNE):
    return member_keys(store, target, filters, AS_OF)


def test_hand_worked_members(store):
    assert keys(store, DrillTarget.channel("wechat")) == [2, 5]
    assert keys(store, DrillTarget.channel("referral")) == [3, 4]
    assert keys(store, DrillTarget.dropoff(1)) == [5, 7]
    assert keys(store, DrillTarget.dropoff(2)) == [4]
    assert keys(store, DrillTarget.dropoff(3)) == []
    assert keys(store, DrillTarget.dropoff(4)) == [1, 2, 3]
    assert keys(store, DrillTarget.hour_cell(1, 12)) == [2, 5]
    assert keys(store, DrillTarget.hour_cell(2, 9)) == [3, 7]
    assert keys(store, DrillTarget.tier("bronze", date(2026, 6, 5))) == [1, 3]
    assert keys(store, DrillTarget.tier("gold", date(2026, 6, 5))) == [7]
    assert keys(store, DrillTarget.cohort(date(2026, 6, 1), "week", "signup")) == [2, 3, 4]
    week = DrillTarget.cohort(date(2026, 6, 1), "week", "first_activity")
    assert keys(store, week) == [2, 3, 4, 7]


@pytest.mark.parametrize("filters", SCOPES)
def test_channel_matches_the_channel_table(store, filters):
    table = metrics.channel_table(store, filters, AS_OF)
    assert len(table) >= 1
    for row in table.itertuples():
        if row.channel:
            assert len(keys(store, DrillTarget.channel(row.channel), filters)) == row.signups


@pytest.mark.parametrize("filters", SCOPES)
def test_dropoff_matches_the_funnel(store, filters):
    steps = metrics.funnel(store, filters, AS_OF)["members"].tolist()
    for step in range(1, 5):
        following = steps[step] if step < 4 else 0
        found = keys(store, DrillTarget.dropoff(step), filters)
        assert len(found) == steps[step - 1] - following


@pytest.mark.parametrize("filters", SCOPES)
def test_hour_cell_matches_the_heatmap(store, filters):
    heatmap = metrics.hour_heatmap(store, filters, AS_OF)
    assert heatmap["members"].sum() > 0
    for row in heatmap.itertuples():
        found = keys(store, DrillTarget.hour_cell(row.weekday, row.hour), filters)
        assert len(found) == row.members, (row.weekday, row.hour)


@pytest.mark.parametrize("grain", metrics.TIER_GRAINS)
@pytest.mark.parametrize("filters", SCOPES)
def test_tier_matches_members_over_time(store, filters, grain):
    over_time = metrics.tiers_over_time(store, filters, AS_OF, grain)
    assert len(over_time) > 0
    for row in over_time.itertuples():
        found = keys(store, DrillTarget.tier(row.tier_code, row.day), filters)
        assert len(found) == row.members, (row.day, row.tier_code)


@pytest.mark.parametrize("by", metrics.COHORT_BY)
@pytest.mark.parametrize("unit", metrics.COHORT_UNITS)
@pytest.mark.parametrize("filters", SCOPES)
def test_cohort_matches_the_matrix_sizes(store, filters, unit, by):
    matrix = metrics.retention_matrix(store, filters, AS_OF, unit, by)
    sizes = matrix.drop_duplicates("cohort")
    assert len(sizes) > 0
    for row in sizes.itertuples():
        found = keys(store, DrillTarget.cohort(row.cohort, unit, by), filters)
        assert len(found) == row.cohort_size, (row.cohort, unit, by)


@pytest.mark.parametrize(
    "target",
    [
        DrillTarget.channel("wechat"),
        DrillTarget.tier("gold", date(2026, 6, 5)),
        DrillTarget.cohort(date(2026, 6, 1), "month", "first_activity"),
        DrillTarget.hour_cell(7, 0),
        DrillTarget.dropoff(3),
    ],
)
def test_link_round_trip(target):
    params = target.query_params()
    assert DrillTarget.from_link(params["drill"], params["value"]) == target


def test_link_values():
    assert DrillTarget.tier("gold", date(2026, 6, 5)).query_params() == {
        "drill": "tier",
        "value": "gold,2026-06-05",
    }
    assert DrillTarget.cohort(date(2026, 6, 1)).link_value() == "week,signup,2026-06-01"
    assert DrillTarget.cohort(date(2026, 2, 1), "month").cohort_end() == date(2026, 2, 28)
    assert DrillTarget.cohort(date(2026, 12, 1), "month").cohort_end() == date(2026, 12, 31)


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("channel", ""),
        ("member", "1"),
        (None, "wechat"),
        ("tier", "gold"),
        ("tier", "gold,2026-13-01"),
        ("cohort", "year,signup,2026-06-01"),
        ("cohort", "week,signup"),
        ("hour", "8,20"),
        ("hour", "1,24"),
        ("dropoff", "5"),
        ("dropoff", "x"),
    ],
)
def test_bad_links_are_refused(kind, value):
    with pytest.raises(DrillError):
        DrillTarget.from_link(kind, value)


# -- a drill-down list saved as a segment: a fixed set of members ---------------------------


@pytest.fixture()
def tagged(tmp_path):
    from core import segments
    from tests.fixtures_segments import build_segments_store

    store = build_segments_store(tmp_path / "segments.duckdb")
    with store.transaction() as cur:
        segments.refresh_tags(cur, date(2026, 7, 2), backfill_days=5)
    return store


def test_a_fixed_segment_holds_its_members(tagged):
    from core import segments
    from tests.fixtures_segments import AS_OF as SEGMENTS_AS_OF

    fixed = segments.SegmentDefinition(members=(15, 14, 23))
    sid = segments.save_segment(tagged, "analyst", "ann", "抖音老客", fixed)
    saved = segments.get_segment(tagged, sid)
    assert saved.definition.members == (14, 15, 23)
    assert [s.definition.members for s in segments.list_segments(tagged)] == [(14, 15, 23)]
    # LATE (23) signed up on 07-01: counted from that day's snapshot on
    assert segments.segment_member_keys_now(tagged, sid) == [14, 15, 23]
    sizes = segments.segment_sizes(tagged, saved.definition, date(2026, 6, 28), date(2026, 7, 2))
    assert sizes["members"].tolist() == [2, 2, 2, 3, 3]
    # conditions still apply within the fixed set
    douyin = segments.SegmentDefinition(channels=("douyin",), members=(14, 15, 23))
    assert segments.segment_member_keys(tagged, douyin, SEGMENTS_AS_OF) == [14, 15]
    # a rename keeps the members; deleting the segment drops them
    segments.save_segment(tagged, "analyst", "ann", "renamed", saved.definition, sid)
    assert segments.segment_member_keys_now(tagged, sid) == [14, 15, 23]
    segments.delete_segment(tagged, "analyst", "ann", sid)
    assert tagged.scalar("select count(*) from segment_fixed_members") == 0


def test_a_tag_point_matches_the_tag_list_of_that_day(tagged):
    from core import segments

    sizes = segments.tag_sizes(tagged, date(2026, 6, 28), date(2026, 7, 2))
    assert sizes["members"].sum() > 0
    for row in sizes.itertuples():
        definition = segments.SegmentDefinition.for_tag(row.tag, GlobalFilters())
        found = segments.segment_member_keys(tagged, definition, row.day.date())
        assert len(found) == row.members, (row.tag, row.day)

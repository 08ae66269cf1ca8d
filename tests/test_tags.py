"""Behaviour tags (SPEC §5) on a hand-made store: each member just inside or just outside a
threshold (tests/fixtures_segments.py explains every one), snapshots, thresholds, hours."""

from __future__ import annotations

from datetime import date

import pytest

from core import segments
from core.permissions import PermissionDenied
from core.store import close_store
from tests.fixtures_segments import AS_OF, EXPECTED_TAGS, MEMBERS, build_segments_store

ID = {key: values[0] for key, values in MEMBERS.items()}


@pytest.fixture()
def store(tmp_path):
    path = tmp_path / "segments.duckdb"
    store = build_segments_store(path)
    yield store
    close_store(path)


def tagged(store, day=AS_OF) -> dict[str, set[str]]:
    frame = segments.tags_on(store, day)
    result = {tag: set() for tag in segments.TAGS}
    for tag, key in zip(frame["tag"], frame["member_key"], strict=True):
        result[tag].add(ID[key])
    return result


@pytest.mark.parametrize("tag", segments.TAGS)
def test_each_tag_takes_exactly_the_members_inside_its_thresholds(store, tag):
    assert tagged(store)[tag] == EXPECTED_TAGS[tag]


def test_thresholds_are_stored_and_editable_by_an_operator(store):
    assert segments.tag_thresholds(store)["new"] == {"signup_days": 30.0}
    segments.set_tag_threshold(store, "operator", "op", "new", "signup_days", 31)
    # N_OUT signed up 2026-05-31 23:59:59, the 31st day back; D_NEVER on 2026-05-31 too
    assert tagged(store)["new"] == {"N_IN", "N_OUT", "D_NEVER"}
    segments.set_tag_threshold(store, "admin", "root", "browse_no_order", "min_active_days", 7)
    assert tagged(store)["browse_no_order"] == {"B_IN", "B_FEW", "B_EDGE"}


@pytest.mark.parametrize("role", ["viewer", "analyst", "support", None])
def test_only_operators_and_admins_change_thresholds(store, role):
    with pytest.raises(PermissionDenied):
        segments.set_tag_threshold(store, role, "x", "new", "signup_days", 31)
    assert segments.tag_thresholds(store)["new"]["signup_days"] == 30


@pytest.mark.parametrize(
    ("tag", "param", "value"),
    [("new", "signup_days", 0), ("new", "signup_days", 7.5), ("high_value", "top_share", 2),
     ("new", "nonsense", 3), ("nonsense", "signup_days", 3)],
)  # fmt: skip
def test_bad_thresholds_are_refused(store, tag, param, value):
    with pytest.raises(segments.SegmentError):
        segments.set_tag_threshold(store, "operator", "op", tag, param, value)


def snapshot(store, as_of, backfill_days):
    with store.transaction() as cur:
        return segments.refresh_tags(cur, as_of, backfill_days)


def test_snapshots_record_joins_and_leaves(store):
    assert snapshot(store, AS_OF, 3) == [date(2026, 6, 28), date(2026, 6, 29), AS_OF]
    assert snapshot(store, date(2026, 7, 2), 60) == [date(2026, 7, 1), date(2026, 7, 2)]
    sizes = segments.tag_sizes(store, date(2026, 6, 1), date(2026, 7, 31))
    new = sizes[sizes["tag"] == "new"]
    # new on d: signed up in [d-29, d]. 06-28 and 06-29: D_NEVER, N_OUT (05-31), N_IN (06-01);
    # 06-30: N_IN; 07-01 and 07-02: LATE (N_IN's 06-01 is 30 days before 07-01)
    assert new["members"].tolist() == [3, 3, 1, 1, 1]
    left = segments.tag_changes(store, "new", AS_OF)
    assert left[["change", "member_id"]].values.tolist() == [["left", "D_NEVER"], ["left", "N_OUT"]]
    july = segments.tag_changes(store, "new", date(2026, 7, 1))
    assert july[["change", "member_id"]].values.tolist() == [["joined", "LATE"], ["left", "N_IN"]]
    # D_ACT and N_IN were last active 06-01: on 07-01 that is 30 days back, so both turn
    # dormant (N_IN signed up on 06-01, 30 days before, too)
    dormant = segments.tag_changes(store, "dormant", date(2026, 7, 1))
    assert dormant[["change", "member_id"]].values.tolist() == [
        ["joined", "D_ACT"],
        ["joined", "N_IN"],
    ]


def test_refreshing_a_day_again_rewinds_instead_of_duplicating(store):
    snapshot(store, AS_OF, 3)
    spells = store.scalar("select count(*) from tag_spells")
    assert snapshot(store, AS_OF, 3) == [AS_OF]
    assert snapshot(store, date(2026, 6, 29), 3) == [date(2026, 6, 29)]
    assert segments.snapshot_days(store) == [date(2026, 6, 28), date(2026, 6, 29)]
    snapshot(store, AS_OF, 3)
    assert store.scalar("select count(*) from tag_spells") == spells


def test_member_tags_and_history(store):
    snapshot(store, date(2026, 7, 1), 4)
    assert segments.member_tags(store, 14, AS_OF) == ["high_value", "high_value_at_risk"]
    # N_IN: new from 06-28 (the first snapshot) until 07-01, dormant from 07-01 on
    history = segments.member_tag_spells(store, 12)
    assert history["tag"].tolist() == ["new", "dormant"]
    assert [d.date() for d in history["joined_on"]] == [date(2026, 6, 28), date(2026, 7, 1)]
    assert history["left_on"].iloc[0].date() == date(2026, 7, 1)
    assert history["left_on"].isna().tolist() == [False, True]
    assert segments.tag_counts(store, AS_OF).set_index("tag")["members"].to_dict() == {
        tag: len(members) for tag, members in EXPECTED_TAGS.items()
    }


def test_best_contact_hour_counts_days_then_events(store):
    # H1: 22h on three days beats 9h on two days with four events
    assert segments.best_contact_hour(store, 14, AS_OF) == 22
    # H2: 21h and 8h one day each, one event each: the earlier hour; 7h is 121 days back
    assert segments.best_contact_hour(store, 15, AS_OF) == 8
    assert segments.best_contact_hour(store, 2, AS_OF) is None  # no events at all
    assert segments.group_best_hour(store, [14, 15, 2], AS_OF) == 8  # tie 8 vs 22: earlier


def test_demo_high_value_members_are_night_owls(demo_store_path):
    from core.store import open_store
    from data.generate import DEMO_END, PLANTED

    store = open_store(demo_store_path, read_only=True)
    keys = segments.segment_member_keys(
        store, segments.SegmentDefinition(all_tags=("high_value",)), DEMO_END
    )
    hours = segments.best_contact_hours(store, keys, DEMO_END)["best_hour"]
    assert hours.isin(list(PLANTED.high_value_peak_hours)).mean() > 0.6
    close_store(demo_store_path)


def test_tags_report_counts_members_per_tag_within_filters(store):
    from core import reports
    from core.filters import GlobalFilters

    snapshot(store, AS_OF, 1)
    frame = reports.run_report(store, "tags", GlobalFilters(), AS_OF)
    assert frame.columns.tolist() == ["tag", "members"]
    assert dict(zip(frame["tag"], frame["members"], strict=True)) == {
        tag: len(members) for tag, members in EXPECTED_TAGS.items()
    }
    douyin = reports.run_report(store, "tags", GlobalFilters(channels=("douyin",)), AS_OF)
    # douyin members: H1 (high value, at risk), H2 (high value), K_IN (coupon driven)
    assert douyin.set_index("tag")["members"].to_dict() == {
        "browse_no_order": 0, "cart_abandoner": 0, "dormant": 0, "new": 0,
        "high_value": 2, "high_value_at_risk": 1, "coupon_driven": 1,
    }  # fmt: skip

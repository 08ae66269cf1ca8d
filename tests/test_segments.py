"""Saved segments (all / any / none of tags, attribute filters), sizes over time, member lists
and their export, masked by role. Store: tests/fixtures_segments.py, snapshots 06-28…07-02."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from core import segments
from core.filters import GlobalFilters
from core.permissions import PermissionDenied
from core.refresh import refresh
from core.segments import SegmentDefinition as Def
from core.store import close_store
from tests.fixtures_segments import AS_OF, EMAILS, MEMBERS, PHONES, build_segments_store

ID = {key: values[0] for key, values in MEMBERS.items()}
SIGNED_UP_BY_AS_OF = {ID[k] for k in MEMBERS} - {"LATE"}


@pytest.fixture()
def store(tmp_path):
    path = tmp_path / "segments.duckdb"
    store = build_segments_store(path)
    with store.transaction() as cur:
        segments.refresh_tags(cur, date(2026, 7, 2), backfill_days=5)
    yield store
    close_store(path)


def members(store, definition, day=AS_OF) -> set[str]:
    return {ID[k] for k in segments.segment_member_keys(store, definition, day)}


def test_all_of_needs_every_tag(store):
    assert members(store, Def(all_tags=("high_value", "high_value_at_risk"))) == {"H1"}


def test_any_of_needs_one_tag(store):
    assert members(store, Def(any_tags=("new", "dormant"))) == {"D_IN", "D_NEVER", "N_IN"}


def test_none_of_excludes_every_tag(store):
    expected = SIGNED_UP_BY_AS_OF - {"H1", "H2", "H3", "H4", "H4B", "D_IN", "D_NEVER", "N_IN"}
    assert members(store, Def(none_tags=("high_value", "dormant", "new"))) == expected
    assert len(expected) == 15


def test_conditions_and_filters_combine(store):
    definition = Def(any_tags=("high_value", "coupon_driven"), none_tags=("high_value_at_risk",))
    assert members(store, definition) == {"H2", "H3", "H4", "H4B", "K_IN", "K3"}
    douyin = Def.from_filters(GlobalFilters(channels=("douyin",)), any_tags=("high_value",))
    assert members(store, douyin) == {"H1", "H2"}
    assert members(store, Def()) == SIGNED_UP_BY_AS_OF


def test_tags_come_from_the_snapshot_of_the_day(store):
    # on 07-01 N_IN has left `new` and LATE (signed up 07-01) has joined
    assert members(store, Def(all_tags=("new",)), date(2026, 7, 1)) == {"LATE"}
    # before the first snapshot nobody holds a tag
    assert members(store, Def(all_tags=("new",)), date(2026, 6, 1)) == set()


def test_segment_size_over_time(store):
    sizes = segments.segment_sizes(
        store, Def(any_tags=("new",)), date(2026, 6, 1), date(2026, 7, 2)
    )
    assert sizes["day"].dt.date.tolist() == [date(2026, 6, d) for d in (28, 29, 30)] + [
        date(2026, 7, 1),
        date(2026, 7, 2),
    ]
    assert sizes["members"].tolist() == [3, 3, 1, 1, 1]
    # none of new: everybody signed up by the day minus the new ones (23 signed up by 06-30)
    rest = segments.segment_sizes(store, Def(none_tags=("new",)), date(2026, 6, 28), AS_OF)
    assert rest["members"].tolist() == [20, 20, 22]


@pytest.mark.parametrize(
    "definition",
    [
        Def(),
        Def(all_tags=("high_value", "high_value_at_risk")),
        Def(any_tags=("high_value", "coupon_driven"), none_tags=("high_value_at_risk",)),
        Def(none_tags=("high_value", "dormant", "new")),
        Def(all_tags=("high_value",), any_tags=("coupon_driven", "new"), none_tags=("dormant",)),
        Def.from_filters(GlobalFilters(channels=("douyin",)), any_tags=("high_value",)),
    ],
)
def test_segment_size_on_each_day_is_its_member_count_that_day(store, definition):
    # the size query counts without listing members (issue 14.12): it must agree with the
    # member list of every snapshot day
    sizes = segments.segment_sizes(store, definition, date(2026, 6, 1), date(2026, 7, 2))
    assert len(sizes) == 5
    for day, size in zip(sizes["day"].dt.date, sizes["members"], strict=True):
        assert size == len(members(store, definition, day)), day


def test_contradictions_and_unknown_tags_are_refused(store):
    with pytest.raises(segments.SegmentError):
        segments.segment_members(store, Def(all_tags=("new",), none_tags=("new",)), AS_OF)
    with pytest.raises(segments.SegmentError):
        segments.segment_members(store, Def(any_tags=("vip'; drop table members --",)), AS_OF)


def test_analysts_save_and_only_owners_change(store):
    definition = Def(all_tags=("high_value",))
    sid = segments.save_segment(store, "analyst", "ann", "大客户", definition)
    saved = segments.get_segment(store, sid)
    assert (saved.name, saved.owner, saved.definition) == ("大客户", "ann", definition)
    changed = Def(all_tags=("high_value",), none_tags=("high_value_at_risk",))
    assert segments.save_segment(store, "analyst", "ann", "大客户", changed, sid) == sid
    assert segments.get_segment(store, sid).definition == changed
    with pytest.raises(segments.SegmentError):
        segments.save_segment(store, "analyst", "bob", "mine now", definition, sid)
    segments.save_segment(store, "admin", "root", "renamed", definition, sid)
    assert [s.name for s in segments.list_segments(store)] == ["renamed"]
    segments.delete_segment(store, "analyst", "ann", sid)
    assert segments.list_segments(store) == []


@pytest.mark.parametrize("role", ["viewer", "support", None])
def test_roles_without_segments_cannot_save(store, role):
    with pytest.raises(PermissionDenied):
        segments.save_segment(store, role, "x", "s", Def())


def test_member_list_columns_and_sorting(store):
    keys = segments.segment_member_keys(store, Def(all_tags=("high_value",)), AS_OF)
    frame = segments.member_list(store, "admin", keys, AS_OF)
    assert frame["member_id"].tolist() == ["H1", "H2", "H3", "H4", "H4B"]  # by spend, high first
    assert frame["spend_12m"].tolist() == [1000.0, 900.0, 800.0, 700.0, 650.0]
    first = frame.iloc[0]
    assert first["tags"] == "high_value, high_value_at_risk"
    assert first["best_hour"] == 22
    assert first["last_active"] == pd.Timestamp("2026-06-20")
    assert first["phone"] == PHONES[14] and first["email"] == EMAILS[14]
    by_id = segments.member_list(store, "admin", keys, AS_OF, sort="member_id", descending=False)
    assert by_id["member_id"].tolist() == ["H1", "H2", "H3", "H4", "H4B"]
    with pytest.raises(segments.SegmentError):
        segments.member_list(store, "admin", keys, AS_OF, sort="phone; drop table members")


@pytest.mark.parametrize("role", ["analyst", "operator"])
def test_masked_roles_see_no_full_phone_or_email(store, role):
    keys = list(MEMBERS)
    frame = segments.member_list(store, role, keys, AS_OF)
    shown = frame.to_csv(index=False)
    for key in MEMBERS:
        assert PHONES[key] not in shown and EMAILS[key] not in shown
    assert frame.set_index("member_id").loc["H1", "phone"] == "139****0014"
    with pytest.raises(PermissionDenied):  # member-level files only by request (issue 13.5)
        segments.member_list_export(frame, role)


def test_viewer_gets_no_member_list(store):
    with pytest.raises(PermissionDenied):
        segments.member_list(store, "viewer", [14], AS_OF)
    with pytest.raises(PermissionDenied):
        segments.member_list_export(pd.DataFrame({"member_id": ["H1"]}), "viewer")


@pytest.mark.parametrize("role", ["support", "admin"])
def test_support_and_admin_see_and_export_personal_data(store, role):
    frame = segments.member_list(store, role, [14], AS_OF)
    assert frame["phone"].tolist() == [PHONES[14]]
    exported = segments.member_list_export(frame, role).decode("utf-8-sig")
    assert PHONES[14] in exported and EMAILS[14] in exported


def test_refresh_snapshots_tags_and_evaluates_alerts(tmp_path):
    path = tmp_path / "refresh.duckdb"
    store = build_segments_store(path)
    report = refresh(store, as_of=AS_OF)
    assert report.tag_days == segments.SNAPSHOT_BACKFILL_DAYS
    assert segments.latest_snapshot(store) == AS_OF
    assert store.meta("alerts_evaluated_through") == AS_OF.isoformat()
    counts = segments.tag_counts(store, AS_OF).set_index("tag")["members"]
    assert counts["high_value"] == 5 and counts["coupon_driven"] == 2
    close_store(path)


def test_segment_against_everyone(store):
    keys = segments.segment_member_keys(store, Def(all_tags=("high_value",)), AS_OF)
    kpis = segments.segment_kpis(store, keys, AS_OF).set_index("grp")
    # high value H1..H4B: active 06-01..06-30: H1 (06-03…), H2, H3, H4, H4B -> all 5;
    # paid in the 30 days: H2's 900 on 06-30 only
    assert kpis.loc["segment", "members"] == 5 and kpis.loc["segment", "active_30d"] == 5
    assert kpis.loc["segment", "buyers_30d"] == 1 and kpis.loc["segment", "revenue_30d"] == 900
    assert kpis.loc["everyone", "members"] == 23
    # everyone paid in 06-01..06-30: C_IN and C_ORD (10 each, 06-21), H2 (900)
    assert kpis.loc["everyone", "revenue_30d"] == 920 and kpis.loc["everyone", "buyers_30d"] == 3
    mix = segments.segment_tier_mix(store, keys, AS_OF)
    normal = mix[mix["tier_code"] == "normal"].set_index("grp")["members"]
    assert normal.to_dict() == {"segment": 5, "everyone": 23}


def test_find_member_by_id_phone_email_or_nickname(store):
    for text in ("H1", PHONES[14], EMAILS[14].upper(), "nick14", "  H1 "):
        assert segments.find_member(store, text, "support")["member_id"].tolist() == ["H1"]
    assert segments.find_member(store, "' or 1=1 --", "support").empty

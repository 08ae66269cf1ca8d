"""The page caches of core/ui.py (issue 14.12): a repeat visit reads nothing again, and a
save shows at once (issue 14.11) because the data stamp of the cache key changes with it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core import members, segments, ui
from core.segments import SegmentDefinition as Def
from core.store import close_store
from tests.fixtures_segments import AS_OF, build_tagged_segments_store


@pytest.fixture()
def ctx(tmp_path):
    path = tmp_path / "caches.duckdb"
    store = build_tagged_segments_store(path)
    ui._segment_view.clear()
    yield ui.PageContext(store, account=None, lang="zh")
    ui._segment_view.clear()
    close_store(path)


@pytest.fixture()
def calls(monkeypatch):
    """How often each segments function really ran."""
    counted: dict[str, int] = {}
    for name in ui.SEGMENT_VIEWS:
        original = getattr(segments, name)

        def counting(*args, _name=name, _original=original):
            counted[_name] = counted.get(_name, 0) + 1
            return _original(*args)

        monkeypatch.setattr(segments, name, counting)
    return counted


def test_a_repeat_read_is_cached_and_a_tier_override_shows_at_once(ctx, calls):
    gold = Def(tiers=("gold",))
    start = AS_OF - timedelta(days=3)
    first = ui.cached_segments(ctx, "segment_sizes", gold, start, AS_OF)
    assert first["members"].tolist() == [0, 0, 0]
    again = ui.cached_segments(ctx, "segment_sizes", gold, start, AS_OF)
    assert again["members"].tolist() == [0, 0, 0]
    assert calls == {"segment_sizes": 1}

    member = ctx.store.scalar("select min(member_key) from members")
    members.override_tier(ctx.store, "admin", "admin", member, "gold", "VIP 客户")
    after = ui.cached_segments(ctx, "segment_sizes", gold, start, AS_OF)
    assert after["members"].tolist() == [1, 1, 1]
    assert calls == {"segment_sizes": 2}


def test_member_key_lists_are_keyed_by_their_content(ctx, calls):
    everyone = [int(k) for k in ctx.store.df("select member_key from members")["member_key"]]
    assert len(everyone) > 16  # long enough to be keyed by its digest
    some = everyone[1:]  # the first member signed up long before the as-of date
    all_mix = ui.cached_segments(ctx, "segment_kpis", everyone, AS_OF)
    fewer = ui.cached_segments(ctx, "segment_kpis", some, AS_OF)
    assert all_mix["members"].iloc[0] - fewer["members"].iloc[0] == 1
    assert ui.cached_segments(ctx, "segment_kpis", list(some), AS_OF).equals(fewer)
    assert calls == {"segment_kpis": 2}


def test_only_the_listed_reads_are_cached(ctx):
    with pytest.raises(ValueError):
        ui.cached_segments(ctx, "delete_segment", 1)

"""Tier rules (core/tier_rules.py): the what-if preview against a hand-worked fixture, and
applying the approved rule produces exactly the previewed moves; benefits catalogue.

Fixture (tests/fixtures_admin.py), as of 2026-06-30, trailing 12 months from 2025-07-01:
spend M1 2,500 gold · M2 1,200 silver · M3 800 bronze · M4 450 normal · M5 0 normal ·
M6 1,500 silver (its 400 on 2025-06-15 is outside the window).

Proposal: bronze 500→400, silver 1,000→1,300, gold discount 0.80→0.75.
- M2 1,200 < 1,300: silver → bronze (down); M4 450 ≥ 400: normal → bronze (up).
- per tier now/new: normal 2/1, bronze 1/3, silver 2/1, gold 1/1.
- discount cost of the window's paid orders (A1 2,000 + A2 500, B1 1,200, C1 800,
  D1 450, F2 1,500; C2 is refunded, F1 outside):
  now  = 2,500×0.20 + 1,200×0.15 + 800×0.10 + 450×0 + 1,500×0.15 = 500 + 180 + 80 + 0 + 225 = 985
  new  = 2,500×0.25 + 1,200×0.10 + 800×0.10 + 450×0.10 + 1,500×0.15 = 625 + 120 + 80 + 45 + 225
       = 1,095; change +110.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from core import approvals, audit, tier_rules
from core.permissions import PermissionDenied
from core.store import close_store
from core.tier_rules import RuleSet, TierRuleError
from tests.fixtures_admin import AS_OF, build_admin_store, tiers_by_member

NOW = datetime(2026, 7, 1, 9, 0)
D = Decimal


def proposal(**changes) -> RuleSet:
    thresholds = {"normal": D(0), "bronze": D(400), "silver": D(1300), "gold": D(2000)}
    discounts = {"normal": D("1"), "bronze": D("0.9"), "silver": D("0.85"), "gold": D("0.75")}
    basis = changes.pop("spend_basis", "trailing_12m")
    thresholds.update(changes.pop("thresholds", {}))
    discounts.update(changes.pop("discounts", {}))
    return RuleSet(thresholds, discounts, basis)


@pytest.fixture()
def store(tmp_path):
    path = tmp_path / "rules.duckdb"
    store = build_admin_store(path)
    yield store
    close_store(path)


def test_fixture_tiers_under_default_rules(store):
    assert tiers_by_member(store) == {
        "M1": "gold",
        "M2": "silver",
        "M3": "bronze",
        "M4": "normal",
        "M5": "normal",
        "M6": "silver",
    }


def test_preview_matches_the_hand_worked_numbers(store):
    effect = tier_rules.preview(store, "op", "operator", proposal(), AS_OF)
    rows = effect.per_tier.set_index("tier_code")
    assert rows["members_now"].to_dict() == {"normal": 2, "bronze": 1, "silver": 2, "gold": 1}
    assert rows["members_new"].to_dict() == {"normal": 1, "bronze": 3, "silver": 1, "gold": 1}
    assert rows["up_out"].to_dict() == {"normal": 1, "bronze": 0, "silver": 0, "gold": 0}
    assert rows["down_out"].to_dict() == {"normal": 0, "bronze": 0, "silver": 1, "gold": 0}
    assert rows["up_in"].to_dict() == {"normal": 0, "bronze": 1, "silver": 0, "gold": 0}
    assert rows["down_in"].to_dict() == {"normal": 0, "bronze": 1, "silver": 0, "gold": 0}
    assert (effect.up, effect.down, effect.orders) == (1, 1, 6)
    assert effect.cost_now == pytest.approx(985.0)
    assert effect.cost_new == pytest.approx(1095.0)
    assert effect.cost_change == pytest.approx(110.0)


def test_preview_changes_nothing(store):
    before = store.df("select * from tiers order by rank")
    tier_rules.preview(store, "op", "operator", proposal(), AS_OF)
    assert store.df("select * from tiers order by rank").equals(before)
    assert tiers_by_member(store)["M2"] == "silver"


def test_lifetime_basis_counts_older_orders(store):
    # lifetime: M6 has 1,900; with silver at 1,300 M6 stays silver, gold at 1,800 lifts it
    effect = tier_rules.preview(
        store,
        "op",
        "operator",
        proposal(thresholds={"gold": D(1800)}, spend_basis="lifetime"),
        AS_OF,
    )
    moves = dict(zip(effect.moves["member_key"], effect.moves["new_tier"], strict=True))
    assert moves == {2: "bronze", 4: "bronze", 6: "gold"}


def test_applying_the_approved_rule_produces_exactly_the_previewed_moves(store):
    effect = tier_rules.preview(store, "op", "operator", proposal(), AS_OF)
    request_id = tier_rules.request_change(
        store, "op", "operator", proposal(), "spring campaign", AS_OF, NOW
    )
    assert tiers_by_member(store)["M2"] == "silver"  # nothing applied before approval
    outcome = approvals.approve(store, "boss", "admin", request_id, now=NOW)
    assert outcome.result["moved"] == 2
    applied = store.df(
        "select member_key, from_tier as current_tier, to_tier as new_tier from tier_history "
        "where reason = 'rule_recompute' and note like 'tier rule change #%' order by member_key"
    )
    assert applied.to_dict("records") == effect.moves.to_dict("records")
    assert tiers_by_member(store)["M2"] == "bronze" and tiers_by_member(store)["M4"] == "bronze"
    assert store.scalar("select discount from tiers where tier_code = 'gold'") == D("0.7500")
    note = store.scalar("select distinct note from tier_history where note like 'tier rule%'")
    assert note == f"tier rule change #{request_id}: spring campaign"
    assert audit.verify_chain(store).ok


def test_a_stale_request_is_refused(store):
    first = tier_rules.request_change(store, "op", "operator", proposal(), "a", AS_OF, NOW)
    second = tier_rules.request_change(
        store, "op", "operator", proposal(discounts={"gold": D("0.7")}), "b", AS_OF, NOW
    )
    approvals.approve(store, "boss", "admin", first, now=NOW)
    with pytest.raises(TierRuleError) as error:
        approvals.approve(store, "boss", "admin", second, now=NOW)
    assert error.value.code == "tier_rules.error.stale"
    assert approvals.get_request(store, second).status == "pending"


@pytest.mark.parametrize(
    "bad",
    [
        proposal(thresholds={"silver": D(300)}),  # below bronze
        proposal(thresholds={"normal": D(10)}),
        proposal(discounts={"gold": D("0.2")}),
        proposal(discounts={"gold": D("0.95")}),  # more than silver's multiplier
        proposal(spend_basis="forever"),
        RuleSet({"gold": D(1)}, {"gold": D(1)}, "lifetime"),
    ],
)
def test_invalid_rules_are_refused(store, bad):
    with pytest.raises(TierRuleError):
        tier_rules.request_change(store, "op", "operator", bad, "x", AS_OF, NOW)
    assert store.scalar("select count(*) from approval_requests") == 0


def test_an_unchanged_rule_set_is_no_request(store):
    with pytest.raises(TierRuleError):
        tier_rules.request_change(
            store, "op", "operator", tier_rules.current_rules(store), "x", AS_OF, NOW
        )


@pytest.mark.parametrize("role", ["viewer", "analyst", "support"])
def test_roles_without_rule_rights_are_refused(store, role):
    with pytest.raises(PermissionDenied):
        tier_rules.preview(store, "x", role, proposal(), AS_OF)
    with pytest.raises(PermissionDenied):
        tier_rules.request_change(store, "x", role, proposal(), "x", AS_OF, NOW)
    with pytest.raises(PermissionDenied):
        tier_rules.add_benefit(store, "x", role, "offline_events", "线下活动", "Offline events")
    with pytest.raises(PermissionDenied):
        tier_rules.set_benefit_tiers(store, "x", role, "free_shipping", [])
    assert store.scalar("select count(*) from approval_requests") == 0
    assert store.scalar("select count(*) from benefits") == 3
    assert store.scalar("select count(*) from tier_benefits") == 4


def test_benefits_catalogue_add_rename_assign_retire(store):
    tier_rules.add_benefit(store, "op", "operator", "offline_events", "线下活动邀请", "Events")
    tier_rules.rename_benefit(
        store, "op", "operator", "offline_events", "线下活动邀请", "Offline event invitations"
    )
    tier_rules.set_benefit_tiers(store, "op", "operator", "offline_events", ["gold", "silver"])
    tier_rules.set_benefit_tiers(store, "op", "operator", "free_shipping", ["gold"])
    table = tier_rules.benefits_table(store).set_index("benefit_code")
    assert table.loc["offline_events", "name_en"] == "Offline event invitations"
    assert list(table.loc["offline_events", "tiers"]) == ["silver", "gold"]
    assert list(table.loc["free_shipping", "tiers"]) == ["gold"]
    tier_rules.retire_benefit(store, "op", "operator", "offline_events")
    table = tier_rules.benefits_table(store).set_index("benefit_code")
    assert table.loc["offline_events", "retired_at"] is not None
    assert list(table.loc["offline_events", "tiers"]) == []
    with pytest.raises(TierRuleError):
        tier_rules.set_benefit_tiers(store, "op", "operator", "offline_events", ["gold"])
    with pytest.raises(TierRuleError):
        tier_rules.add_benefit(store, "op", "operator", "Bad Code!", "x", "x")
    with pytest.raises(TierRuleError):
        tier_rules.set_benefit_tiers(store, "op", "operator", "free_shipping", ["platinum"])
    actions = list(store.df("select action from audit_log order by audit_id")["action"])
    assert actions == [
        "benefit.add",
        "benefit.rename",
        "benefit.assign",
        "benefit.assign",
        "benefit.retire",
    ]

"""Tier rules (thresholds, discounts, spend basis) and the benefits catalogue (SPEC §3, §7).

A rule change is previewed before it is saved: :func:`preview` runs the very query a
recompute applies (``sql/tiers/member_tiers.sql``) under the proposed rules inside a
transaction that is rolled back, and reports the members moving up and down per tier and
the change in discount cost over the last 12 months' orders. Saving creates an approval
request (:func:`request_change`); approving it applies the rules, recomputes every tier
and writes tier history with the request as the note, in one transaction with its audit
row, so the moves applied are exactly the moves previewed on the same data.

Benefits are data: operators and admins add, rename, retire and assign them (audited).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

import duckdb
import pandas as pd

from core import approvals, audit
from core.permissions import Capability
from core.refresh import recompute_tiers
from core.sqlfiles import sql_text
from core.store import Store

SPEND_BASES: tuple[str, ...] = ("trailing_12m", "lifetime")
MIN_DISCOUNT = Decimal("0.50")
BENEFIT_CODE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


class TierRuleError(ValueError):
    """A rule or benefit value that cannot be used; ``code`` is a translation key."""

    def __init__(self, code: str, **values: object):
        self.code = code
        self.values = values
        super().__init__(f"{code}: {values}")


@dataclass(frozen=True)
class RuleSet:
    """Thresholds (CNY) and discounts (price multipliers) per tier, and the spend basis."""

    thresholds: dict[str, Decimal]
    discounts: dict[str, Decimal]
    spend_basis: str

    def to_payload(self) -> dict:
        return {
            "thresholds": {k: str(v) for k, v in self.thresholds.items()},
            "discounts": {k: str(v) for k, v in self.discounts.items()},
            "spend_basis": self.spend_basis,
        }

    @classmethod
    def from_payload(cls, payload: dict) -> RuleSet:
        return cls(
            {k: Decimal(v) for k, v in payload["thresholds"].items()},
            {k: Decimal(v) for k, v in payload["discounts"].items()},
            payload["spend_basis"],
        )


@dataclass(frozen=True)
class Preview:
    """What a rule change would do as of ``as_of`` (the exclusive end of that day)."""

    as_of: date
    per_tier: pd.DataFrame  # tier_code, rank, members_now, members_new, up/down in/out
    moves: pd.DataFrame  # member_key, current_tier, new_tier (only members that move)
    orders: int
    cost_now: float
    cost_new: float
    up: int = field(default=0)
    down: int = field(default=0)

    @property
    def cost_change(self) -> float:
        return self.cost_new - self.cost_now

    def to_payload(self) -> dict:
        return {
            "as_of": self.as_of.isoformat(),
            "up": self.up,
            "down": self.down,
            "moves": len(self.moves),
            "cost_now": round(self.cost_now, 2),
            "cost_new": round(self.cost_new, 2),
            "per_tier": self.per_tier.to_dict("records"),
        }


# -- rules ----------------------------------------------------------------------------------


def _ordered_tiers(cur: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in cur.execute("select tier_code from tiers order by rank").fetchall()]


def _current(cur: duckdb.DuckDBPyConnection) -> RuleSet:
    rows = cur.execute("select tier_code, threshold, discount from tiers order by rank").fetchall()
    basis = cur.execute("select value from settings where key = 'spend_basis'").fetchone()[0]
    return RuleSet(
        {code: Decimal(t) for code, t, _ in rows}, {code: Decimal(d) for code, _, d in rows}, basis
    )


def current_rules(store: Store) -> RuleSet:
    cur = store.cursor()
    try:
        return _current(cur)
    finally:
        cur.close()


def tiers_table(store: Store) -> pd.DataFrame:
    return store.df(
        "select tier_code, name_zh, name_en, rank, threshold, discount from tiers order by rank"
    )


def _decimal(value, places: str) -> Decimal:
    try:
        number = Decimal(str(value)).quantize(Decimal(places))
    except (InvalidOperation, ValueError, TypeError):
        raise TierRuleError("tier_rules.error.thresholds") from None
    if not number.is_finite():
        raise TierRuleError("tier_rules.error.thresholds")
    return number


def validate(cur: duckdb.DuckDBPyConnection, proposed: RuleSet) -> RuleSet:
    """The proposed rules, normalised; :class:`TierRuleError` when they cannot apply."""
    order = _ordered_tiers(cur)
    if set(proposed.thresholds) != set(order) or set(proposed.discounts) != set(order):
        raise TierRuleError("tier_rules.error.tiers")
    if proposed.spend_basis not in SPEND_BASES:
        raise TierRuleError("tier_rules.error.basis")
    thresholds = {code: _decimal(proposed.thresholds[code], "0.01") for code in order}
    try:
        discounts = {code: _decimal(proposed.discounts[code], "0.0001") for code in order}
    except TierRuleError:
        raise TierRuleError("tier_rules.error.discounts") from None
    values = [thresholds[code] for code in order]
    if values[0] != 0 or any(b <= a for a, b in zip(values, values[1:], strict=False)):
        raise TierRuleError("tier_rules.error.thresholds")
    if values[-1] >= Decimal("10000000000"):
        raise TierRuleError("tier_rules.error.thresholds")
    rates = [discounts[code] for code in order]
    if any(r < MIN_DISCOUNT or r > 1 for r in rates) or any(
        b > a for a, b in zip(rates, rates[1:], strict=False)
    ):
        raise TierRuleError("tier_rules.error.discounts")
    return RuleSet(thresholds, discounts, proposed.spend_basis)


def _apply_rules(cur: duckdb.DuckDBPyConnection, rules: RuleSet) -> None:
    # threshold and discount are not key columns; the tier codes and ranks never change here
    for code in rules.thresholds:
        cur.execute(
            "update tiers set threshold = $t, discount = $d where tier_code = $c",
            {"t": rules.thresholds[code], "d": rules.discounts[code], "c": code},
        )
    cur.execute(
        "update settings set value = $v where key = 'spend_basis'", {"v": rules.spend_basis}
    )


def default_as_of(store: Store) -> date:
    day = store.last_event_day()
    if day is None:
        raise TierRuleError("tier_rules.error.no_data")
    return day


def _end_of(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), datetime.min.time())


def _whatif(cur: duckdb.DuckDBPyConnection, rules: RuleSet, as_of: date) -> Preview:
    """Inside an open transaction (rolled back by the caller): rules applied, effect read."""
    end = _end_of(as_of)
    cur.execute("create or replace temp table _rules_now as select tier_code, discount from tiers")
    _apply_rules(cur, rules)
    cur.execute(
        "create or replace temp table _whatif as "  # noqa: S608 (a query from sql/)
        + sql_text("tiers/member_tiers"),
        {"as_of": end, "spend_basis": rules.spend_basis},
    )
    per_tier = cur.execute(sql_text("tier_rules/whatif_summary")).df()
    moves = cur.execute(
        "select member_key, current_tier, new_tier from _whatif "
        "where new_tier is distinct from current_tier order by member_key"
    ).df()
    orders, cost_now, cost_new = cur.execute(
        sql_text("tier_rules/whatif_cost"), {"as_of": end}
    ).fetchone()
    for column in per_tier.columns.drop(["tier_code"]):
        per_tier[column] = per_tier[column].astype(int)
    return Preview(
        as_of,
        per_tier,
        moves,
        int(orders),
        float(cost_now),
        float(cost_new),
        up=int(per_tier["up_out"].sum()),
        down=int(per_tier["down_out"].sum()),
    )


def preview(
    store: Store, actor: str, role: str | None, proposed: RuleSet, as_of: date | None = None
) -> Preview:
    """The effect of ``proposed`` as of ``as_of`` (default: the last day with events),
    computed under the proposed rules in a transaction that is always rolled back."""
    audit.require(store, actor, role, Capability.REQUEST_TIER_RULE_CHANGE, "tier_rule.preview")
    as_of = as_of or default_as_of(store)
    cur = store.cursor()
    cur.execute("begin transaction")
    try:
        rules = validate(cur, proposed)
        return _whatif(cur, rules, as_of)
    finally:
        cur.execute("rollback")
        cur.close()


def request_change(
    store: Store,
    actor: str,
    role: str | None,
    proposed: RuleSet,
    reason: str,
    as_of: date | None = None,
    now: datetime | None = None,
) -> int:
    """File the change for approval, with the preview the approver will see."""
    audit.require(store, actor, role, Capability.REQUEST_TIER_RULE_CHANGE, "tier_rule.request")
    base = current_rules(store)
    effect = preview(store, actor, role, proposed, as_of)
    rules = RuleSet(
        {k: Decimal(str(v)).quantize(Decimal("0.01")) for k, v in proposed.thresholds.items()},
        {k: Decimal(str(v)).quantize(Decimal("0.0001")) for k, v in proposed.discounts.items()},
        proposed.spend_basis,
    )
    if rules == base:
        raise TierRuleError("tier_rules.no_change")
    changes = [
        f"{code} {base.thresholds[code]}→{rules.thresholds[code]}"
        for code in rules.thresholds
        if rules.thresholds[code] != base.thresholds[code]
    ] + [
        f"{code} ×{base.discounts[code]}→×{rules.discounts[code]}"
        for code in rules.discounts
        if rules.discounts[code] != base.discounts[code]
    ]
    if rules.spend_basis != base.spend_basis:
        changes.append(f"basis {base.spend_basis}→{rules.spend_basis}")
    summary = (
        f"{'; '.join(changes)} — {effect.up} up, {effect.down} down, discount cost "
        f"{effect.cost_now:,.2f}→{effect.cost_new:,.2f} (as of {effect.as_of})"
    )
    payload = {
        "base": base.to_payload(),
        "rules": rules.to_payload(),
        "preview": effect.to_payload(),
    }
    return approvals.request(store, actor, role, "tier_rule_change", payload, summary, reason, now)


@approvals.executor("tier_rule_change")
def _execute_change(
    cur: duckdb.DuckDBPyConnection, req: approvals.Request, actor: str, now: datetime
) -> approvals.Outcome:
    base = RuleSet.from_payload(req.payload["base"])
    if _current(cur) != base:
        raise TierRuleError("tier_rules.error.stale")
    rules = validate(cur, RuleSet.from_payload(req.payload["rules"]))
    last_day = cur.execute("select max(day) from member_day").fetchone()[0]
    if last_day is None:
        raise TierRuleError("tier_rules.error.no_data")
    _apply_rules(cur, rules)
    moved = recompute_tiers(
        cur,
        _end_of(last_day),
        actor=actor,
        note=f"tier rule change #{req.request_id}: {req.reason}"[:500],
        spend_basis=rules.spend_basis,
    )
    audit.record(
        cur,
        actor=actor,
        role=None,
        action="tier_rule.apply",
        target=f"request:{req.request_id}",
        before=base.to_payload(),
        after={**rules.to_payload(), "moved": moved, "as_of": last_day.isoformat()},
        reason=req.reason,
        now=now,
    )
    return approvals.Outcome({"moved": moved, "as_of": last_day.isoformat()})


# -- benefits -------------------------------------------------------------------------------


def benefits_table(store: Store) -> pd.DataFrame:
    return store.query("tier_rules/benefits")


def _benefit(cur: duckdb.DuckDBPyConnection, code: str) -> dict:
    row = cur.execute(
        "select benefit_code, name_zh, name_en, retired_at from benefits where benefit_code = $c",
        {"c": code},
    ).fetchone()
    if row is None:
        raise TierRuleError("benefits.error.unknown")
    tiers = [
        r[0]
        for r in cur.execute(
            "select tier_code from tier_benefits where benefit_code = $c order by tier_code",
            {"c": code},
        ).fetchall()
    ]
    return {"name_zh": row[1], "name_en": row[2], "retired_at": row[3], "tiers": tiers}


def _names(name_zh: str, name_en: str) -> tuple[str, str]:
    zh, en = (name_zh or "").strip(), (name_en or "").strip()
    if not zh or not en or len(zh) > 60 or len(en) > 60:
        raise TierRuleError("benefits.error.name")
    return zh, en


def add_benefit(
    store: Store, actor: str, role: str | None, code: str, name_zh: str, name_en: str
) -> str:
    """Add a benefit type to the catalogue (e.g. ``offline_events``)."""
    audit.require(store, actor, role, Capability.EDIT_BENEFITS, "benefit.add", code)
    code = (code or "").strip()
    if not BENEFIT_CODE.match(code):
        raise TierRuleError("benefits.error.code")
    zh, en = _names(name_zh, name_en)
    with store.transaction() as cur:
        if cur.execute("select 1 from benefits where benefit_code = $c", {"c": code}).fetchone():
            raise TierRuleError("benefits.error.exists")
        cur.execute(
            "insert into benefits values ($c, $zh, $en, null)", {"c": code, "zh": zh, "en": en}
        )
        audit.record(
            cur,
            actor=actor,
            role=role,
            action="benefit.add",
            target=code,
            after={"name_zh": zh, "name_en": en},
        )
    return code


def rename_benefit(
    store: Store, actor: str, role: str | None, code: str, name_zh: str, name_en: str
) -> str:
    audit.require(store, actor, role, Capability.EDIT_BENEFITS, "benefit.rename", code)
    zh, en = _names(name_zh, name_en)
    with store.transaction() as cur:
        before = _benefit(cur, code)
        cur.execute(
            "update benefits set name_zh = $zh, name_en = $en where benefit_code = $c",
            {"c": code, "zh": zh, "en": en},
        )
        audit.record(
            cur,
            actor=actor,
            role=role,
            action="benefit.rename",
            target=code,
            before={"name_zh": before["name_zh"], "name_en": before["name_en"]},
            after={"name_zh": zh, "name_en": en},
        )
    return code


def retire_benefit(
    store: Store, actor: str, role: str | None, code: str, now: datetime | None = None
) -> str:
    """Retire a benefit: kept in the catalogue (history), no longer given to any tier."""
    audit.require(store, actor, role, Capability.EDIT_BENEFITS, "benefit.retire", code)
    moment = now or audit.utcnow()
    with store.transaction() as cur:
        before = _benefit(cur, code)
        if before["retired_at"] is not None:
            raise TierRuleError("benefits.error.retired")
        cur.execute(
            "update benefits set retired_at = $now where benefit_code = $c",
            {"c": code, "now": moment},
        )
        cur.execute("delete from tier_benefits where benefit_code = $c", {"c": code})
        audit.record(
            cur,
            actor=actor,
            role=role,
            action="benefit.retire",
            target=code,
            before={"tiers": before["tiers"]},
            after={"retired_at": moment, "tiers": []},
        )
    return code


def set_benefit_tiers(
    store: Store, actor: str, role: str | None, code: str, tiers: list[str]
) -> list[str]:
    """Give benefit ``code`` to exactly ``tiers``."""
    audit.require(store, actor, role, Capability.EDIT_BENEFITS, "benefit.assign", code)
    with store.transaction() as cur:
        before = _benefit(cur, code)
        if before["retired_at"] is not None:
            raise TierRuleError("benefits.error.retired")
        known = set(_ordered_tiers(cur))
        wanted = set(tiers)
        if wanted - known:
            raise TierRuleError("tier_rules.error.tiers")
        # only the differences: a key deleted and inserted again in one transaction can
        # trip DuckDB's unique-index check
        for tier in sorted(set(before["tiers"]) - wanted):
            cur.execute(
                "delete from tier_benefits where tier_code = $t and benefit_code = $c",
                {"t": tier, "c": code},
            )
        for tier in sorted(wanted - set(before["tiers"])):
            cur.execute("insert into tier_benefits values ($t, $c)", {"t": tier, "c": code})
        if wanted == set(before["tiers"]):
            return sorted(wanted)
        audit.record(
            cur,
            actor=actor,
            role=role,
            action="benefit.assign",
            target=code,
            before={"tiers": before["tiers"]},
            after={"tiers": sorted(wanted)},
        )
    return sorted(wanted)

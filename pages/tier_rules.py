"""Tier rules and benefits: the current rules, an edit form with a what-if preview that
files an approval request, and the benefits catalogue."""

from decimal import Decimal

import streamlit as st

from core import tier_rules, ui

ctx = ui.page_guard("tier_rules")
user = ctx.account.username
name_column = "name_zh" if ctx.lang == "zh" else "name_en"

SAVED_KEY = "tier_rules_saved"

st.title(ctx.t("page.tier_rules"))
if st.session_state.pop(SAVED_KEY, False):
    st.success(ctx.t("common.saved"))
tiers = tier_rules.tiers_table(ctx.store)
rules = tier_rules.current_rules(ctx.store)
names = dict(zip(tiers["tier_code"], tiers[name_column], strict=True))

st.subheader(ctx.t("tier_rules.current"))
ui.table(
    ctx,
    tiers.drop(columns="tier_code"),
    column_config={
        ui.header(ctx, "threshold"): st.column_config.NumberColumn(format=ctx.money_column_format())
    },
)
st.caption(ctx.t("tier_rules.basis", basis=ctx.t(f"tier_rules.basis.{rules.spend_basis}")))

st.subheader(ctx.t("tier_rules.edit"))
with st.form("tier_rules_edit"):
    thresholds, discounts = {}, {}
    for code in tiers["tier_code"]:
        left, right = st.columns(2)
        thresholds[code] = left.number_input(
            ctx.t("tier_rules.threshold", tier=names[code], currency=ctx.currency),
            min_value=0.0,
            value=float(rules.thresholds[code]),
            step=100.0,
            key=f"tier_threshold_{code}",
        )
        discounts[code] = right.number_input(
            ctx.t("tier_rules.discount", tier=names[code]),
            min_value=0.5,
            max_value=1.0,
            value=float(rules.discounts[code]),
            step=0.01,
            format="%.2f",
            key=f"tier_discount_{code}",
        )
    basis = st.selectbox(
        ctx.t("tier_rules.spend_basis"),
        tier_rules.SPEND_BASES,
        index=tier_rules.SPEND_BASES.index(rules.spend_basis),
        format_func=lambda code: ctx.t(f"tier_rules.basis.{code}"),
    )
    reason = st.text_input(ctx.t("common.reason"), max_chars=500)
    previewed = st.form_submit_button(ctx.t("tier_rules.preview"))
    submitted = st.form_submit_button(ctx.t("tier_rules.submit"), type="primary")

proposed = tier_rules.RuleSet(
    {code: Decimal(str(value)) for code, value in thresholds.items()},
    {code: Decimal(str(value)) for code, value in discounts.items()},
    basis,
)
if previewed or submitted:
    effect = ui.attempt(ctx, tier_rules.preview, ctx.store, user, ctx.role, proposed)
    if effect is not None:
        st.markdown(f"**{ctx.t('tier_rules.preview_title', as_of=effect.as_of)}**")
        st.write(ctx.t("tier_rules.moves", up=ctx.int(effect.up), down=ctx.int(effect.down)))
        st.write(
            ctx.t(
                "tier_rules.cost",
                now=ctx.money(effect.cost_now),
                new=ctx.money(effect.cost_new),
                change=ctx.money(effect.cost_change),
            )
        )
        per_tier = ui.labelled(ctx, effect.per_tier, {"tier_code": "tier"})
        ui.table(ctx, per_tier, hide_index=True, width="stretch")
        if submitted:
            request_id = ui.attempt(
                ctx, tier_rules.request_change, ctx.store, user, ctx.role, proposed, reason
            )
            if request_id is not None:
                st.success(ctx.t("members.requested", id=request_id))

# -- benefits catalogue ---------------------------------------------------------------------
st.divider()
st.subheader(ctx.t("benefits.title"))
benefits = tier_rules.benefits_table(ctx.store)
shown = ui.labelled(ctx, benefits, {"tiers": "tiers"})
ui.table(ctx, shown, hide_index=True, width="stretch", placeholder="")

with st.form("benefit_add", clear_on_submit=True):
    st.markdown(f"**{ctx.t('benefits.add')}**")
    code = st.text_input(ctx.t("benefits.code"), max_chars=40)
    name_zh = st.text_input(ctx.t("benefits.name_zh"), max_chars=60)
    name_en = st.text_input(ctx.t("benefits.name_en"), max_chars=60)
    if st.form_submit_button(ctx.t("benefits.add")):
        added = ui.attempt(
            ctx, tier_rules.add_benefit, ctx.store, user, ctx.role, code, name_zh, name_en
        )
        if added is not None:
            st.session_state[SAVED_KEY] = True
            st.rerun()

active = benefits[benefits["retired_at"].isna()]
if not active.empty:
    labels = dict(zip(active["benefit_code"], active[name_column], strict=True))
    picked = st.selectbox(
        ctx.t("benefits.pick"), list(labels), format_func=lambda c: f"{labels[c]} ({c})"
    )
    current = benefits.set_index("benefit_code").loc[picked]
    with st.form("benefit_edit"):
        new_zh = st.text_input(ctx.t("benefits.name_zh"), value=current["name_zh"], max_chars=60)
        new_en = st.text_input(ctx.t("benefits.name_en"), value=current["name_en"], max_chars=60)
        chosen = st.multiselect(
            ctx.t("benefits.tiers"),
            list(tiers["tier_code"]),
            default=list(current["tiers"]),
            format_func=lambda c: names[c],
        )
        rename = st.form_submit_button(ctx.t("benefits.rename"))
        assign = st.form_submit_button(ctx.t("benefits.assign"))
        retire = st.form_submit_button(ctx.t("benefits.retire"))
    done = None
    if rename:
        done = ui.attempt(
            ctx, tier_rules.rename_benefit, ctx.store, user, ctx.role, picked, new_zh, new_en
        )
    elif assign:
        done = ui.attempt(
            ctx, tier_rules.set_benefit_tiers, ctx.store, user, ctx.role, picked, chosen
        )
    elif retire:
        done = ui.attempt(ctx, tier_rules.retire_benefit, ctx.store, user, ctx.role, picked)
    if done is not None:
        st.session_state[SAVED_KEY] = True
        st.rerun()

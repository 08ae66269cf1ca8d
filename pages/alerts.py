"""Alerts: fired activity alerts with the drop, the members affected and what to do; history;
the rule editor for operators and admins."""

import pandas as pd
import streamlit as st

from core import segments, ui
from core.permissions import Capability

ctx = ui.page_guard("alerts")
filters, as_of = ui.sidebar_filters(ctx)

st.title(ctx.t("alerts.title"))
st.caption(ctx.t("alerts.rule_note"))
if as_of is None:
    st.info(ctx.t("overview.no_data"))
    st.stop()


def group_text(kind: str, value: str | None) -> str:
    return ui.alert_group_text(ctx, kind, value)


if ctx.can(Capability.MANAGE_ALERTS) and st.button(ctx.t("alerts.run_now")):
    opened = segments.run_alerts_now(ctx.store, ctx.role, as_of, ctx.account.username)
    st.success(ctx.t("alerts.ran", n=len(opened)))

st.subheader(ctx.t("alerts.open"))
open_alerts = segments.alerts(ctx.store, "open")
if open_alerts.empty:
    st.info(ctx.t("alerts.none"))
for alert in open_alerts.itertuples():
    with st.container(border=True):
        st.markdown(
            "**"
            + ctx.t_md(
                "alert.label",
                group=group_text(alert.group_kind, alert.group_value),
                start=alert.start_day.isoformat(),
                days=int(alert.decline_days),
                drop=ctx.percent(alert.drop_share),
            )
            + "**"
        )
        st.write(
            ctx.t(
                "alerts.detail",
                baseline=ctx.number(alert.baseline),
                latest=ctx.int(alert.latest),
                affected=ctx.int(alert.affected),
            )
        )
        no_hour = pd.isna(alert.best_hour)
        hour = ctx.t("alerts.no_hour") if no_hour else f"{int(alert.best_hour):02d}:00"
        st.write(ctx.t("alerts.suggestion", action=ctx.t(f"action.{alert.action}"), hour=hour))
        if ctx.can(Capability.VIEW_MEMBER_LIST):
            st.page_link(
                "pages/member_list.py",
                label=ctx.t("alerts.open_members"),
                icon=":material/list_alt:",
                query_params={"alert": str(alert.alert_id)},
            )

st.subheader(ctx.t("alerts.history"))
history = segments.alerts(ctx.store)
history["group"] = [
    group_text(kind, value)
    for kind, value in zip(history["group_kind"], history["group_value"], strict=True)
]
history["action"] = [ctx.t(f"action.{a}") for a in history["action"]]
history["status"] = [ctx.t(f"status.{s}") for s in history["status"]]
ui.table(
    ctx,
    history[
        [
            "group",
            "rule_name",
            "start_day",
            "fired_on",
            "decline_days",
            "drop_share",
            "affected",
            "best_hour",
            "action",
            "status",
            "cleared_on",
        ]
    ],
)

st.subheader(ctx.t("alerts.rules"))
rules = segments.alert_rules(ctx.store)
rule_rows = pd.DataFrame(
    [
        {
            "rule": rule.name,
            "group": group_text(rule.group_kind, rule.group_value)
            if rule.group_value or rule.group_kind == "everyone"
            else ctx.t("alerts.each_group", kind=ctx.t(f"kind.{rule.group_kind}")),
            "N": rule.decline_days,
            "X": ctx.percent(rule.min_drop, 0),
            "enabled": rule.enabled,
        }
        for rule in rules
    ],
    columns=["rule", "group", "N", "X", "enabled"],
)
ui.table(ctx, rule_rows, hide_index=True, width="stretch")


def group_choices(kind: str) -> list[str]:
    """The groups a rule of ``kind`` may watch, as stored codes (segment ids as text)."""
    if kind == "channel":
        frame = ctx.store.df("select distinct channel from members where channel is not null")
        return sorted(frame["channel"].astype(str))
    if kind == "tier":
        frame = ctx.store.df("select tier_code from tiers order by rank")
        return [str(code) for code in frame["tier_code"]]
    if kind == "tag":
        return list(segments.TAGS)
    if kind == "segment":
        return [str(segment.segment_id) for segment in segments.list_segments(ctx.store)]
    return []


def group_value_text(kind: str, value: str | None) -> str:
    """A choice of the group picker: a label, a segment's name, or "each group"."""
    if value is None:
        return ctx.t("alerts.each_group", kind=ctx.t(f"kind.{kind}"))
    return ui.alert_group_text(ctx, kind, value).split(": ", 1)[-1]


if ctx.can(Capability.MANAGE_ALERTS):
    st.markdown(f"**{ctx.t('alerts.edit_rule')}**")
    # the rule and the group kind sit outside the form: the group choices follow them
    by_id = {rule.rule_id: rule for rule in rules}
    rule_id = st.selectbox(
        ctx.t("alerts.rule"),
        [None, *by_id],
        format_func=lambda rid: ctx.t("alerts.new_rule") if rid is None else by_id[rid].name,
        key="alerts_rule",
    )
    current = by_id.get(rule_id)
    kind = st.selectbox(
        ctx.t("alerts.kind"),
        segments.GROUP_KINDS,
        index=segments.GROUP_KINDS.index(current.group_kind) if current else 0,
        format_func=lambda k: ctx.t(f"kind.{k}"),
        key=f"alerts_kind_{rule_id}",
    )
    with st.form("ml_alert_rule"):
        name = st.text_input(ctx.t("segments.name"), value=current.name if current else "")
        same_kind = current is not None and current.group_kind == kind
        value = None
        if kind == "at_risk":
            threshold = float(current.group_value) if same_kind and current.group_value else 0.5
            value = str(st.number_input(ctx.t("alerts.threshold"), 0.05, 0.95, threshold, 0.05))
        elif kind != "everyone":
            choices = [None, *group_choices(kind)]
            now = current.group_value if same_kind else None
            value = st.selectbox(
                ctx.t("alerts.value"),
                choices,
                index=choices.index(now) if now in choices else 0,
                format_func=lambda code: group_value_text(kind, code),
                key="alerts_value",
            )
        days = st.number_input(ctx.t("alerts.days"), 1, 14, current.decline_days if current else 3)
        min_drop = st.number_input(
            ctx.t("alerts.min_drop"), 0.01, 0.99, current.min_drop if current else 0.2, 0.05
        )
        enabled = st.checkbox(ctx.t("alerts.enabled"), value=current.enabled if current else True)
        if st.form_submit_button(ctx.t("alerts.save_rule"), type="primary"):
            try:
                segments.save_alert_rule(
                    ctx.store, ctx.role, ctx.account.username, name, kind,
                    value, int(days), float(min_drop), enabled, rule_id,
                )  # fmt: skip
            except segments.SegmentError as exc:
                st.error(ctx.t_md(exc.code, **exc.values))
            else:
                ui.saved(ctx.t("alerts.saved"))

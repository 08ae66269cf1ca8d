"""Tiers: members per tier over time, the migration matrix between two dates, revenue,
discount cost and repurchase interval per tier, and upgrade opportunities."""

from datetime import timedelta

import altair as alt
import streamlit as st

from core import charts, labels, metrics, ui
from core.drilldown import DrillTarget
from core.permissions import Capability

ctx = ui.page_guard("tiers")
filters, as_of = ui.sidebar_filters(ctx)

st.title(ctx.t("tiers.title"))
if as_of is None:
    st.info(ctx.t("analytics.no_data"))
    st.stop()
period = filters.period(as_of)
st.caption(ctx.t("analytics.period", start=period.start, end=period.end, as_of=as_of))

grain = (
    st.segmented_control(
        ctx.t("tiers.grain"),
        metrics.TIER_GRAINS,
        format_func=lambda code: ctx.t(f"unit.{code}"),
        **ui.url_bound(ctx, "tiers_grain"),
    )
    or "week"
)
over_time = ui.cached_view(ctx, "tiers_over_time", filters, as_of, grain=grain)
if over_time.empty:
    st.info(ctx.t("analytics.empty"))
    st.stop()

names = labels.tier_labels(ctx.lang, ctx.store)
tier_order = [names[code] for code in names]
over_time["tier"] = over_time["tier_code"].map(names)
st.subheader(ctx.t("tiers.over_time"))
ui.drill_chart(
    ctx,
    alt.Chart(over_time.assign(day_key=over_time["day"].dt.strftime("%Y-%m-%d")))
    .mark_bar()
    .encode(
        x=charts.period_x("day", ctx.t("chart.date"), ctx.lang),
        y=alt.Y("members:Q", title=ctx.t("chart.members")),
        color=alt.Color(
            "tier:N",
            title=ctx.t("chart.tier"),
            sort=tier_order,
            scale=charts.tier_scale(list(names), tier_order),
        ),
        order=alt.Order("rank:Q"),
        tooltip=[
            charts.period_tooltip("day", ctx.t("chart.date"), ctx.lang),
            alt.Tooltip("tier:N", title=ctx.t("chart.tier")),
            alt.Tooltip("members:Q", title=ctx.t("chart.members"), format=","),
        ],
    ),
    key="drill_tiers_over_time",
    fields=["tier_code", "day_key"],
    target=lambda point: DrillTarget.tier(point["tier_code"], point["day_key"]),
    filters=filters,
    width="stretch",
)
TIERS = {
    "tier_code": "tier",
    "tier": "tier",
    "from_tier": "tier",
    "to_tier": "tier",
    "next_tier": "tier",
}
ui.table_behind(ctx, over_time.drop(columns=["tier"]), f"tiers_over_time_{grain}", TIERS)

st.subheader(ctx.t("tiers.migration"))
left, right = st.columns(2)
from_day = left.date_input(
    ctx.t("tiers.from_day"),
    value=period.start - timedelta(days=1),
    max_value=as_of,
    key="tiers_from_day",
)
to_day = right.date_input(
    ctx.t("tiers.to_day"), value=period.end, max_value=as_of, key="tiers_to_day"
)
migration = ui.cached_view(ctx, "tier_migration", filters, as_of, from_day=from_day, to_day=to_day)
if migration.empty:
    st.info(ctx.t("analytics.empty"))
else:
    shown = migration.assign(
        from_name=migration["from_tier"].map(names), to_name=migration["to_tier"].map(names)
    )
    base = alt.Chart(shown).encode(
        x=alt.X("to_name:N", title=ctx.t("chart.tier_to"), sort=tier_order),
        y=alt.Y("from_name:N", title=ctx.t("chart.tier_from"), sort=tier_order),
        tooltip=[
            alt.Tooltip("from_name:N", title=ctx.t("chart.tier_from")),
            alt.Tooltip("to_name:N", title=ctx.t("chart.tier_to")),
            alt.Tooltip("members:Q", title=ctx.t("chart.members"), format=","),
            alt.Tooltip("share_of_from:Q", title=ctx.t("chart.share"), format=".1%"),
        ],
    )
    ui.chart(
        ctx,
        base.mark_rect().encode(
            color=alt.Color(
                "share_of_from:Q", title=ctx.t("chart.share"), scale=alt.Scale(scheme="greens")
            )
        )
        + base.mark_text().encode(text=alt.Text("members:Q", format=",")),
        width="stretch",
    )
    ui.table_behind(ctx, migration, "tier_migration", TIERS)

st.subheader(ctx.t("tiers.summary"))
summary = ui.cached_view(ctx, "tier_summary", filters, as_of)
named = summary.assign(tier=summary["tier_code"].map(names))
money = named.melt(id_vars="tier", value_vars=["revenue", "discount_cost"], var_name="metric")
money["metric_label"] = money["metric"].map(
    {"revenue": ctx.t("chart.revenue"), "discount_cost": ctx.t("chart.discount_cost")}
)
left, right = st.columns(2)
with left:
    ui.chart(
        ctx,
        alt.Chart(money)
        .mark_bar()
        .encode(
            x=alt.X(
                "value:Q",
                title=ctx.money_label(ctx.t("chart.value")),
                axis=charts.money_axis(ctx.currency),
            ),
            y=alt.Y("tier:N", title=ctx.t("chart.tier"), sort=tier_order),
            yOffset="metric_label:N",
            color=alt.Color("metric_label:N", title=ctx.t("chart.metric")),
            tooltip=[
                alt.Tooltip("tier:N", title=ctx.t("chart.tier")),
                alt.Tooltip("metric_label:N", title=ctx.t("chart.metric")),
                charts.money_tooltip(
                    "value:Q", ctx.money_label(ctx.t("chart.value")), ctx.currency
                ),
            ],
        ),
        width="stretch",
    )
with right:
    ui.chart(
        ctx,
        alt.Chart(named.dropna(subset=["median_repurchase_days"]))
        .mark_bar()
        .encode(
            x=alt.X("median_repurchase_days:Q", title=ctx.t("chart.median_days")),
            y=alt.Y("tier:N", title=ctx.t("chart.tier"), sort=tier_order),
            tooltip=[
                alt.Tooltip("tier:N", title=ctx.t("chart.tier")),
                alt.Tooltip("median_repurchase_days:Q", title=ctx.t("chart.median_days")),
                alt.Tooltip("repurchases:Q", title=ctx.t("chart.count"), format=","),
            ],
        ),
        width="stretch",
    )
st.caption(ctx.t("tiers.note"))
ui.table_behind(ctx, summary, "tier_summary", TIERS)

st.subheader(ctx.t("tiers.upgrade"))
st.write(ctx.t("tiers.upgrade_count", count=ctx.int(summary["upgrade_candidates"].sum())))
if ctx.can(Capability.VIEW_MEMBER_LIST):
    candidates = ui.cached_view(ctx, "upgrade_candidates", filters, as_of)
    ui.table_behind(ctx, candidates.drop(columns="member_key"), "upgrade_candidates", TIERS)
else:
    st.caption(ctx.t("tiers.upgrade_list_hidden"))

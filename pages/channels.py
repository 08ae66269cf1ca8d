"""Channels and campaigns: the channel table (signups, activation, retention, 90-day LTV,
revenue, CAC, ROI) and each campaign's new members against the period before it."""

import altair as alt
import streamlit as st

from core import charts, ui
from core.drilldown import DrillTarget

ctx = ui.page_guard("channels")
filters, as_of = ui.sidebar_filters(ctx)

st.title(ctx.t("channels.title"))
if as_of is None:
    st.info(ctx.t("analytics.no_data"))
    st.stop()

filters = ui.cohort_window(ctx, filters, as_of, key="channels_window")
period = filters.period(as_of)
st.caption(ctx.t("analytics.period", start=period.start, end=period.end, as_of=as_of))
codes = ui.cached_view(ctx, "channel_table", filters, as_of)
table = ui.labelled(ctx, codes, {"channel": "channel"})
if table.empty or (table["signups"].sum() == 0 and table["revenue"].sum() == 0):
    st.info(ctx.t("analytics.empty"))
    st.stop()

st.subheader(ctx.t("channels.table"))
# headers, ¥ and one-decimal rates as every table has them (ui.table, core/formats.py)
ui.table(ctx, table, placeholder="—")
st.caption(ctx.t("channels.note"))

left, right = st.columns(2)
with left:
    st.subheader(ctx.t("channels.d30"))
    if table["d30"].isna().all():
        st.info(ctx.t("channels.no_d30"))
    ui.drill_chart(
        ctx,
        alt.Chart(table.assign(channel_code=codes["channel"]).dropna(subset=["d30"]))
        .mark_bar()
        .encode(
            x=alt.X("d30:Q", title="D30", axis=alt.Axis(format="%")),
            y=alt.Y("channel:N", title=ctx.t("chart.channel"), sort="-x"),
            opacity=charts.small_sample_opacity("signups"),
            tooltip=[
                alt.Tooltip("channel:N", title=ctx.t("chart.channel")),
                alt.Tooltip("signups:Q", title=ctx.t("col.signups"), format=","),
                alt.Tooltip("d1:Q", title="D1", format=".1%"),
                alt.Tooltip("d7:Q", title="D7", format=".1%"),
                alt.Tooltip("d30:Q", title="D30", format=".1%"),
            ],
        ),
        key="drill_channels_d30",
        fields=["channel_code"],
        target=lambda point: (
            DrillTarget.channel(point["channel_code"]) if point.get("channel_code") else None
        ),
        filters=filters,
        width="stretch",
    )
    ui.best_worst_note(ctx, table, "d30", "signups", "channel")
with right:
    st.subheader(ctx.t("channels.ltv_cac"))
    values = table.melt(id_vars="channel", value_vars=["ltv_90d", "cac"], var_name="metric")
    values = values.dropna()
    values["metric_label"] = values["metric"].map(lambda m: ctx.t(f"col.{m}"))
    ui.chart(
        ctx,
        alt.Chart(values)
        .mark_bar()
        .encode(
            x=alt.X(
                "value:Q",
                title=ctx.money_label(ctx.t("chart.value")),
                axis=charts.money_axis(ctx.currency),
            ),
            y=alt.Y("channel:N", title=ctx.t("chart.channel")),
            yOffset="metric_label:N",
            color=alt.Color("metric_label:N", title=ctx.t("chart.metric")),
            tooltip=[
                alt.Tooltip("channel:N", title=ctx.t("chart.channel")),
                alt.Tooltip("metric_label:N", title=ctx.t("chart.metric")),
                charts.money_tooltip(
                    "value:Q", ctx.money_label(ctx.t("chart.value")), ctx.currency
                ),
            ],
        ),
        width="stretch",
    )
ui.table_behind(ctx, table, "channels")

st.subheader(ctx.t("channels.campaigns"))
campaigns = ui.cached_view(ctx, "campaign_comparison", filters, as_of)
campaigns = ui.labelled(ctx, campaigns, {"channel": "channel"})
if campaigns.empty:
    st.info(ctx.t("channels.no_campaigns"))
else:
    campaigns["label"] = campaigns["name"].fillna(campaigns["campaign_id"]) + campaigns[
        "start_date"
    ].dt.strftime(" (%Y-%m-%d)")
    bars = campaigns.melt(
        id_vars=["label", "channel", "growth"],
        value_vars=["signups_before", "signups_during"],
        var_name="window",
        value_name="signups",
    ).dropna(subset=["signups"])
    bars["window_label"] = bars["window"].map(
        {"signups_before": ctx.t("window.before"), "signups_during": ctx.t("window.during")}
    )
    ui.chart(
        ctx,
        alt.Chart(bars)
        .mark_bar()
        .encode(
            x=alt.X("signups:Q", title=ctx.t("chart.signups")),
            y=alt.Y("label:N", title=ctx.t("chart.campaign"), sort=campaigns["label"].tolist()),
            yOffset="window_label:N",
            color=alt.Color("window_label:N", title=ctx.t("chart.window")),
            tooltip=[
                alt.Tooltip("label:N", title=ctx.t("chart.campaign")),
                alt.Tooltip("channel:N", title=ctx.t("chart.channel")),
                alt.Tooltip("window_label:N", title=ctx.t("chart.window")),
                alt.Tooltip("signups:Q", title=ctx.t("chart.signups"), format=","),
                alt.Tooltip("growth:Q", title=ctx.t("chart.growth"), format="+.1%"),
            ],
        ),
        width="stretch",
    )
    st.caption(ctx.t("analytics.incomplete_note"))
    ui.table_behind(ctx, campaigns.drop(columns="label"), "campaigns")

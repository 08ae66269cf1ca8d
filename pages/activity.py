"""Activity: DAU / WAU / MAU and stickiness, the member lifecycle, active days per member."""

import altair as alt
import streamlit as st

from core import charts, metrics, ui

ctx = ui.page_guard("activity")
filters, as_of = ui.sidebar_filters(ctx)

st.title(ctx.t("activity.title"))
if as_of is None:
    st.info(ctx.t("analytics.no_data"))
    st.stop()
period = filters.period(as_of)
st.caption(
    ctx.t("analytics.period", start=period.start, end=period.end, as_of=as_of)
    + " · "
    + ctx.t("analytics.incomplete_note")
)

daily = ui.cached_view(ctx, "activity_daily", filters, as_of)
if daily[["dau", "wau", "mau"]].fillna(0).to_numpy().sum() == 0:
    st.info(ctx.t("analytics.empty"))
    st.stop()

date_axis = alt.X("date:T", title=ctx.t("chart.date"), axis=charts.date_axis(ctx.lang))
date_tip = charts.date_tooltip("date:T", ctx.t("chart.date"), ctx.lang)

st.subheader(ctx.t("activity.active"))
active = daily.melt(
    id_vars="date", value_vars=["dau", "wau", "mau"], var_name="metric", value_name="members"
)
active["metric"] = active["metric"].str.upper()
ui.chart(
    ctx,
    alt.Chart(active.dropna())
    .mark_line(point=True)
    .encode(
        x=date_axis,
        y=alt.Y("members:Q", title=ctx.t("chart.members")),
        color=alt.Color("metric:N", title=ctx.t("chart.metric")),
        tooltip=[
            date_tip,
            alt.Tooltip("metric:N", title=ctx.t("chart.metric")),
            alt.Tooltip("members:Q", title=ctx.t("chart.members"), format=","),
        ],
    ),
    width="stretch",
)
st.subheader(ctx.t("activity.stickiness"))
ui.chart(
    ctx,
    alt.Chart(daily.dropna(subset=["stickiness"]))
    .mark_line(point=True)
    .encode(
        x=date_axis,
        y=alt.Y("stickiness:Q", title=ctx.t("activity.stickiness"), axis=alt.Axis(format="%")),
        tooltip=[
            date_tip,
            alt.Tooltip("dau:Q", title="DAU", format=","),
            alt.Tooltip("mau:Q", title="MAU", format=","),
            alt.Tooltip("stickiness:Q", title=ctx.t("activity.stickiness"), format=".1%"),
        ],
    ),
    width="stretch",
)
ui.table_behind(ctx, daily, "activity_daily")

st.subheader(ctx.t("activity.lifecycle"))
unit = (
    st.segmented_control(
        ctx.t("analytics.unit"),
        metrics.COHORT_UNITS,
        format_func=lambda code: ctx.t(f"unit.{code}"),
        **ui.url_bound(ctx, "activity_unit"),
    )
    or "week"
)
cycle = ui.cached_view(ctx, "lifecycle", filters, as_of, unit=unit)
states = ["new", "returning", "resurrecting", "dormant"]
stacked = cycle.melt(id_vars="period", value_vars=states, var_name="state", value_name="members")
stacked = stacked.dropna()
stacked["signed"] = stacked["members"].where(stacked["state"] != "dormant", -stacked["members"])
stacked["state_label"] = stacked["state"].map(lambda state: ctx.t(f"lifecycle.{state}"))
ui.chart(
    ctx,
    alt.Chart(stacked)
    .mark_bar()
    .encode(
        x=charts.period_x("period", ctx.t("chart.period"), ctx.lang),
        y=alt.Y("signed:Q", title=ctx.t("chart.members")),
        color=alt.Color(
            "state_label:N",
            title=ctx.t("chart.state"),
            sort=[ctx.t(f"lifecycle.{state}") for state in states],
        ),
        tooltip=[
            charts.period_tooltip("period", ctx.t("chart.period"), ctx.lang),
            alt.Tooltip("state_label:N", title=ctx.t("chart.state")),
            alt.Tooltip("members:Q", title=ctx.t("chart.members"), format=","),
        ],
    ),
    width="stretch",
)
st.caption(ctx.t("activity.lifecycle_note"))
ui.table_behind(ctx, cycle, f"lifecycle_{unit}")

st.subheader(ctx.t("activity.days", end=period.end))
days = ui.cached_view(ctx, "active_days_distribution", filters, as_of)
if days.empty:
    st.info(ctx.t("activity.days_incomplete"))
else:
    ui.chart(
        ctx,
        alt.Chart(days)
        .mark_bar()
        .encode(
            x=alt.X("active_days:O", title=ctx.t("chart.active_days")),
            y=alt.Y("members:Q", title=ctx.t("chart.members")),
            tooltip=[
                alt.Tooltip("active_days:O", title=ctx.t("chart.active_days")),
                alt.Tooltip("members:Q", title=ctx.t("chart.members"), format=","),
                alt.Tooltip("share:Q", title=ctx.t("chart.share"), format=".1%"),
            ],
        ),
        width="stretch",
    )
    ui.table_behind(ctx, days, "active_days")

"""Time of day: the weekday × hour heatmap for everyone in the filters or the high-value
members, the share of activity by hour, and each member's best contact hour."""

import altair as alt
import streamlit as st

from core import metrics, ui
from core.drilldown import DrillTarget

ctx = ui.page_guard("hours")
filters, as_of = ui.sidebar_filters(ctx)

st.title(ctx.t("hours.title"))
if as_of is None:
    st.info(ctx.t("analytics.no_data"))
    st.stop()
period = filters.period(as_of)
st.caption(ctx.t("analytics.period", start=period.start, end=period.end, as_of=as_of))
if ui.missing_data_note(ctx, "hours"):
    st.stop()

group = (
    st.segmented_control(
        ctx.t("hours.group"),
        metrics.HOUR_GROUPS,
        format_func=lambda code: ctx.t(f"hours.group.{code}"),
        **ui.url_bound(ctx, "hours_group"),
    )
    or "all"
)
if group == "high_value":
    st.caption(ctx.t("hours.high_value_note", as_of=as_of))

heatmap = ui.cached_view(ctx, "hour_heatmap", filters, as_of, group=group)
peak = metrics.peak_hour(heatmap)
if peak is None:
    st.info(ctx.t("analytics.empty"))
    st.stop()
st.metric(ctx.t("hours.peak", hour=f"{peak:02d}"), f"{peak:02d}:00")

st.subheader(ctx.t("hours.heatmap"))
heatmap["weekday_label"] = heatmap["weekday"].map(lambda day: ctx.t(f"weekday.{day}"))
weekdays = [ctx.t(f"weekday.{day}") for day in range(1, 8)]
heatmap_chart = (
    alt.Chart(heatmap)
    .mark_rect()
    .encode(
        x=alt.X("hour:O", title=ctx.t("chart.hour")),
        y=alt.Y("weekday_label:N", title=ctx.t("chart.weekday"), sort=weekdays),
        color=alt.Color(
            "events:Q", title=ctx.t("chart.activity"), scale=alt.Scale(scheme="oranges")
        ),
        tooltip=[
            alt.Tooltip("weekday_label:N", title=ctx.t("chart.weekday")),
            alt.Tooltip("hour:O", title=ctx.t("chart.hour")),
            alt.Tooltip("events:Q", title=ctx.t("chart.activity"), format=","),
            alt.Tooltip("members:Q", title=ctx.t("chart.members"), format=","),
            alt.Tooltip("share:Q", title=ctx.t("chart.share"), format=".2%"),
        ],
    )
)
if group == "all":  # a cell opens its members (the high-value group is not a drill target)
    ui.drill_chart(
        ctx,
        heatmap_chart,
        key="drill_hours_heatmap",
        fields=["weekday", "hour"],
        target=lambda point: DrillTarget.hour_cell(point["weekday"], point["hour"]),
        filters=filters,
        width="stretch",
    )
else:
    ui.chart(ctx, heatmap_chart, width="stretch")
ui.table_behind(ctx, heatmap.drop(columns="weekday_label"), f"hours_heatmap_{group}")

st.subheader(ctx.t("hours.share"))
share = metrics.hour_share(heatmap)
ui.chart(
    ctx,
    alt.Chart(share)
    .mark_bar()
    .encode(
        x=alt.X("hour:O", title=ctx.t("chart.hour")),
        y=alt.Y("share:Q", title=ctx.t("chart.share"), axis=alt.Axis(format="%")),
        tooltip=[
            alt.Tooltip("hour:O", title=ctx.t("chart.hour")),
            alt.Tooltip("events:Q", title=ctx.t("chart.activity"), format=","),
            alt.Tooltip("share:Q", title=ctx.t("chart.share"), format=".1%"),
        ],
    ),
    width="stretch",
)
ui.table_behind(ctx, share, f"hours_share_{group}")

st.subheader(ctx.t("hours.best"))
best = ui.cached_view(ctx, "best_hour_distribution", filters, as_of)
ui.chart(
    ctx,
    alt.Chart(best)
    .mark_bar()
    .encode(
        x=alt.X("hour:O", title=ctx.t("chart.hour")),
        y=alt.Y("members:Q", title=ctx.t("chart.members")),
        tooltip=[
            alt.Tooltip("hour:O", title=ctx.t("chart.hour")),
            alt.Tooltip("members:Q", title=ctx.t("chart.members"), format=","),
        ],
    ),
    width="stretch",
)
ui.table_behind(ctx, best, "best_contact_hours")

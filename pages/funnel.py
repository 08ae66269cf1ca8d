"""Funnel: page_view → add_to_cart → checkout → order_paid with conversion and drop-off,
per member or per session, overall or by device or channel."""

import altair as alt
import streamlit as st

from core import charts, formats, metrics, ui
from core.drilldown import DrillTarget

ctx = ui.page_guard("funnel")
filters, as_of = ui.sidebar_filters(ctx)

st.title(ctx.t("funnel.title"))
if as_of is None:
    st.info(ctx.t("analytics.no_data"))
    st.stop()
period = filters.period(as_of)
st.caption(ctx.t("analytics.period", start=period.start, end=period.end, as_of=as_of))

left, right = st.columns(2)
with left:
    unit = (
        st.segmented_control(
            ctx.t("funnel.unit"),
            metrics.FUNNEL_UNITS,
            format_func=lambda code: ctx.t(f"funnel.unit.{code}"),
            **ui.url_bound(ctx, "funnel_unit"),
        )
        or "member"
    )
with right:
    split = (
        st.segmented_control(
            ctx.t("funnel.dimension"),
            ("none", *metrics.FUNNEL_DIMENSIONS),
            format_func=lambda code: ctx.t(f"dimension.{code}") if code != "none" else "—",
            **ui.url_bound(ctx, "funnel_dimension"),
        )
        or "none"
    )

if ui.missing_data_note(ctx, "funnel" if unit == "member" else "funnel_session"):
    st.stop()
steps = ui.cached_view(
    ctx, "funnel", filters, as_of, unit=unit, dimension=None if split == "none" else split
)
if steps.empty:
    st.info(ctx.t("analytics.empty"))
    st.stop()
if split != "none":
    steps = ui.labelled(ctx, steps, {"group": split})

count = "members" if unit == "member" else "sessions"
steps["step_label"] = steps["step_name"].map(lambda step: ctx.t(f"funnel.step.{step}"))
steps["bar_label"] = [  # 12,345 · 38.2% (conversion from the step before; the first: count)
    formats.count_and_rate(value, rate)
    for value, rate in zip(steps[count], steps["conversion_from_previous"], strict=True)
]
order = [ctx.t(f"funnel.step.{step}") for step in metrics.FUNNEL_STEPS]
encoding = {
    "x": alt.X(
        f"{count}:Q", title=ctx.t(f"funnel.unit.{unit}"), scale=charts.label_room(steps[count])
    ),
    "y": alt.Y("step_label:N", title=ctx.t("chart.step"), sort=order),
    "tooltip": [
        alt.Tooltip("group:N", title=ctx.t("chart.group")),
        alt.Tooltip("step_label:N", title=ctx.t("chart.step")),
        alt.Tooltip(f"{count}:Q", title=ctx.t(f"funnel.unit.{unit}"), format=","),
        alt.Tooltip("conversion_from_previous:Q", title=ctx.t("chart.conversion"), format=".1%"),
        alt.Tooltip("conversion_from_first:Q", title=ctx.t("chart.conversion_first"), format=".1%"),
        alt.Tooltip("drop_off:Q", title=ctx.t("chart.drop_off"), format=".1%"),
    ],
}
if split != "none":
    encoding["color"] = alt.Color("group:N", title=ctx.t(f"dimension.{split}"))
    encoding["yOffset"] = "group:N"
bars = alt.Chart(steps).mark_bar().encode(**encoding)
figure = charts.bar_labels(bars, "bar_label")
if split == "none":  # the split sets its own band height (charts.bar_labels)
    figure = figure.properties(height=60 + 48 * len(order))
if unit == "member" and split == "none":  # a step's bar opens who dropped off after it
    ui.drill_chart(
        ctx,
        figure,
        key="drill_funnel",
        fields=["step"],
        target=lambda point: DrillTarget.dropoff(point["step"]),
        filters=filters,
        width="stretch",
    )
else:
    ui.chart(ctx, figure, width="stretch")
st.caption(ctx.t("funnel.note"))
ui.table_behind(
    ctx,
    steps.drop(columns=["step_label", "bar_label"]),
    f"funnel_{unit}_{split}",
    {"step_name": "funnel_step"},
)

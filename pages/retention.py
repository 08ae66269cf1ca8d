"""Retention: the cohort matrix, day-1/7/30 retention by cohort, the retention curve with its
inflection point, and the breakdown by tier, channel or device."""

import altair as alt
import pandas as pd
import streamlit as st

from core import charts, metrics, ui
from core.drilldown import DrillTarget
from core.samples import SMALL_SAMPLE

ctx = ui.page_guard("retention")
filters, as_of = ui.sidebar_filters(ctx)

st.title(ctx.t("retention.title"))
if as_of is None:
    st.info(ctx.t("analytics.no_data"))
    st.stop()
period = filters.period(as_of)
st.caption(ctx.t("analytics.period", start=period.start, end=period.end, as_of=as_of))

left, middle, right, last = st.columns(4)
with left:
    unit = (
        st.segmented_control(
            ctx.t("analytics.unit"),
            metrics.COHORT_UNITS,
            format_func=lambda code: ctx.t(f"unit.{code}"),
            **ui.url_bound(ctx, "retention_unit"),
        )
        or "week"
    )
with middle:
    by = (
        st.segmented_control(
            ctx.t("analytics.cohort_by"),
            metrics.COHORT_BY,
            format_func=lambda code: ctx.t(f"by.{code}"),
            **ui.url_bound(ctx, "retention_by"),
        )
        or "signup"
    )
with right:
    mode = (
        st.segmented_control(
            ctx.t("analytics.mode"),
            metrics.RETENTION_MODES,
            format_func=lambda code: ctx.t(f"mode.{code}"),
            **ui.url_bound(ctx, "retention_mode"),
        )
        or "on"
    )
with last:
    max_period = ui.max_period_input(ctx, unit, key="retention_max_period")

matrix = ui.cached_view(
    ctx, "retention_matrix", filters, as_of, cohort=unit, by=by, mode=mode, max_period=max_period
)
if matrix.empty:
    st.info(ctx.t("analytics.empty"))
    st.stop()

st.subheader(ctx.t("retention.matrix"))
mean = metrics.retention_mean(matrix)
mean_label = ctx.t("retention.mean")
cohort_labels = charts.cohort_labels(matrix, ctx.t("retention.cohort_size_label"))
cells = pd.concat(
    [
        matrix.assign(cohort_label=matrix["cohort"].map(cohort_labels)),
        mean.assign(cohort_label=mean_label)[
            ["cohort_label", "period", "cohort_size", "retained", "rate"]
        ],
    ],
    ignore_index=True,
)
order = [cohort_labels[c] for c in sorted(cohort_labels)] + [mean_label]  # the mean row last
base = alt.Chart(cells).encode(
    x=alt.X("period:O", title=ctx.t("chart.period_n")),
    y=alt.Y(
        "cohort_label:N",
        title=ctx.t("chart.cohort"),
        sort=order,
        axis=alt.Axis(labelLimit=240),  # the whole label: start and size, never cut
    ),
    tooltip=[
        alt.Tooltip("cohort_label:N", title=ctx.t("chart.cohort")),
        alt.Tooltip("period:O", title=ctx.t("chart.period_n")),
        alt.Tooltip("cohort_size:Q", title=ctx.t("chart.cohort_size"), format=","),
        alt.Tooltip("retained:Q", title=ctx.t("chart.retained"), format=","),
        alt.Tooltip("rate:Q", title=ctx.t("chart.rate"), format=".1%"),
    ],
)
heatmap = base.mark_rect().encode(
    color=alt.Color(
        "rate:Q",
        title=ctx.t("chart.rate"),
        scale=alt.Scale(scheme="blues"),
        legend=charts.rate_legend(),
    ),
    opacity=charts.small_sample_opacity("cohort_size"),
)
labels = base.mark_text(fontSize=10).encode(
    text=alt.Text("rate:Q", format=".0%"),
    color=alt.condition(  # white only on a dark cell: a greyed (small) cell is pale
        f"datum.rate > 0.5 && datum.cohort_size >= {SMALL_SAMPLE}",
        alt.value("white"),
        alt.value("black"),
    ),
)
cohort_of = {label: cohort for cohort, label in cohort_labels.items()}  # not the mean row
ui.drill_chart(
    ctx,
    (heatmap + labels)
    .transform_filter("isValid(datum.rate)")
    .properties(height=80 + 30 * len(order)),  # the whole chart, axes included
    key="drill_retention_matrix",
    fields=["cohort_label"],
    target=lambda point: (
        DrillTarget.cohort(cohort_of[point["cohort_label"]], unit, by)
        if point.get("cohort_label") in cohort_of
        else None
    ),
    filters=filters,
    width="stretch",
)
st.caption(ctx.t("retention.note"))
ui.table_behind(ctx, matrix, f"retention_{unit}_{by}_{mode}")

st.subheader(ctx.t("retention.trend"))
trend = ui.cached_view(ctx, "retention_trend", filters, as_of, cohort=unit, by=by)
trend_long = trend.melt(
    id_vars=["cohort", "cohort_size"], value_vars=["d1", "d7", "d30"], var_name="metric"
).dropna()
trend_long["metric"] = trend_long["metric"].map(lambda name: ctx.t(f"metric.{name}"))
ui.chart(
    ctx,
    alt.Chart(trend_long)
    .mark_line(point=True)
    .encode(
        x=alt.X(
            "cohort:T",
            title=ctx.t("chart.cohort"),
            axis=charts.date_axis(ctx.lang, charts.period_ticks(trend_long["cohort"])),
        ),
        y=alt.Y("value:Q", title=ctx.t("chart.rate"), axis=alt.Axis(format="%")),
        color=alt.Color("metric:N", title=ctx.t("chart.metric")),
        opacity=charts.small_sample_opacity("cohort_size"),
        tooltip=[
            charts.date_tooltip("cohort:T", ctx.t("chart.cohort"), ctx.lang),
            alt.Tooltip("metric:N", title=ctx.t("chart.metric")),
            alt.Tooltip("cohort_size:Q", title=ctx.t("chart.cohort_size"), format=","),
            alt.Tooltip("value:Q", title=ctx.t("chart.rate"), format=".1%"),
        ],
    ),
    width="stretch",
)
ui.table_behind(ctx, trend, f"retention_trend_{unit}_{by}")

st.subheader(ctx.t("retention.curve"))
curve = ui.cached_view(ctx, "retention_curve", filters, as_of, by=by)
inflection = metrics.curve_inflection(curve)
line = (
    alt.Chart(curve.dropna(subset=["rate"]))
    .mark_line(point=True)
    .encode(
        x=alt.X("day:Q", title=ctx.t("chart.day_n")),
        y=alt.Y("rate:Q", title=ctx.t("chart.rate"), axis=alt.Axis(format="%")),
        opacity=charts.small_sample_opacity("eligible"),
        tooltip=[
            alt.Tooltip("day:Q", title=ctx.t("chart.day_n")),
            alt.Tooltip("eligible:Q", title=ctx.t("chart.cohort_size"), format=","),
            alt.Tooltip("retained:Q", title=ctx.t("chart.retained"), format=","),
            alt.Tooltip("rate:Q", title=ctx.t("chart.rate"), format=".1%"),
        ],
    )
)
if inflection is not None:
    marker = pd.DataFrame({"day": [inflection.day, inflection.intervention_day]})
    line = line + alt.Chart(marker).mark_rule(strokeDash=[4, 4], color="#d62728").encode(x="day:Q")
    ui.chart(ctx, line, width="stretch")
    st.info(
        ctx.t(
            "retention.inflection",
            day=inflection.day,
            before=ctx.percent(inflection.rate_before),
            after=ctx.percent(inflection.rate),
            drop=ctx.points(inflection.drop),
            around=ctx.points(inflection.neighbour_drop),
            intervention=inflection.intervention_day,
        )
    )
else:
    ui.chart(ctx, line, width="stretch")
    st.caption(ctx.t("retention.no_inflection", minimum=SMALL_SAMPLE))
st.caption(ctx.t("retention.inflection_rule"))
ui.table_behind(ctx, curve, f"retention_curve_{by}")

st.subheader(ctx.t("retention.breakdown"))
dimension = (
    st.segmented_control(
        ctx.t("analytics.dimension"),
        metrics.DIMENSIONS,
        format_func=lambda code: ctx.t(f"dimension.{code}"),
        **ui.url_bound(ctx, "retention_dimension"),
    )
    or "channel"
)
breakdown = ui.cached_view(ctx, "retention_breakdown", filters, as_of, dimension=dimension, by=by)
breakdown = ui.labelled(ctx, breakdown, {"group": dimension})
bars = metrics.breakdown_rates(breakdown)  # each rate with its own denominator
bars["metric"] = bars["metric"].map(lambda name: ctx.t(f"metric.{name}"))
ui.chart(
    ctx,
    alt.Chart(bars)
    .mark_bar()
    .encode(
        x=alt.X("value:Q", title=ctx.t("chart.rate"), axis=alt.Axis(format="%")),
        y=alt.Y("group:N", title=ctx.t(f"dimension.{dimension}"), sort=breakdown["group"].tolist()),
        yOffset="metric:N",
        color=alt.Color("metric:N", title=ctx.t("chart.metric")),
        opacity=charts.small_sample_opacity("eligible"),
        tooltip=[
            alt.Tooltip("group:N", title=ctx.t(f"dimension.{dimension}")),
            alt.Tooltip("metric:N", title=ctx.t("chart.metric")),
            alt.Tooltip("eligible:Q", title=ctx.t("chart.rate_base"), format=","),
            alt.Tooltip("value:Q", title=ctx.t("chart.rate"), format=".1%"),
        ],
    ),
    width="stretch",
)
ui.best_worst_note(ctx, breakdown, "d30", "d30_eligible", "group")  # groups are labels
ui.table_behind(ctx, breakdown, f"retention_by_{dimension}")

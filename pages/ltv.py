"""Lifetime value: cumulative revenue per cohort member by months since signup, per signup
cohort and per channel, tier or device."""

import altair as alt
import streamlit as st

from core import charts, metrics, ui
from core.samples import SMALL_SAMPLE

ctx = ui.page_guard("ltv")
filters, as_of = ui.sidebar_filters(ctx)

st.title(ctx.t("ltv.title"))
if as_of is None:
    st.info(ctx.t("analytics.no_data"))
    st.stop()

filters = ui.cohort_window(ctx, filters, as_of, key="ltv_window")
period = filters.period(as_of)
st.caption(ctx.t("analytics.period", start=period.start, end=period.end, as_of=as_of))
months = ui.max_period_input(ctx, "month", key="ltv_max_months", label=ctx.t("ltv.max_months"))
cohorts = ui.cached_view(ctx, "ltv_cohorts", filters, as_of, max_months=months)
if cohorts.empty:
    st.info(ctx.t("analytics.empty"))
    st.stop()
st.caption(ctx.t("ltv.note"))


def ltv_lines(frame, color_field: str, color_title: str, scale=alt.Undefined):
    return (
        alt.Chart(frame.dropna(subset=["ltv"]))
        .mark_line(point=True)
        .encode(
            x=alt.X("months_since_signup:O", title=ctx.t("chart.months_since_signup")),
            y=alt.Y(
                "ltv:Q",
                title=ctx.money_label(ctx.t("chart.ltv")),
                axis=charts.money_axis(ctx.currency),
            ),
            color=alt.Color(f"{color_field}:N", title=color_title, scale=scale),
            opacity=charts.small_sample_opacity("members"),
            tooltip=[
                alt.Tooltip(f"{color_field}:N", title=color_title),
                alt.Tooltip("months_since_signup:O", title=ctx.t("chart.months_since_signup")),
                alt.Tooltip("members:Q", title=ctx.t("chart.members"), format=","),
                charts.money_tooltip(
                    "revenue:Q", ctx.money_label(ctx.t("chart.revenue")), ctx.currency
                ),
                charts.money_tooltip("ltv:Q", ctx.money_label(ctx.t("chart.ltv")), ctx.currency),
            ],
        )
    )


st.subheader(ctx.t("ltv.by_cohort"))
shown = cohorts.assign(cohort_label=cohorts["cohort"].dt.strftime("%Y-%m"))
# one line per signup month, oldest darkest; cohorts under 30 members faint
by_age = charts.cohort_scale(sorted(shown.dropna(subset=["ltv"])["cohort_label"].unique()))
by_cohort = ltv_lines(shown, "cohort_label", ctx.t("chart.cohort"), by_age).properties(
    height=max(300, 30 * len(by_age.domain) + 60)  # room for every cohort in the legend
)
ui.chart(ctx, by_cohort, width="stretch")
st.caption(ctx.t("ltv.cohort_note", minimum=SMALL_SAMPLE))
ui.table_behind(ctx, cohorts, "ltv_cohorts")

dimension = (
    st.segmented_control(
        ctx.t("analytics.dimension"),
        metrics.DIMENSIONS,
        format_func=lambda code: ctx.t(f"dimension.{code}"),
        **ui.url_bound(ctx, "ltv_dimension"),
    )
    or "channel"
)
st.subheader(ctx.t("ltv.by_group", dimension=ctx.t(f"dimension.{dimension}")))
groups = ui.cached_view(ctx, "ltv_by_group", filters, as_of, dimension=dimension, max_months=months)
groups = ui.labelled(ctx, groups, {"group": dimension})
pooled = ltv_lines(groups, "group", ctx.t(f"dimension.{dimension}")).properties(
    title=alt.TitleParams(  # a pooled line can fall: say why on the chart
        ctx.t("ltv.pooled_title"),
        subtitle=ctx.t("ltv.pooled_note").split("\n"),
        anchor="start",
        fontSize=13,
        subtitleColor="#555555",
    )
)
ui.chart(ctx, pooled, width="stretch")
ui.table_behind(ctx, groups, f"ltv_by_{dimension}")

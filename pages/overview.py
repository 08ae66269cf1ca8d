"""Overview: the KPI cards with their change, DAU and revenue trends, and the tier mix."""

import altair as alt
import streamlit as st

from core import charts, ui

ctx = ui.page_guard("overview")
filters, as_of = ui.sidebar_filters(ctx)

st.title(ctx.t("overview.title"))
if as_of is None:
    st.info(ctx.t("overview.no_data"))
    st.stop()

overview = ui.cached_overview(ctx, filters, as_of)
st.caption(
    ctx.t(
        "overview.period",
        start=overview.period.start.isoformat(),
        end=overview.period.end.isoformat(),
        days=overview.period.days,
        prev_start=overview.previous_period.start.isoformat(),
        prev_end=overview.previous_period.end.isoformat(),
        as_of=overview.as_of.isoformat(),
    )
)
if not overview.previous_complete and overview.first_day is not None:
    st.caption(ctx.t("overview.previous_incomplete", first_day=overview.first_day.isoformat()))
ui.kpi_cards(ctx, overview.kpis)

trend = ui.cached_daily_trend(ctx, filters, as_of)
day = alt.X("day:T", title=ctx.t("chart.day"), axis=charts.date_axis(ctx.lang))
day_tip = charts.date_tooltip("day:T", ctx.t("chart.day"), ctx.lang)
left, right = st.columns(2)
with left:
    st.subheader(ctx.t("overview.dau_trend"))
    ui.chart(
        ctx,
        alt.Chart(trend)
        .mark_line(point=True)
        .encode(
            x=day,
            y=alt.Y("active_members:Q", title=ctx.t("chart.active_members")),
            tooltip=[
                day_tip,
                alt.Tooltip("active_members:Q", title=ctx.t("chart.active_members"), format=","),
            ],
        ),
        width="stretch",
    )
with right:
    st.subheader(ctx.t("overview.revenue_trend"))
    ui.chart(
        ctx,
        alt.Chart(trend)
        .mark_bar()
        .encode(
            x=day,
            y=alt.Y(
                "revenue:Q",
                title=ctx.money_label(ctx.t("chart.revenue")),
                axis=charts.money_axis(ctx.currency),
            ),
            tooltip=[
                day_tip,
                charts.money_tooltip(
                    "revenue:Q", ctx.money_label(ctx.t("chart.revenue")), ctx.currency
                ),
                alt.Tooltip("orders:Q", title=ctx.t("chart.orders"), format=","),
            ],
        ),
        width="stretch",
    )

st.subheader(ctx.t("overview.tier_mix"))
mix = ui.cached_tier_mix(ctx, filters, as_of)
mix["tier"] = mix["tier_code"].map(ctx.labeller("tier"))
ui.chart(
    ctx,
    alt.Chart(mix)
    .mark_bar()
    .encode(
        x=alt.X("members:Q", title=ctx.t("chart.members")),
        y=alt.Y("tier:N", title=ctx.t("chart.tier"), sort=mix["tier"].tolist()),
        color=alt.Color(
            "tier:N", scale=charts.tier_scale(mix["tier_code"], mix["tier"]), legend=None
        ),
        tooltip=[
            alt.Tooltip("tier:N", title=ctx.t("chart.tier")),
            alt.Tooltip("members:Q", title=ctx.t("chart.members"), format=","),
            alt.Tooltip("share:Q", title=ctx.t("chart.share"), format=".1%"),
        ],
    ),
    width="stretch",
)
st.caption(ctx.t("overview.tier_mix_note"))

with st.expander(ctx.t("overview.definitions")):
    st.write(ctx.t("overview.definitions_text"))

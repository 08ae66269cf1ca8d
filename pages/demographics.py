"""Demographics and search: purchase rate by gender and age band per category, the top
search keywords and their weekly trend."""

import altair as alt
import streamlit as st

from core import charts, ui

ctx = ui.page_guard("demographics")
filters, as_of = ui.sidebar_filters(ctx)

st.title(ctx.t("demographics.title"))
if as_of is None:
    st.info(ctx.t("analytics.no_data"))
    st.stop()
period = filters.period(as_of)
st.caption(ctx.t("analytics.period", start=period.start, end=period.end, as_of=as_of))

rates = ui.cached_view(ctx, "purchase_rates", filters, as_of)
rates = ui.labelled(ctx, rates, {"gender": "gender", "age_band": "age_band"})
keywords = ui.cached_view(ctx, "top_keywords", filters, as_of)
held = not ui.lacks_data(ctx, "purchase_rates") and not ui.lacks_data(ctx, "keywords")
if held and rates.empty and keywords.empty:
    st.info(ctx.t("analytics.empty"))
    st.stop()

st.subheader(ctx.t("demographics.rates"))
if ui.missing_data_note(ctx, "purchase_rates"):
    pass
elif rates.empty:
    st.info(ctx.t("analytics.empty"))
else:
    categories = sorted(rates["category"].unique())
    category = st.selectbox(
        ctx.t("demographics.category"),
        categories,
        **ui.url_bound(ctx, "demo_category", values=categories),
    )
    chosen = rates[rates["category"] == category]
    bands = ["<18", "18-24", "25-34", "35-44", "45-54", "55+", ctx.label("age_band", "unknown")]
    base = alt.Chart(chosen).encode(
        x=alt.X("age_band:N", title=ctx.t("chart.age_band"), sort=bands),
        y=alt.Y("gender:N", title=ctx.t("chart.gender")),
        tooltip=[
            alt.Tooltip("gender:N", title=ctx.t("chart.gender")),
            alt.Tooltip("age_band:N", title=ctx.t("chart.age_band")),
            alt.Tooltip("members:Q", title=ctx.t("chart.members"), format=","),
            alt.Tooltip("buyers:Q", title=ctx.t("chart.buyers"), format=","),
            alt.Tooltip("purchase_rate:Q", title=ctx.t("chart.purchase_rate"), format=".1%"),
        ],
    )
    ui.chart(
        ctx,
        base.mark_rect().encode(
            color=alt.Color(
                "purchase_rate:Q",
                title=ctx.t("chart.purchase_rate"),
                scale=alt.Scale(scheme="purples"),
                legend=charts.rate_legend(),
            ),
            opacity=charts.small_sample_opacity("members"),
        )
        + base.mark_text().encode(
            text=alt.Text("purchase_rate:Q", format=charts.RATE_FORMAT),
            opacity=charts.small_sample_opacity("members"),
        ),
        width="stretch",
    )
    st.caption(ctx.t("demographics.note"))
    ui.table_behind(ctx, rates, "purchase_rates")

st.subheader(ctx.t("demographics.keywords"))
if ui.missing_data_note(ctx, "keywords"):
    st.stop()
if keywords.empty:
    st.info(ctx.t("demographics.no_searches"))
    st.stop()
ui.chart(
    ctx,
    alt.Chart(keywords)
    .mark_bar()
    .encode(
        x=alt.X("searches:Q", title=ctx.t("chart.searches")),
        y=alt.Y("keyword:N", title=ctx.t("chart.keyword"), sort="-x"),
        tooltip=[
            alt.Tooltip("keyword:N", title=ctx.t("chart.keyword")),
            alt.Tooltip("searches:Q", title=ctx.t("chart.searches"), format=","),
            alt.Tooltip("members:Q", title=ctx.t("chart.members"), format=","),
            alt.Tooltip("share:Q", title=ctx.t("chart.share"), format=".1%"),
            alt.Tooltip("change:Q", title=ctx.t("chart.change"), format="+.1%"),
        ],
    ),
    width="stretch",
)
ui.table_behind(ctx, keywords, "top_keywords")

st.subheader(ctx.t("demographics.keyword_trend"))
trend = ui.cached_view(ctx, "keyword_trend", filters, as_of)
ui.chart(
    ctx,
    alt.Chart(trend.dropna(subset=["searches"]))
    .mark_line(point=True)
    .encode(
        x=alt.X(
            "period:T",
            title=ctx.t("chart.period"),
            axis=charts.date_axis(ctx.lang, charts.period_ticks(trend["period"])),
        ),
        y=alt.Y("searches:Q", title=ctx.t("chart.searches")),
        color=alt.Color("keyword:N", title=ctx.t("chart.keyword")),
        tooltip=[
            charts.date_tooltip("period:T", ctx.t("chart.period"), ctx.lang),
            alt.Tooltip("keyword:N", title=ctx.t("chart.keyword")),
            alt.Tooltip("searches:Q", title=ctx.t("chart.searches"), format=","),
        ],
    ),
    width="stretch",
)
st.caption(ctx.t("analytics.incomplete_note"))
ui.table_behind(ctx, trend, "keyword_trend")

"""LTV forecast: predicted 12-month value (BG/NBD × Gamma-Gamma) by cohort, channel, tier."""

import altair as alt
import streamlit as st

from core import charts, churn, ui

ctx = ui.page_guard("ltv_forecast")
filters, as_of = ui.sidebar_filters(ctx)

st.title(ctx.t("ltvf.title"))
if as_of is None:
    st.info(ctx.t("overview.no_data"))
    st.stop()
st.caption(ctx.t("ltvf.intro"))

fit = ui.cached_churn_fit(ctx, as_of)
if fit is None:
    st.info(ctx.t("churn.no_fit"))
    st.page_link("pages/models.py", label=ctx.t("page.models"), icon=":material/model_training:")
    st.stop()

dimension = (
    st.segmented_control(
        ctx.t("ltvf.by"),
        churn.LTV_DIMENSIONS,
        format_func=lambda code: ctx.t(f"ltvf.by.{code}"),
        **ui.url_bound(ctx, "ltvf_by"),
    )
    or "channel"
)
groups = ui.cached_ltv_by_group(ctx, fit.run_id, filters, dimension)
groups = ui.labelled(ctx, groups, {"group": dimension})

columns = st.columns(3)
columns[0].metric(
    ctx.t("ltvf.total"), ctx.money_card(groups["predicted_ltv_12m"].sum()), border=True
)
members = groups["members"].sum()
columns[1].metric(
    ctx.t("ltvf.per_member"),
    ctx.money_card(groups["predicted_ltv_12m"].sum() / members if members else None),
    border=True,
)
columns[2].metric(ctx.t("ltvf.buyers"), ctx.count_card(groups["buyers"].sum()), border=True)

ui.chart(
    ctx,
    alt.Chart(groups)
    .mark_bar()
    .encode(
        x=alt.X("group:N", title=ctx.t(f"ltvf.by.{dimension}"), sort=None),
        y=alt.Y(
            "ltv_per_member:Q",
            title=ctx.money_label(ctx.t("ltvf.per_member")),
            axis=charts.money_axis(ctx.currency),
        ),
        tooltip=[
            alt.Tooltip("group:N", title=ctx.t(f"ltvf.by.{dimension}")),
            alt.Tooltip("members:Q", title=ctx.t("chart.members"), format=","),
            charts.money_tooltip("ltv_per_member:Q", ctx.t("ltvf.per_member"), ctx.currency),
            alt.Tooltip("mean_p_alive:Q", title=ctx.t("ltvf.p_alive"), format=".1%"),
        ],
    ),
    width="stretch",
)
ui.table_behind(ctx, groups, f"ltv_forecast_{dimension}")

"""Churn prediction: Kaplan-Meier curves by group, Cox hazard ratios and the at-risk list."""

import altair as alt
import streamlit as st

from core import churn, exports, permissions, segments, ui
from core import models_view as churn_view

ctx = ui.page_guard("churn")
filters, as_of = ui.sidebar_filters(ctx)

st.title(ctx.t("churn.title"))
if as_of is None:
    st.info(ctx.t("overview.no_data"))
    st.stop()
window = ui.cached_churn_window(ctx, as_of)
source = ctx.t(
    f"churn.window.{window.source}",
    gaps=ctx.int(window.gaps),
    percentile=ctx.number(window.percentile_days or 0, 0),
)
st.caption(ctx.t("churn.definition", days=window.days, source=source, as_of=as_of.isoformat()))

st.subheader(ctx.t("churn.km_title"))
by = (
    st.segmented_control(
        ctx.t("churn.km_by"),
        churn.KM_GROUPS,
        format_func=lambda code: ctx.t(f"churn.by.{code}"),
        **ui.url_bound(ctx, "churn_km_by"),
    )
    or "device"
)
segment = None
if by == "segment":
    saved = {s.segment_id: s.name for s in segments.list_segments(ctx.store)}
    if not saved:
        st.info(ctx.t("churn.km_no_segments"))
        st.stop()
    chosen = st.selectbox(
        ctx.t("churn.km_segment"),
        list(saved),
        format_func=lambda sid: saved[sid],
        **ui.url_bound(ctx, "churn_km_segment", int, values=list(saved)),
    )
    segment = (chosen, saved[chosen], ctx.t("churn.km_others"))
km = ui.cached_kaplan_meier(ctx, filters, as_of, by, segment)
groups = {} if by == "segment" else {"group": by}
curves = ui.labelled(ctx, km.curves, groups)
band = alt.Chart(curves).mark_area(opacity=0.15, interpolate="step-after")
line = alt.Chart(curves).mark_line(interpolate="step-after")
x = alt.X("days:Q", title=ctx.t("chart.days_since_signup"))
color = alt.Color("group:N", title=ctx.t("chart.group"))
ui.chart(
    ctx,
    band.encode(x=x, y="lower:Q", y2="upper:Q", color=color)
    + line.encode(
        x=x,
        y=alt.Y("survival:Q", title=ctx.t("chart.survival"), scale=alt.Scale(domain=[0, 1])),
        color=color,
        tooltip=[
            alt.Tooltip("group:N", title=ctx.t("chart.group")),
            alt.Tooltip("days:Q", title=ui.header(ctx, "days")),
            alt.Tooltip("survival:Q", title=ctx.t("chart.survival"), format=".1%"),
        ],
    ),
    width="stretch",
)
if km.logrank_p is not None:
    st.caption(
        ctx.t(
            "churn.logrank", statistic=ctx.number(km.logrank_statistic, 1), p=f"{km.logrank_p:.2g}"
        )
    )
st.caption(ctx.t("churn.km_groups"))
km_groups = churn_view.km_groups_table(ctx, ui.labelled(ctx, km.groups, groups))
st.dataframe(km_groups, hide_index=True, width="stretch")
if (km.groups["first_day_only"] > 0.5).any():
    st.caption(ctx.t("churn.km_first_day_only"))

fit = ui.cached_churn_fit(ctx, as_of)
if fit is None:
    st.info(ctx.t("churn.no_fit"))
    st.page_link("pages/models.py", label=ctx.t("page.models"), icon=":material/model_training:")
    st.stop()

at_risk = ui.cached_at_risk(ctx, fit.run_id, filters, 0.0)
holdout = fit.holdout.set_index("model")
columns = st.columns(4)
columns[0].metric(ctx.t("churn.kpi.active"), ctx.count_card(len(at_risk)), border=True)
columns[1].metric(
    ctx.t("churn.kpi.expected", days=fit.churn_days),
    ctx.count_card(at_risk["churn_probability"].sum()),
    border=True,
)
columns[2].metric(
    ctx.t("churn.kpi.value_at_risk"), ctx.money_card(at_risk["value_at_risk"].sum()), border=True
)
concordance = holdout["concordance"].get("cox") if not holdout.empty else None
columns[3].metric(
    ctx.t("churn.kpi.holdout"),
    "—" if concordance is None or concordance != concordance else ctx.number(concordance, 3),
    border=True,
)

st.subheader(ctx.t("churn.hr_title"))
ratios = fit.hazard_ratios
if ratios.empty:
    st.info(ctx.t("churn.no_cox", reason=churn_view.why_not(ctx, fit, "cox")))
else:
    ratios = ui.labelled(ctx, ratios, {"covariate": "covariate"})
    base = alt.Chart(ratios).encode(
        y=alt.Y(
            "covariate:N",
            title=ctx.t("chart.covariate"),
            sort="-x",
            axis=alt.Axis(labelLimit=320),  # a driver's whole name
        ),
    )
    ui.chart(
        ctx,
        base.mark_rule().encode(
            x=alt.X("lower:Q", title=ctx.t("chart.hazard_ratio"), scale=alt.Scale(type="log")),
            x2="upper:Q",
        )
        + base.mark_point(filled=True).encode(
            x="hazard_ratio:Q",
            tooltip=[
                alt.Tooltip("covariate:N", title=ctx.t("chart.covariate")),
                alt.Tooltip("hazard_ratio:Q", title=ctx.t("chart.hazard_ratio"), format=".3f"),
                alt.Tooltip("lower:Q", title=ui.header(ctx, "lower"), format=".3f"),
                alt.Tooltip("upper:Q", title=ui.header(ctx, "upper"), format=".3f"),
                alt.Tooltip("p:Q", title=ui.header(ctx, "p"), format=".2g"),
            ],
        )
        + alt.Chart().mark_rule(strokeDash=[4, 4]).encode(x=alt.datum(1)),
        width="stretch",
    )
    reference = ", ".join(
        ctx.label("covariate", f"{k}={v}") for k, v in fit.summary["cox"]["reference"].items()
    )
    st.caption(ctx.t("churn.hr_note", reference=reference))
    failing = fit.summary["cox"]["ph_failing"]
    if failing:
        st.warning(ctx.t_md("churn.ph_fails", names=ctx.label("drivers", "|".join(failing))))
    else:
        st.caption(ctx.t("churn.ph_ok"))

st.subheader(ctx.t("churn.at_risk_title"))
st.caption(ctx.t("churn.at_risk_note", days=fit.churn_days))
minimum = st.slider(ctx.t("churn.min_probability"), 0.0, 1.0, 0.3, 0.05, key="churn_min_p")
listed = at_risk[at_risk["churn_probability"] >= minimum].drop(columns=["active"]).copy()
CODES = {"tier": "tier", "channel": "channel", "device": "device", "action": "action"}
ui.table(ctx, listed.head(500), {**CODES, "drivers": "drivers"})
shown = ui.headed(ctx, ui.labelled(ctx, listed, {**CODES, "drivers": "drivers"}))
if ctx.can(permissions.Capability.VIEW_PII):
    st.download_button(
        ctx.t("churn.download"),
        data=exports.csv_bytes(shown),
        file_name=f"memberlens_at_risk_{as_of.isoformat()}.csv",
        mime="text/csv",
        key="churn_download",
        on_click="ignore",
    )
else:
    st.caption(ctx.t("churn.export_by_request"))

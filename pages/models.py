"""Models: what each churn/LTV model is, when and on what it was fitted, its holdout
quality, and a refit button. The fit runs in a background worker (``ui.start_churn_fit``);
this page polls it from a fragment, so nobody's page waits for it."""

import streamlit as st

from core import churn, models_view, ui

ctx = ui.page_guard("models")
_, as_of = ui.sidebar_filters(ctx)

st.title(ctx.t("models.title"))
if as_of is None:
    st.info(ctx.t("overview.no_data"))
    st.stop()
st.caption(ctx.t("models.intro"))


@st.fragment(run_every=2)
def fit_status() -> None:
    job = ui.churn_job(ctx, as_of)
    if job is None:
        return
    if job.error:
        st.error(ctx.t_md("models.failed", error=job.error))
    elif not job.done:
        step = ctx.t(f"models.step.{job.step}")
        st.progress(
            job.fraction,
            text=ctx.t("models.running", step=step, percent=ctx.percent(job.fraction, 0)),
        )
        st.caption(ctx.t("models.background"))
    elif st.session_state.get("models_seen_run") != job.run_id:
        st.session_state["models_seen_run"] = job.run_id
        st.rerun()


if st.button(ctx.t("models.refit"), type="primary", key="models_refit"):
    ui.start_churn_fit(ctx, as_of)
fit_status()

fit = ui.cached_churn_fit(ctx, as_of)
if fit is None:
    st.info(ctx.t("churn.no_fit"))
    st.stop()

st.caption(
    ctx.t(
        "models.fitted",
        fitted_at=ui.local_time(ctx, fit.fitted_at).strftime("%Y-%m-%d %H:%M"),
        zone=ctx.store.business_tz,
        by=fit.fitted_by or "—",
        as_of=fit.as_of.isoformat(),
        seconds=ctx.number(fit.fit_seconds, 1),
    )
)

summary = fit.summary
window = fit.window
source = ctx.t(
    f"churn.window.{window['source']}",
    gaps=ctx.int(window.get("gaps") or 0),
    percentile=ctx.number(window.get("percentile_days") or 0, 0),
)
st.info(ctx.t("churn.definition", days=fit.churn_days, source=source, as_of=fit.as_of.isoformat()))

st.subheader(ctx.t("models.score_title"))
score = summary["score"]
st.write(
    ctx.t(
        "models.score_text",
        days=fit.churn_days,
        model=ctx.t(f"models.model.{score['model']}"),
        selected_by=ctx.t(f"models.selected_by.{score['selected_by']}"),
        landmark=score["training_landmark"],
        members=ctx.int(score["training_members"]),
        rate=ctx.percent(score["training_stay_away_rate"] or 0),
    )
)
st.caption(ctx.t("models.baseline_text"))

st.subheader(ctx.t("models.holdout_title"))
holdout = summary.get("holdout")
if holdout is None:
    st.info(ctx.t("models.no_holdout", reason=models_view.why_not(ctx, fit, "holdout")))
else:
    st.caption(
        ctx.t(
            "models.holdout_note",
            train_landmark=holdout["train_landmark"],
            train_end=holdout["train_outcome_end"],
            train_members=ctx.int(holdout["train_members"]),
            test_landmark=holdout["test_landmark"],
            test_members=ctx.int(holdout["test_members"]),
            churn_rate=ctx.percent(holdout["test_churn_rate"]),
            days=fit.churn_days,
        )
    )
    st.dataframe(models_view.holdout_table(ctx, fit), hide_index=True, width="stretch")

st.subheader(ctx.t("models.left_out_title"))
lines = models_view.left_out_lines(ctx, fit)
for line in lines:
    st.write(line)
if not lines:
    st.caption(ctx.t("models.left_out_none"))

cox = summary.get("cox")
st.subheader(ctx.t("models.cox_title"))
if cox is None:
    st.info(ctx.t("churn.no_cox", reason=models_view.why_not(ctx, fit, "cox")))
else:
    st.write(
        ctx.t(
            "models.cox_text",
            landmark=cox["training_landmark"],
            members=ctx.int(cox["training_members"]),
            events=ctx.int(cox["training_events"]),
            concordance=ctx.number(cox["concordance_train"], 3),
        )
    )
    if cox.get("ph_failing"):
        names = ctx.label("drivers", "|".join(cox["ph_failing"]))
        st.warning(ctx.t_md("churn.ph_fails", names=names))
    else:
        st.caption(ctx.t("churn.ph_ok"))

st.subheader(ctx.t("models.bgnbd_title"))
if summary.get("bgnbd") is None:
    st.info(ctx.t("models.not_fitted", model="BG/NBD", reason=models_view.why_not(ctx, fit, "ltv")))
else:
    st.write(
        ctx.t(
            "models.bgnbd_text",
            customers=ctx.int(summary["bgnbd"]["customers"]),
            repeat=ctx.int((summary.get("gamma_gamma") or {}).get("customers") or 0),
        )
    )
    if summary.get("gamma_gamma") is None:
        st.caption(
            ctx.t(
                "models.not_fitted",
                model="Gamma-Gamma",
                reason=models_view.why_not(ctx, fit, "ltv"),
            )
        )
parameters = churn.model_parameters(fit)
ui.table_behind(ctx, parameters, "model_parameters")

steps = churn.fit_steps(fit)
steps["step"] = [ctx.t(f"models.step.{name}") for name in steps["step"]]
ui.table(ctx, steps, hide_index=True, width="stretch", placeholder="")

"""Audit log (admins): filter, check the hash chain, export. Personal values in the log are
stored masked, so the table and the export never hold them in the clear.

The log stores UTC times; the page shows them, and filters days, in the store's business
time zone and names that zone. Actions, fields and their before/after values are labels;
the downloaded file is the table as shown (translated headers and labels)."""

import json

import streamlit as st

from core import approvals, audit, labels, ui

ctx = ui.page_guard("audit")
LIMIT = 5000
zone = ctx.store.business_tz

st.title(ctx.t("page.audit"))
st.caption(ctx.t("audit.time_zone", zone=zone))

with st.expander(ctx.t("audit.filters"), expanded=True):
    left, middle, right = st.columns(3)
    start = left.date_input(ctx.t("audit.from_zone", zone=zone), value=None, key="audit_from")
    end = left.date_input(ctx.t("audit.to_zone", zone=zone), value=None, key="audit_to")
    actor = middle.text_input(ctx.t("audit.actor"), max_chars=64, key="audit_actor")
    group = middle.selectbox(
        ctx.t("audit.action"),
        [None, *audit.ACTION_GROUPS],
        format_func=lambda g: ctx.t("audit.all") if g is None else ctx.t(f"audit.group.{g}"),
        key="audit_group",
    )
    target = right.text_input(ctx.t("audit.target"), max_chars=64, key="audit_target")

rows = ui.attempt(
    ctx,
    audit.audit_rows,
    ctx.store,
    ctx.role,
    start=start,
    end=end,
    actor=actor.strip() or None,
    action_group=group,
    target=target.strip() or None,
    limit=LIMIT,
    time_zone=zone,
)
if rows is None:
    st.stop()
st.caption(ctx.t("audit.rows", n=ctx.int(len(rows)), limit=ctx.int(LIMIT)))
shown = rows.rename(columns={"action": "audit_action"})
shown = ui.labelled(ctx, shown, {"audit_action": "audit_action", "role": "role"})
for column in ("before_json", "after_json"):
    shown[column] = [labels.audit_values(value, ctx.lang, ctx.store) for value in shown[column]]
# a request's summary is stored in English for the log; show it in the page's language
for index in shown.index[rows["action"] == "approval.request"]:
    request_id = str(rows.at[index, "target"] or "").removeprefix("request:")
    request = approvals.get_request(ctx.store, int(request_id)) if request_id.isdigit() else None
    if request is not None:
        after = {"kind": request.kind, "summary": ui.approval_summary(ctx, request)}
        shown.at[index, "after_json"] = labels.audit_values(json.dumps(after), ctx.lang, ctx.store)
shown = ui.log_table(ctx, shown, zone)

left, right = st.columns(2)
if left.button(ctx.t("audit.verify"), key="audit_verify"):
    report = audit.verify_chain(ctx.store)
    if report.ok:
        left.success(ctx.t("audit.chain_ok", rows=ctx.int(report.rows)))
    elif report.first_broken is None:
        left.error(ctx.t_md("audit.chain_unverified", problem=report.problem))
    else:
        left.error(ctx.t_md("audit.chain_broken", row=report.first_broken, problem=report.problem))
if right.button(ctx.t("audit.prepare"), key="audit_prepare"):
    data = ui.attempt(ctx, audit.audit_export, ctx.store, ctx.role, shown, ctx.account.username)
    if data is not None:
        right.download_button(
            ctx.t("audit.download"),
            data=data,
            file_name="memberlens_audit.csv",
            mime="text/csv",
            on_click="ignore",
            key="audit_download",
        )

"""Approvals: requests one may see (one's own, and those one may approve), what each will
do, and the approve / reject / withdraw / export actions. ``core.approvals`` enforces who
may do what and that each request runs once."""

import json

import streamlit as st

from core import approvals, formats, members, ui
from core.permissions import Capability

ctx = ui.page_guard("approvals")
user = ctx.account.username

st.title(ctx.t("page.approvals"))
if message := st.session_state.pop("approvals_message", None):
    st.success(message)

# -- a new personal-data export request ----------------------------------------------------
if ctx.can(Capability.REQUEST_MEMBER_EXPORT):
    with st.expander(ctx.t("approvals.new_export")):
        from core import segments

        saved = {s.segment_id: s.name for s in segments.list_segments(ctx.store)}
        if not saved:
            st.caption(ctx.t("members.no_segments"))
        else:
            with st.form("approvals_export_request"):
                segment_id = st.selectbox(
                    ctx.t("members.segment"), list(saved), format_func=lambda i: saved[i]
                )
                columns = st.multiselect(
                    ctx.t("approvals.export_columns"),
                    members.EXPORT_COLUMNS,
                    format_func=lambda c: ctx.t(f"members.field.{c}"),
                )
                reason = st.text_input(ctx.t("common.reason"), max_chars=500)
                if st.form_submit_button(ctx.t("tier_rules.submit")):
                    request_id = ui.attempt(
                        ctx, members.request_member_export, ctx.store, user, ctx.role,
                        segment_id, columns, reason, ctx.store.last_event_day(),
                    )  # fmt: skip
                    if request_id is not None:
                        st.success(ctx.t("members.requested", id=request_id))

# -- the list -------------------------------------------------------------------------------
choice = st.selectbox(
    ctx.t("approvals.filter"),
    [None, *approvals.STATUSES],
    format_func=lambda s: ctx.t("approvals.all") if s is None else ctx.t(f"approvals.status.{s}"),
    key="approvals_status",
)
requests = ui.attempt(ctx, approvals.list_requests, ctx.store, user, ctx.role, choice)
if requests is None:
    st.stop()
if requests.empty:
    st.info(ctx.t("approvals.none"))
    st.stop()


def act(action, row, *args) -> None:
    """Run ``action`` on one request; on a change of status, rerun with a message."""
    request_id = int(row.request_id)
    ui.attempt(ctx, action, ctx.store, user, ctx.role, request_id, *args)
    if approvals.get_request(ctx.store, request_id).status != row.status:
        st.session_state["approvals_message"] = ctx.t("approvals.done", id=request_id)
        st.rerun()


zone = ctx.store.business_tz


def when(moment) -> str:
    """A stored UTC time in the business time zone, to the minute."""
    if moment is None or moment != moment:
        return "—"
    return formats.moment(ui.local_time(ctx, moment))


def summary_text(row) -> str:
    request = approvals.get_request(ctx.store, int(row.request_id))
    return ui.approval_summary(ctx, request) if request else row.summary


for row in requests.itertuples():
    header = ctx.t_md(
        "approvals.header",
        id=row.request_id,
        kind=ctx.t(f"approvals.kind.{row.kind}"),
        status=ctx.t(f"approvals.status.{row.status}"),
        by=row.requested_by,
        at=when(row.requested_at),
        zone=zone,
    )
    with st.expander(header, expanded=row.status in ("pending", "approved")):
        st.markdown(
            ctx.t_md(
                "approvals.details",
                summary=summary_text(row),
                reason=row.reason,
                expires=when(row.expires_at),
                zone=zone,
            )
        )
        if row.decided_by:
            st.caption(
                ctx.t_md(
                    "approvals.decision",
                    by=row.decided_by,
                    at=when(row.decided_at),
                    zone=zone,
                    note=row.decision_note or "—",
                )
            )
        if row.result:
            st.caption(ctx.t_md("approvals.result", result=json.loads(row.result)))
        own = row.requested_by == user
        rid = int(row.request_id)
        if row.status == "pending":
            if own:
                st.caption(ctx.t("approvals.own"))
                if st.button(ctx.t("approvals.withdraw"), key=f"approvals_withdraw_{rid}"):
                    act(approvals.reject, row, "withdrawn")
            elif approvals.may_approve(ctx.role, row.kind):
                note = st.text_input(ctx.t("approvals.note"), key=f"approvals_note_{rid}")
                left, right = st.columns(2)
                if left.button(
                    ctx.t("approvals.approve"), key=f"approvals_approve_{rid}", type="primary"
                ):
                    act(approvals.approve, row, note or None)
                if right.button(ctx.t("approvals.reject"), key=f"approvals_reject_{rid}"):
                    act(approvals.reject, row, note or None)
        elif row.status == "approved" and own and row.kind == "member_export":
            if st.button(ctx.t("approvals.run_export"), key=f"approvals_run_{rid}"):
                outcome = ui.attempt(ctx, approvals.execute, ctx.store, user, ctx.role, rid)
                if outcome is not None:
                    st.success(ctx.t("approvals.export_ready", rows=outcome.result["rows"]))
                    st.download_button(
                        ctx.t("approvals.download"),
                        data=ui.shown_csv(ctx, outcome.data),
                        file_name=f"member_export_{rid}.csv",
                        mime="text/csv",
                        on_click="ignore",
                        key=f"approvals_download_{rid}",
                    )

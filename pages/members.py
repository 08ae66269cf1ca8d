"""Member look-up: search, the member's profile, and (operator, admin) the edit forms.

Support sees the profile with personal data; operators see it masked and may edit;
every edit needs a reason and is checked and audited in ``core.members``.
"""

import streamlit as st

from core import members, privacy, ui
from core.permissions import Capability

ctx = ui.page_guard("members")
user = ctx.account.username
can_edit = ctx.can(Capability.EDIT_MEMBERS)

st.title(ctx.t("page.members"))

if can_edit:
    with st.expander(ctx.t("members.bulk_title")):
        from core import segments

        saved = {segment.segment_id: segment.name for segment in segments.list_segments(ctx.store)}
        if not saved:
            st.caption(ctx.t("members.no_segments"))
        else:
            with st.form("members_bulk"):
                segment_id = st.selectbox(
                    ctx.t("members.segment"), list(saved), format_func=lambda i: saved[i]
                )
                bulk_status = st.selectbox(
                    ctx.t("members.new_status"),
                    members.STATUSES,
                    format_func=lambda code: ctx.t(f"members.status.{code}"),
                )
                bulk_reason = st.text_input(ctx.t("common.reason"), max_chars=500)
                if st.form_submit_button(ctx.t("tier_rules.submit")):
                    request_id = ui.attempt(
                        ctx, members.request_bulk_status, ctx.store, user, ctx.role,
                        segment_id, bulk_status, bulk_reason, ctx.store.last_event_day(),
                    )  # fmt: skip
                    if request_id is not None:
                        st.success(ctx.t("members.requested", id=request_id))
query = st.text_input(ctx.t("members.search"), key="members_query", max_chars=100)
st.caption(ctx.t("members.search_hint"))
if not query.strip():
    st.stop()

found = ui.attempt(ctx, members.search_members, ctx.store, user, ctx.role, query)
if found is None:
    st.stop()
if found.empty:
    st.info(ctx.t("members.no_match"))
    st.stop()
shown = ui.labelled(ctx, found.drop(columns=["member_key"]), ui.ATTRIBUTE_KINDS)
ui.table(ctx, shown, hide_index=True, width="stretch", placeholder="")
labels = dict(zip(found["member_key"], found["member_id"], strict=True))
member_key = st.selectbox(
    ctx.t("members.pick"), list(labels), format_func=lambda key: labels[key], key="members_pick"
)
profile = ui.attempt(ctx, members.member_profile, ctx.store, user, ctx.role, member_key)
if profile is None:
    st.stop()
# The version of the member the forms were filled from is the one the previous run showed
# (a submit reruns the page, and this run's profile may already hold someone else's save).
shown = st.session_state.get("members_shown", {})
based_on = shown.get(member_key, profile.version)
st.session_state["members_shown"] = {member_key: profile.version}


def saved_now(message: str) -> None:
    """After a save of ours, the next submit is based on the version we wrote; the page runs
    again at once so that the profile above the forms shows the new state."""
    st.session_state["members_shown"] = {member_key: members.member_version(ctx.store, member_key)}
    ui.saved(message)


st.subheader(ctx.t("members.attributes"))
if profile.erased:
    st.warning(ctx.t("members.erased"))
    if ctx.can(Capability.APPROVE_REQUESTS) and privacy.compact_due(ctx.store):
        st.info(ctx.t("privacy.compact_due"))
left, right = st.columns(2)
items = list(profile.attributes.items())
half = (len(items) + 1) // 2
for column, part in ((left, items[:half]), (right, items[half:])):
    column.dataframe(ui.attribute_rows(ctx, dict(part)), hide_index=True, width="stretch")
st.caption(
    ctx.t("members.spend", spend=ctx.money(profile.spend_12m), orders=ctx.int(profile.orders_12m))
)
st.subheader(ctx.t("members.tier_history"))
TIERS = {"from_tier": "tier", "to_tier": "tier"}
ui.table(ctx, profile.tier_history, TIERS)
with st.expander(ctx.t("members.recent")):
    ui.table(ctx, profile.recent_days, hide_index=True, width="stretch")

# -- edits (the forms are shown to view-only roles disabled; core.members refuses them) ----
st.divider()
if not can_edit:
    st.caption(ctx.t("common.view_only"))
locked = not can_edit or profile.erased

st.subheader(ctx.t("members.edit_contact"))
with st.form("members_contact", clear_on_submit=True):
    st.caption(ctx.t("members.contact_hint"))
    typed = {
        field: st.text_input(
            ctx.t(f"members.field.{field}"),
            placeholder=str(profile.attributes.get(field) or ""),
            max_chars=members.MAX_TEXT,
            disabled=locked,
        )
        for field in members.CONTACT_FIELDS
    }
    reason = st.text_input(ctx.t("common.reason"), max_chars=500, disabled=locked)
    if st.form_submit_button(ctx.t("common.submit"), disabled=locked):
        changes = {field: value for field, value in typed.items() if value.strip()}
        changed = ui.attempt(
            ctx, members.update_contact, ctx.store, user, ctx.role, member_key, changes, reason,
            based_on=based_on,
        )  # fmt: skip
        if changed is not None:
            saved_now(ctx.t("members.changed", fields=", ".join(changed) or "—"))

st.subheader(ctx.t("members.edit_status"))
with st.form("members_status"):
    status = st.selectbox(
        ctx.t("members.new_status"),
        members.STATUSES,
        index=members.STATUSES.index(profile.attributes["status"])
        if profile.attributes["status"] in members.STATUSES
        else 0,
        format_func=lambda code: ctx.t(f"members.status.{code}"),
        disabled=locked,
    )
    reason = st.text_input(ctx.t("common.reason"), max_chars=500, disabled=locked)
    if st.form_submit_button(ctx.t("common.submit"), disabled=locked):
        done = ui.attempt(
            ctx, members.set_status, ctx.store, user, ctx.role, member_key, status, reason,
            based_on=based_on,
        )  # fmt: skip
        if done is not None:
            saved_now(ctx.t("common.saved") if done else ctx.t("members.no_change"))

st.subheader(ctx.t("members.edit_tier"))
override = profile.attributes.get("tier_override")
if override:
    st.caption(ctx.t("members.current_override", tier=override))
with st.form("members_tier"):
    choices = [*members.tier_codes(ctx.store), None]
    current = override or profile.attributes.get("tier")
    tier = st.selectbox(
        ctx.t("members.tier_choice"),
        choices,
        index=choices.index(current) if current in choices else 0,
        format_func=lambda code: code or ctx.t("members.remove_override"),
        disabled=locked,
    )
    reason = st.text_input(ctx.t("common.reason"), max_chars=500, disabled=locked)
    if st.form_submit_button(ctx.t("common.submit"), disabled=locked):
        new_tier = ui.attempt(
            ctx, members.override_tier, ctx.store, user, ctx.role, member_key, tier, reason,
            based_on=based_on,
        )  # fmt: skip
        if new_tier is not None:
            saved_now(ctx.t("common.saved"))

# -- PIPL / GDPR requests about this member ------------------------------------------------
st.divider()
st.subheader(ctx.t("privacy.title"))
if privacy.may_export(ctx.role):
    if st.button(ctx.t("privacy.export"), key="privacy_export"):
        data = ui.attempt(ctx, privacy.export_member, ctx.store, user, ctx.role, member_key)
        if data is not None:
            st.download_button(
                ctx.t("privacy.download"),
                data=data,
                file_name=f"member_{labels[member_key]}.zip",
                mime="application/zip",
                on_click="ignore",
                key="privacy_download",
            )
with st.form("privacy_erase"):
    st.caption(ctx.t("privacy.erase_hint"))
    reason = st.text_input(ctx.t("common.reason"), max_chars=500, disabled=locked)
    if st.form_submit_button(ctx.t("privacy.erase"), disabled=locked):
        request_id = ui.attempt(
            ctx, privacy.request_erasure, ctx.store, user, ctx.role, member_key, reason
        )
        if request_id is not None:
            st.success(ctx.t("members.requested", id=request_id))

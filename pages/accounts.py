"""Accounts (admins): create, set role, disable or enable, reset the password or the second
factor; the TOTP policy for admins and one's own TOTP enrolment. Every change is checked
and audited in ``core.auth``, and ends the changed account's sessions."""

import time

import pandas as pd
import streamlit as st

from core import auth, ui
from core.permissions import ROLES

ctx = ui.page_guard("accounts")
user = ctx.account.username
DONE_KEY = "accounts_done"

st.title(ctx.t("page.accounts"))
if message := st.session_state.pop(DONE_KEY, None):
    st.success(message)


def finished(message_key: str, **values) -> None:
    st.session_state[DONE_KEY] = ctx.t_md(message_key, **values)
    st.rerun()


# -- own second factor (first, so a required enrolment is the first thing seen) -----------
st.subheader(ctx.t("totp.title"))
if auth.totp_enabled(ctx.store, user):
    st.caption(ctx.t("totp.on"))
else:
    st.caption(ctx.t("totp.off"))
    if st.button(ctx.t("totp.start"), key="accounts_totp_start"):
        secret = ui.attempt(ctx, auth.start_totp, ctx.store, user)
        if secret is not None:
            st.session_state["accounts_totp_secret"] = secret
    if pending := st.session_state.get("accounts_totp_secret"):
        secret, uri = pending
        st.code(ctx.t("totp.secret", secret=secret) + "\n" + uri, language=None)
        with st.form("accounts_totp_confirm", clear_on_submit=True):
            code = st.text_input(ctx.t("totp.code"), max_chars=8)
            if st.form_submit_button(ctx.t("totp.confirm")):
                epoch = ui.attempt(ctx, auth.confirm_totp, ctx.store, user, code)
                if epoch is not None:  # earlier sessions ended; this one continues
                    ui.renew_session(ctx.account, max(time.time(), auth.to_epoch(epoch)))
                    st.session_state.pop("accounts_totp_secret", None)
                    finished("totp.enabled")
required = st.toggle(
    ctx.t("accounts.require_totp"),
    value=auth.totp_required_for_admins(ctx.store),
    key="accounts_require_totp",
)
if required != auth.totp_required_for_admins(ctx.store):
    ui.attempt(ctx, auth.set_totp_required_for_admins, ctx.store, ctx.role, required, user)
    st.rerun()

# -- all accounts ---------------------------------------------------------------------------
st.divider()
st.subheader(ctx.t("accounts.list"))
accounts = auth.list_accounts(ctx.store)
st.dataframe(
    ui.headed(
        ctx,
        pd.DataFrame(
            {
                "username": [a.username for a in accounts],
                "display_name": [a.display_name for a in accounts],
                "role": [ctx.t(f"role.{a.role.value}") for a in accounts],
                "disabled": [a.disabled for a in accounts],
                "totp": [auth.totp_enabled(ctx.store, a.username) for a in accounts],
            }
        ),
    ),
    hide_index=True,
    width="stretch",
)

with st.expander(ctx.t("accounts.create")):
    with st.form("accounts_create", clear_on_submit=True):
        username = st.text_input(ctx.t("accounts.username"), max_chars=32)
        display_name = st.text_input(ctx.t("accounts.display_name"), max_chars=64)
        role = st.selectbox(
            ctx.t("accounts.role"), ROLES, format_func=lambda r: ctx.t(f"role.{r.value}")
        )
        password = st.text_input(
            ctx.t("accounts.password"), type="password", max_chars=auth.PASSWORD_MAX_CHARS
        )
        if st.form_submit_button(ctx.t("accounts.create"), type="primary"):
            created = ui.attempt(
                ctx, auth.create_account, ctx.store, ctx.role, username, password, role.value,
                display_name or None, actor=user,
            )  # fmt: skip
            if created is not None:
                finished("accounts.created", name=created.username)

st.subheader(ctx.t("accounts.manage"))
others = [a for a in accounts if a.username != user]
if others:
    by_name = {a.username: a for a in others}
    picked = st.selectbox(ctx.t("accounts.pick"), list(by_name), key="accounts_pick")
    target = by_name[picked]
    left, right = st.columns(2)
    with left.form("accounts_role"):
        new_role = st.selectbox(
            ctx.t("accounts.role"),
            ROLES,
            index=list(ROLES).index(target.role),
            format_func=lambda r: ctx.t(f"role.{r.value}"),
        )
        if st.form_submit_button(ctx.t("accounts.set_role")):
            ui.attempt(ctx, auth.set_role, ctx.store, ctx.role, picked, new_role.value, user)
            if auth.get_account(ctx.store, picked).role == new_role:
                finished("accounts.done")
    with right.form("accounts_password", clear_on_submit=True):
        new_password = st.text_input(
            ctx.t("accounts.new_password"), type="password", max_chars=auth.PASSWORD_MAX_CHARS
        )
        if st.form_submit_button(ctx.t("accounts.reset_password")):
            before = auth.get_account(ctx.store, picked).sessions_valid_after
            ui.attempt(ctx, auth.reset_password, ctx.store, ctx.role, picked, new_password, user)
            if auth.get_account(ctx.store, picked).sessions_valid_after != before:
                finished("accounts.done")
    left, middle, right = st.columns(3)
    if target.disabled:
        if left.button(ctx.t("accounts.enable"), key="accounts_enable"):
            ui.attempt(ctx, auth.enable_account, ctx.store, ctx.role, picked, user)
            if not auth.get_account(ctx.store, picked).disabled:
                finished("accounts.done")
    elif left.button(ctx.t("accounts.disable"), key="accounts_disable"):
        ui.attempt(ctx, auth.disable_account, ctx.store, ctx.role, picked, user)
        if auth.get_account(ctx.store, picked).disabled:
            finished("accounts.done")
    if auth.totp_enabled(ctx.store, picked) and middle.button(
        ctx.t("accounts.reset_totp"), key="accounts_reset_totp"
    ):
        ui.attempt(ctx, auth.reset_totp, ctx.store, ctx.role, picked, user)
        if not auth.totp_enabled(ctx.store, picked):
            finished("accounts.done")

"""Account settings: interface language and password."""

import time

import streamlit as st

from core import auth, ui

ctx = ui.page_guard("account")

st.title(ctx.t("page.account"))
st.write(
    ctx.t_md(
        "account.profile",
        username=ctx.account.username,
        role=ctx.t(f"role.{ctx.role}"),
    )
)

ui.language_selector(ctx.lang, ctx.account, ctx.store, where=st, key="account_language")
if st.session_state.pop("account_password_changed", False):
    st.success(ctx.t("account.password_changed"))

st.subheader(ctx.t("account.change_password"))
with st.form("account_password", clear_on_submit=True):
    current = st.text_input(
        ctx.t("account.current_password"), type="password", max_chars=auth.PASSWORD_MAX_CHARS
    )
    new = st.text_input(
        ctx.t("account.new_password"), type="password", max_chars=auth.PASSWORD_MAX_CHARS
    )
    confirm = st.text_input(
        ctx.t("account.confirm_password"), type="password", max_chars=auth.PASSWORD_MAX_CHARS
    )
    submitted = st.form_submit_button(ctx.t("account.submit_password"), type="primary")
if submitted:
    if new != confirm:
        st.error(ctx.t("password.mismatch"))
    else:
        try:
            epoch = auth.change_password(ctx.store, ctx.account.username, current, new)
        except auth.AuthError as exc:
            st.error(ctx.t_md(exc.code, **exc.values))
        else:
            ui.renew_session(ctx.account, max(time.time(), auth.to_epoch(epoch)))
            st.session_state["account_password_changed"] = True
            st.rerun()

"""The thin Streamlit layer shared by ``app.py`` and every page.

The one function a page needs first is :func:`page_guard`::

    ctx = ui.page_guard("overview")       # signed out: sign-in form; wrong role: refused
    filters, as_of = ui.sidebar_filters(ctx)

``page_guard`` renders the sign-in form (or the one-time first-admin form) and stops the
script when nobody is signed in, and records and refuses a role that may not open the page,
so nothing below it ever runs for the wrong person, whichever URL was opened.

Everything else here is layout glue: the sidebar (menu, language, sign-out), the global
filters synchronised with the URL query string, KPI cards and cached metric calls. All
logic lives in ``core.auth``, ``core.filters``, ``core.metrics`` and ``core.permissions``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import logging
import os
import re
import runpy
import threading
import time
from array import array
from dataclasses import astuple, dataclass
from datetime import UTC, date, datetime, timedelta

import altair as alt
import pandas as pd
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager
from streamlit_authenticator.controllers import CookieController

from core import (
    audit,
    auth,
    charts,
    data_shape,
    exports,
    formats,
    i18n,
    labels,
    metrics,
    page_controls,
    permissions,
    samples,
    segments,
    settings,
)
from core import currency as currencies
from core.config import PROJECT_ROOT, app_memory_limit, resolve_db_path
from core.currency import DEFAULT_CURRENCY
from core.filters import (
    AS_OF_PARAM,
    COMPARE_PARAM,
    COMPARISONS,
    DATE_PRESETS,
    FOREIGN_PARAMS,
    LIST_PARAMS,
    SEGMENT_PARAM,
    GlobalFilters,
    load_filter_options,
    matching_preset,
    preset_period,
)
from core.permissions import PageSpec
from core.store import Store, StoreError, StoreInUseError, open_store

SESSION_KEY = "ml_session"  # {"username": str, "issued_at": epoch seconds}
LANGUAGE_KEY = "ml_language"  # language before sign-in
ENDED_KEY = "ml_session_ended"
COOKIE_SET_KEY = "ml_cookie_set"
COOKIE_DELETE_KEY = "ml_cookie_delete"
COOKIE_CONTROLLER_KEY = "ml_cookie_controller"
SAVED_KEY = "ml_saved"  # the message of a save, shown at the top of the next run
FILTER_WIDGETS = {
    "from": "flt_from",
    "to": "flt_to",
    "region": "flt_region",
    "device": "flt_device",
    "tier": "flt_tier",
    "channel": "flt_channel",
    "segment": "flt_segment",
    "as_of": "flt_as_of",
    "compare": "flt_compare",
}
PRESET_WIDGET = "flt_preset"
CUSTOM_RANGE_KEY = "flt_custom_range"  # the range shown when "custom" was picked
CHIPS_WIDGET = "flt_chips"
# Parameters a filter change keeps in the URL: Streamlit's own, a member page's, and the
# page's controls (core/page_controls.py).
KEPT_PARAMS = FOREIGN_PARAMS | frozenset(page_controls.CONTROLS)
CACHE_TTL_S = 300
COOKIE_SECURE_ENV_VAR = "MEMBERLENS_COOKIE_SECURE"  # 1 behind TLS: the cookie gets Secure

_build_lock = threading.Lock()
_server_log = logging.getLogger(__name__)

# Markdown (with Streamlit's extensions: :color[…], :material/…:, $…$) starts only at ASCII
# punctuation, and every ASCII punctuation character may be escaped with a backslash.
_MD_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
# GitHub autolinks need no punctuation to start ("http://", "www.", "a@b.c") and are found
# in the text after escapes are resolved: a word joiner (U+2060, invisible) breaks them.
_AUTOLINK_START = re.compile(r"(?<=:)(?=//)|(?<=www)(?=\.)|(?<=@)", re.IGNORECASE)


def md_escape(value: object) -> str:
    """``value`` as text for an element that renders Markdown (``st.warning``, ``st.info``,
    ``st.error``, ``st.success``, ``st.markdown``, ``st.caption``, ``st.write``, headers,
    expander and widget labels): no link, image, autolink, heading, emphasis, colour,
    icon or formula, and on one line. Every value from a link, a form or the data shown
    through such an element goes through here (issue 13.4); the catalogue's own Markdown
    stays as it is (:meth:`PageContext.t_md`)."""
    text = " ".join(str(value).splitlines())
    text = _AUTOLINK_START.sub("\u2060", text)
    return _MD_PUNCTUATION.sub(r"\\\1", text)


@dataclass(frozen=True)
class PageContext:
    """What a page knows after the guard: the store, the signed-in account, the language
    and the store currency (every money figure on the page is in it)."""

    store: Store
    account: auth.Account
    lang: str
    currency: str = DEFAULT_CURRENCY

    @property
    def role(self) -> str:
        return self.account.role.value

    def t(self, key: str, **values: object) -> str:
        return i18n.t(key, self.lang, **values)

    def t_md(self, key: str, **values: object) -> str:
        """:meth:`t` for a Markdown-rendering element: each value goes through
        :func:`md_escape`; the catalogue text keeps its own Markdown."""
        return i18n.t(key, self.lang, **{name: md_escape(v) for name, v in values.items()})

    def can(self, capability: permissions.Capability) -> bool:
        return permissions.can(self.role, capability)

    # formatting in the page's language
    def int(self, value) -> str:
        return i18n.fmt_int(value, self.lang)

    def money(self, value, digits: int = 2) -> str:
        return i18n.fmt_money(value, self.lang, digits, self.currency)

    def money_card(self, value) -> str:
        """Money for a KPI card: ``¥139.5万`` / ``¥1.4M`` from ten thousand up."""
        return formats.money_compact(value, self.lang, self.currency)

    def count_card(self, value) -> str:
        """A count for a KPI card: ``13.9万`` / ``13.9K`` from ten thousand up."""
        return formats.compact(value, self.lang)

    def money_label(self, text: str) -> str:
        """An axis, tooltip or column title for money: ``收入（¥）``, ``Revenue ($)``."""
        return i18n.money_label(text, self.currency, self.lang)

    def money_column_format(self) -> str:
        """``st.column_config.NumberColumn`` format for money: ``¥%,.2f``, ``CHF %,.2f``."""
        return formats.money_column_format(self.currency)

    def money_headers(self, columns) -> dict[str, str]:
        """``{column: header}`` for the money columns among ``columns``: ``revenue ($)``."""
        return currencies.money_headers(columns, self.currency)

    def percent(self, value, digits: int = 1) -> str:
        return i18n.fmt_percent(value, self.lang, digits)

    def points(self, value, digits: int = 1) -> str:
        """A difference of rates in percentage points: ``58.7 个百分点`` / ``58.7 pp``."""
        return formats.points(value, self.lang, digits)

    def label(self, kind: str, code: object) -> str:
        """The label of a code (``core.labels``): ``wechat`` → 微信."""
        return labels.label(kind, code, self.lang, self.store)

    def labeller(self, kind: str):
        """:meth:`label` as a function of the code, for ``format_func`` and ``map``."""
        return labels.labeller(kind, self.lang, self.store)

    def number(self, value, digits: int = 1) -> str:
        return i18n.fmt_number(value, self.lang, digits)


@dataclass(frozen=True)
class AppSession:
    """What ``app.py`` knows on each run: the store and the account, if any."""

    store: Store
    account: auth.Account | None
    lang: str

    @property
    def role(self) -> str | None:
        return self.account.role.value if self.account else None

    def t(self, key: str, **values: object) -> str:
        return i18n.t(key, self.lang, **values)


# -- store ----------------------------------------------------------------------------------


@st.cache_resource(show_spinner=False)
def _open_store(path: str) -> Store:
    store = open_store(path)
    store.limit_memory(app_memory_limit())
    return store


def get_store() -> Store:
    """The process's store; on a first run without one at the default path (or with
    ``MEMBERLENS_DEMO=1``), build the demo store (with progress). Any other missing store
    starts empty, with the one-time first-admin page.

    A demo store without accounts gets one demo account per role. Errors a user can act on
    (store locked by another process, demo builder unavailable, no audit key) stop with a
    message; a locked store's path and process id go to the server log, not the page.
    """
    from core.demo import should_build_demo

    lang = _language_before_sign_in()
    path = resolve_db_path()
    if not path.exists() and should_build_demo(path):
        with _build_lock:
            if not path.exists():
                _build_demo(path, lang)
    try:
        store = _open_store(str(path))
    except StoreInUseError as exc:
        _server_log.warning("%s", exc)
        st.error(i18n.t("startup.store_busy", lang))
        st.stop()
    except StoreError as exc:
        _server_log.warning("%s", exc)
        st.error(i18n.t("startup.store_error", lang))
        st.stop()
    _check_audit_key(store, lang)
    if store.is_demo() and not auth.has_accounts(store):
        auth.create_demo_accounts(store)
    return store


def _check_audit_key(store: Store, lang: str) -> None:
    """Stop with a message when no audit key can sign the store's audit rows."""
    from core import audit

    try:
        secret = st.secrets.get(audit.AUDIT_KEY_SECRET)
    except Exception:  # no secrets file at all: Streamlit raises its own not-found error
        secret = None
    if secret is not None:
        audit.configure_key(str(secret))
    try:
        audit.signing_key(store.path, demo=store.is_demo())
    except audit.AuditKeyError as exc:
        st.error(i18n.t("startup.audit_key", lang, problem=md_escape(exc)))
        st.stop()


def _recent_demo_end_notice(store: Store, lang: str) -> None:
    """For admins, during the week after real data ended a demo store: why the demo
    accounts are gone."""
    from core.demo import DEMO_ENDED_META_KEY

    ended = store.meta(DEMO_ENDED_META_KEY)
    if ended and auth.utcnow() - datetime.fromisoformat(ended) < timedelta(days=7):
        demo_ended_notice(store, lang)


def demo_ended_notice(store: Store, lang: str) -> None:
    """The notice that real data ended a demo store (its demo accounts were removed)."""
    from core.demo import DEMO_ENDED_META_KEY

    ended = store.meta(DEMO_ENDED_META_KEY)
    if ended:
        zone = store.business_tz
        try:  # stored as UTC; shown in the business time zone, named
            moment = pd.Timestamp(ended).tz_localize(None).tz_localize("UTC").tz_convert(zone)
            at = moment.strftime("%Y-%m-%d %H:%M")
        except ValueError:
            at = ended.replace("T", " ")
        st.warning(i18n.t("demo.ended", lang, at=at, zone=zone))


def _build_demo(path, lang: str) -> None:
    try:
        from core.demo import build_demo_store
    except ImportError as exc:
        st.error(
            i18n.t("startup.demo_unavailable", lang, path=md_escape(path), error=md_escape(exc))
        )
        st.stop()
    with st.status(i18n.t("startup.building_demo", lang), expanded=True) as status:
        try:
            build_demo_store(path, progress=lambda message: status.write(message), fit_models=True)
        except (ImportError, StoreError, OSError) as exc:
            status.update(state="error")
            st.error(
                i18n.t("startup.demo_unavailable", lang, path=md_escape(path), error=md_escape(exc))
            )
            st.stop()
        status.update(label=i18n.t("startup.demo_ready", lang), state="complete")


# -- cookie key and re-authentication cookie ------------------------------------------------


def _configured_cookie_key() -> str | None:
    """``cookie_key`` from ``.streamlit/secrets.toml``, else ``$MEMBERLENS_COOKIE_KEY``."""
    try:
        secret = st.secrets.get("cookie_key")
    except Exception:  # no secrets file at all: Streamlit raises its own not-found error
        secret = None
    if secret is not None:
        return str(secret)
    return os.environ.get(auth.COOKIE_KEY_ENV_VAR)


def get_cookie_key(store: Store, lang: str) -> str:
    """The cookie key, or stop with a message that says how to set one."""
    try:
        return auth.resolve_cookie_key(_configured_cookie_key(), store)
    except auth.CookieKeyError as exc:
        demo_ended_notice(store, lang)
        st.error(i18n.t("startup.cookie_key", lang, problem=i18n.t(exc.code, lang)))
        st.stop()


def _cookies(cookie_key: str) -> CookieController:
    """streamlit-authenticator's cookie controller, one per session.

    Creating it renders the cookie component under a fixed key, so it is made once per
    session and kept; setting and deleting render their own components in the current run.
    """
    st.session_state.setdefault("logout", None)  # read by streamlit-authenticator
    controller = st.session_state.get(COOKIE_CONTROLLER_KEY)
    if controller is None or controller.cookie_model.cookie_key != cookie_key:
        controller = CookieController(auth.COOKIE_NAME, cookie_key, auth.COOKIE_EXPIRY_DAYS)
        st.session_state[COOKIE_CONTROLLER_KEY] = controller
    return controller


def _set_cookie(name: str, token: str, expires_at: datetime, secure: bool) -> None:
    """Set the cookie from a script in a zero-height iframe of the page's own origin
    (``components.html``: same origin, so ``document.cookie`` is the app's). Unlike the
    cookie manager's component it reports nothing back, so it sets off no rerun: that rerun
    was a whole page run, half a second, after every sign-in (issue 14.12). Same attributes
    as before: path ``/``, ``SameSite=Strict``, ``Secure`` behind TLS."""
    from email.utils import format_datetime

    from streamlit.components.v1 import html

    if not re.fullmatch(r"[A-Za-z0-9_.\-]+", token):  # a JWT: base64url parts and dots
        raise ValueError("not a cookie token")
    attributes = [f"expires={format_datetime(expires_at, usegmt=True)}", "path=/"]
    attributes += ["SameSite=Strict", *(["Secure"] if secure else [])]
    cookie = json.dumps(f"{name}={token}; " + "; ".join(attributes))
    html(f"<script>document.cookie = {cookie};</script>", height=0)


def _sync_cookie(cookie_key: str) -> None:
    """Set the cookie after a sign-in, delete it after a sign-out (one run later, so the
    browser component that does it is actually rendered)."""
    if st.session_state.pop(COOKIE_SET_KEY, False):
        session = st.session_state.get(SESSION_KEY)
        if session:
            token = auth.encode_session_cookie(
                session["username"], session["issued_at"], cookie_key
            )
            _set_cookie(
                auth.COOKIE_NAME,
                token,
                expires_at=datetime.now(UTC) + timedelta(days=auth.COOKIE_EXPIRY_DAYS),
                secure=os.environ.get(COOKIE_SECURE_ENV_VAR, "").strip() == "1",
            )
    if st.session_state.pop(COOKIE_DELETE_KEY, False):
        _cookies(cookie_key).delete_cookie()


# -- sessions -------------------------------------------------------------------------------


def _language_before_sign_in() -> str:
    return i18n.normalise_language(st.session_state.get(LANGUAGE_KEY))


def current_account(store: Store, cookie_key: str) -> auth.Account | None:
    """The signed-in account of this session, checked against the store on every run.

    A session whose account was disabled, or which logout or a password change ended, is
    dropped here. Without a session, a valid re-authentication cookie signs the user in.
    """
    session = st.session_state.get(SESSION_KEY)
    if session:
        account = auth.session_account(store, session.get("username"), session.get("issued_at"))
        if account is not None:
            return account
        st.session_state.pop(SESSION_KEY, None)
        st.session_state[ENDED_KEY] = True
        st.session_state[COOKIE_DELETE_KEY] = True
        return None
    if st.session_state.get("logout"):
        return None
    _cookies(cookie_key)  # the cookie component, rendered once per session
    # Any cookie that is not exactly ours (another algorithm, expired, a lifetime longer
    # than ours, garbage) is no session: the sign-in form shows, nothing raises.
    claims = auth.decode_session_cookie(
        st.context.cookies.get(auth.COOKIE_NAME), cookie_key, time.time()
    )
    if claims is not None:
        account = auth.session_account(store, *claims)
        if account is not None:
            _start_session(account, claims[1])
            return account
    return None


def _start_session(account: auth.Account, issued_at: float) -> None:
    st.session_state[SESSION_KEY] = {"username": account.username, "issued_at": issued_at}
    st.session_state["username"] = account.username  # the cookie library signs this name
    st.session_state[LANGUAGE_KEY] = account.language
    st.session_state.pop(ENDED_KEY, None)


def start_app() -> AppSession:
    """Called first by ``app.py``: store ready, cookie key valid, account restored or None."""
    store = get_store()
    lang = _language_before_sign_in()
    cookie_key = get_cookie_key(store, lang)
    account = current_account(store, cookie_key)
    return AppSession(store, account, account.language if account else lang)


def _run_through_app_shell() -> None:
    """Make sure this run went through ``app.py``'s navigation (role menu, page links).

    Streamlit 1.67 treats an app with a ``pages/`` folder as an old-style multipage app
    until some session has called ``st.navigation``; in that mode a page URL runs the page
    file alone, without ``app.py`` (a fresh server's first visitor with a shared link, and
    every AppTest rerun). The guard below still protects the page; this switches the
    process to ``st.navigation`` and runs ``app.py`` in this same run (a rerun would lose
    the click that started it, e.g. the sign-in button), which then runs this page again
    through its navigation; the outer, menu-less run then stops.
    """
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        runpy.run_path(str(PROJECT_ROOT / "app.py"), run_name="__main__")
        st.stop()


def page_guard(page_key: str) -> PageContext:
    """The first call of every page: returns the context, or renders nothing but the
    sign-in form (signed out) or a refusal (wrong role) and stops the script."""
    spec = permissions.page(page_key)
    _run_through_app_shell()
    store = get_store()
    lang = _language_before_sign_in()
    cookie_key = get_cookie_key(store, lang)
    account = current_account(store, cookie_key)
    _sync_cookie(cookie_key)
    if account is None:
        _sign_in_screen(store, lang)
        st.stop()
    lang = account.language
    if not permissions.can(account.role, spec.requires):
        auth.record_access(store, account.username, account.role.value, "page", spec.key, "denied")
        st.error(i18n.t("access.denied", lang, role=i18n.t(f"role.{account.role.value}", lang)))
        st.stop()
    if page_key != "accounts" and auth.must_enrol_totp(store, account):
        st.warning(i18n.t("totp.must_enrol", lang))
        st.stop()
    if message := st.session_state.pop(SAVED_KEY, None):
        st.success(message)
    return PageContext(store, account, lang, settings.get(store, "currency"))


def saved(message: str) -> None:
    """After a save: run the page again at once, so everything on it (and the menu) shows the
    new state, with ``message`` at the top of the page (:func:`page_guard`)."""
    st.session_state[SAVED_KEY] = message
    st.rerun()


# -- sign-in and first admin ----------------------------------------------------------------


def _apply_language(key: str, store: Store, username: str | None) -> None:
    choice = i18n.normalise_language(st.session_state.get(key))
    st.session_state[LANGUAGE_KEY] = choice
    if username is not None:
        auth.set_language(store, username, choice)


def language_selector(
    lang: str, account: auth.Account | None, store: Store, where=None, key: str = "ml_lang_pick"
) -> None:
    """A language switch; the choice is saved to the account when someone is signed in."""
    where = where or st.sidebar
    st.session_state[key] = lang  # the store (or the session) is the source of truth
    where.selectbox(
        i18n.t("sidebar.language", lang),
        i18n.LANGUAGES,
        format_func=lambda code: i18n.LANGUAGE_NAMES[code],
        key=key,
        on_change=_apply_language,
        args=(key, store, account.username if account else None),
    )


def renew_session(account: auth.Account, issued_at: float) -> None:
    """Re-issue this session (and its cookie) after a password change ended all others."""
    _start_session(account, issued_at)
    st.session_state[COOKIE_SET_KEY] = True


def _sign_in_screen(store: Store, lang: str) -> None:
    language_selector(lang, None, store)
    demo_ended_notice(store, lang)
    if not store.is_demo() and not auth.has_accounts(store):
        _first_admin_form(store, lang)
        return
    st.title(i18n.t("login.title", lang))
    st.info(i18n.t("login.prompt", lang))
    if st.session_state.get(ENDED_KEY):
        st.warning(i18n.t("session.ended", lang))
    with st.form("ml_login"):
        username = st.text_input(i18n.t("login.username", lang), max_chars=64)
        password = st.text_input(
            i18n.t("login.password", lang), type="password", max_chars=auth.PASSWORD_MAX_CHARS
        )
        code = st.text_input(i18n.t("login.totp", lang), max_chars=8, key="ml_login_totp")
        submitted = st.form_submit_button(i18n.t("login.submit", lang), type="primary")
    if submitted:
        if not username.strip() or not password:
            st.error(i18n.t("login.empty", lang))
        else:
            result = auth.authenticate(store, username, password, totp_code=code)
            if result.ok:
                _start_session(result.account, time.time())
                st.session_state[COOKIE_SET_KEY] = True
                st.session_state["logout"] = None
                st.rerun()
            elif result.reason == "locked":
                st.error(i18n.t("login.locked", lang, minutes=result.locked_minutes))
            else:
                st.error(i18n.t("login.invalid", lang))
    if store.is_demo():
        accounts = ", ".join(
            f"{name} / {password}" for name, (_, password) in auth.DEMO_ACCOUNTS.items()
        )
        st.caption(i18n.t("login.demo_hint", lang, accounts=accounts))


def _first_admin_form(store: Store, lang: str) -> None:
    st.title(i18n.t("setup.title", lang))
    st.info(i18n.t("setup.intro", lang))
    with st.form("ml_first_admin"):
        username = st.text_input(i18n.t("login.username", lang), max_chars=32)
        display_name = st.text_input(i18n.t("setup.display_name", lang), max_chars=64)
        password = st.text_input(
            i18n.t("login.password", lang), type="password", max_chars=auth.PASSWORD_MAX_CHARS
        )
        confirm = st.text_input(
            i18n.t("setup.confirm", lang), type="password", max_chars=auth.PASSWORD_MAX_CHARS
        )
        submitted = st.form_submit_button(i18n.t("setup.submit", lang), type="primary")
    if submitted:
        if password != confirm:
            st.error(i18n.t("password.mismatch", lang))
            return
        try:
            auth.create_first_admin(store, username, password, display_name or None, lang)
        except auth.AuthError as exc:
            st.error(i18n.t(exc.code, lang, **{k: md_escape(v) for k, v in exc.values.items()}))
            return
        st.success(i18n.t("setup.done", lang))
        st.rerun()


def _logout(store: Store, username: str) -> None:
    auth.end_sessions(store, username, "logout")
    st.session_state.pop(SESSION_KEY, None)
    st.session_state["logout"] = True
    st.session_state[COOKIE_DELETE_KEY] = True


# -- sidebar --------------------------------------------------------------------------------


def sidebar(session: AppSession, menu: list[tuple[PageSpec, st.Page]]) -> None:
    """The menu (only the pages the role may open), the language switch and sign-out."""
    if session.account is None:
        return
    lang = session.lang
    link_params = _filter_query_params()
    with st.sidebar:
        st.markdown(f"**{i18n.t('app.title', lang)}**")
        section = None
        for spec, page in menu:
            if spec.section != section:
                section = spec.section
                st.caption(i18n.t(section, lang))
            st.page_link(
                page, label=_menu_label(session, spec), icon=spec.icon, query_params=link_params
            )
        st.divider()
    language_selector(lang, session.account, session.store)
    with st.sidebar:
        role = i18n.t(f"role.{session.role}", lang)
        st.caption(
            i18n.t("sidebar.signed_in_as", lang, name=md_escape(session.account.label), role=role)
        )
        st.button(
            i18n.t("sidebar.logout", lang),
            key="ml_logout",
            on_click=_logout,
            args=(session.store, session.account.username),
        )
        if session.store.is_demo():
            st.caption(i18n.t("sidebar.demo_store", lang))
        elif session.role == permissions.Role.ADMIN.value:
            _recent_demo_end_notice(session.store, lang)
        st.divider()


def _menu_label(session: AppSession, spec: PageSpec) -> str:
    """A menu entry's title; Approvals carries a badge with the requests waiting for this
    person's decision."""
    title = i18n.t(spec.title, session.lang)
    if spec.key != "approvals":
        return title
    from core import approvals

    waiting = approvals.pending_count(session.store, session.account.username, session.role)
    return f"{title} :red-badge[{waiting}]" if waiting else title


# -- global filters -------------------------------------------------------------------------


def _filter_query_params() -> dict[str, list[str]]:
    """The filter parameters currently in the URL, as given (validated by the page)."""
    return {
        name: st.query_params.get_all(name)
        for name in FILTER_WIDGETS
        if st.query_params.get_all(name)
    }


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False)
def _filter_options(path: str, stamp: tuple):
    return load_filter_options(_open_store(path))


def data_stamp(store: Store) -> tuple:
    """Changes whenever data is imported or refreshed, a member is edited (status, tier
    override, contact: ``members.updated_at``), or a saved segment (so its materialised
    members) changes; part of every cache key, so a save shows at once."""
    cur = store.cursor()
    try:
        return cur.execute(
            "select (select max(import_id) from imports) as last_import, "
            "(select count(*) from member_day) as member_days, "
            "(select count(*) from members) as members, "
            "(select cast(max(updated_at) as varchar) from members) as members_edited, "
            "(select count(*) from saved_segments) as segments, "
            "(select cast(max(built_at) as varchar) from segment_builds) as segments_built"
        ).fetchone()
    finally:
        cur.close()


def _write_filters(filters: GlobalFilters) -> None:
    """Put ``filters`` in the URL (keeping Streamlit's own parameters, dropping the rest)."""
    kept = {name: st.query_params.get_all(name) for name in st.query_params if name in KEPT_PARAMS}
    st.query_params.from_dict({**kept, **filters.to_query_params()})


def _unless_default(param: str, defaults: dict[str, date]):
    """The widget's value, or None when the link does not carry ``param`` and the widget
    still shows its default (the default period, the last day with data): a default left
    untouched stays out of the link, so moving the as-of date moves the default period."""
    value = st.session_state.get(FILTER_WIDGETS[param])
    if param not in st.query_params and value == defaults.get(param):
        return None
    return value


def _filters_from_widgets(defaults: dict[str, date]) -> GlobalFilters:
    start = _unless_default("from", defaults)
    end = _unless_default("to", defaults)
    if isinstance(start, date) and isinstance(end, date) and start > end:
        end = start
        st.session_state[FILTER_WIDGETS["to"]] = end
    lists = {
        field: tuple(st.session_state.get(FILTER_WIDGETS[param]) or ())
        for param, field in LIST_PARAMS.items()
    }
    segment = st.session_state.get(FILTER_WIDGETS[SEGMENT_PARAM])
    as_of = _unless_default(AS_OF_PARAM, defaults)
    compare = st.session_state.get(FILTER_WIDGETS[COMPARE_PARAM])
    return GlobalFilters(
        start=start if isinstance(start, date) else None,
        end=end if isinstance(end, date) else None,
        segment=segment if isinstance(segment, int) else None,
        as_of=as_of if isinstance(as_of, date) else None,
        compare=compare if compare in COMPARISONS else COMPARISONS[0],
        **lists,
    )


def _on_filter_change(defaults: dict[str, date]) -> None:
    filters = _filters_from_widgets(defaults)
    _write_filters(filters)


def _clear_filters() -> None:
    _write_filters(GlobalFilters())


def _on_preset(defaults: dict[str, date], as_of: date, first_day: date | None) -> None:
    """A quick range was picked: set the date inputs to it (cut at the first day with
    data), then write the filters as for any change. "Custom" leaves the dates alone."""
    st.session_state.pop(CUSTOM_RANGE_KEY, None)
    wanted = preset_period(st.session_state.get(PRESET_WIDGET) or "custom", as_of)
    if wanted is None:  # "custom" stays picked until the dates change
        current = (
            st.session_state.get(FILTER_WIDGETS["from"]),
            st.session_state.get(FILTER_WIDGETS["to"]),
        )
        st.session_state[CUSTOM_RANGE_KEY] = current
        return
    start = max(wanted.start, first_day) if first_day is not None else wanted.start
    st.session_state[FILTER_WIDGETS["from"]] = start
    st.session_state[FILTER_WIDGETS["to"]] = wanted.end
    _on_filter_change(defaults)


def _on_chip_click() -> None:
    """A chip was clicked: drop that filter (or that one value) from the URL."""
    chip = st.session_state.get(CHIPS_WIDGET)
    if not chip:
        return
    name, _, value = chip.partition(":")
    params = ["from", "to"] if name == "period" else [name]
    for param in params:
        kept = [item for item in st.query_params.get_all(param) if value and item != value]
        if kept:
            st.query_params[param] = kept
        elif param in st.query_params:
            del st.query_params[param]


def _filter_chips(ctx: PageContext, filters: GlobalFilters, period, names) -> None:
    """The filters set in the link as chips at the top of the page; a click removes one.

    Only what differs from the default view is shown (nothing when the link is clean)."""
    chips: dict[str, str] = {}
    if filters.start is not None or filters.end is not None:
        chips["period"] = ctx.t(
            "filters.chip",
            name=ctx.t("filters.period"),
            value=f"{period.start.isoformat()} – {period.end.isoformat()}",
        )
    if filters.as_of is not None:
        chips[AS_OF_PARAM] = ctx.t(
            "filters.chip", name=ctx.t("filters.as_of"), value=filters.as_of.isoformat()
        )
    if filters.compare != COMPARISONS[0]:
        chips[COMPARE_PARAM] = ctx.t(
            "filters.chip",
            name=ctx.t("filters.compare"),
            value=ctx.t(f"filters.compare.{filters.compare}"),
        )
    for param, field in LIST_PARAMS.items():
        for value in getattr(filters, field):
            shown = ctx.label(param, value)
            chips[f"{param}:{value}"] = ctx.t(
                "filters.chip", name=ctx.t(f"filters.{param}"), value=md_escape(shown)
            )
    if filters.segment is not None:
        name = names.get(filters.segment, str(filters.segment))
        chips[SEGMENT_PARAM] = ctx.t(
            "filters.chip", name=ctx.t("filters.segment"), value=md_escape(name)
        )
    if not chips:
        return
    st.session_state[CHIPS_WIDGET] = None
    st.pills(
        ctx.t("filters.active"),
        list(chips),
        format_func=lambda chip: chips[chip],
        selection_mode="single",
        key=CHIPS_WIDGET,
        on_change=_on_chip_click,
        help=ctx.t("filters.active_help"),
    )


def url_bound(ctx: PageContext, param: str, convert=str, values=None) -> dict:
    """Keep a page control in the URL: the widget's ``key`` and ``on_change``, to pass as
    ``**ui.url_bound(ctx, "retention_unit")`` in place of ``key=`` and ``default=``.

    The value comes from the link, checked against the allow-list of
    ``core.page_controls.CONTROLS[param]`` (a value off it is refused with a warning and
    leaves the link), else the default; ``convert`` turns the text into the widget's value
    (``int`` for a number input). ``values``: the options when the allow-list comes from
    the data (saved segments, categories; the first is the default). A change the user
    makes goes back to the link, so a copied link restores the whole view.
    """
    control = page_controls.CONTROLS[param]
    if values is not None:
        control = page_controls.Control.from_values(values)
    value, notices = control.read(param, st.query_params.get_all(param))
    for notice in notices:
        st.warning(ctx.t_md(notice.code, **notice.values), icon=":material/link_off:")
    if notices or value == control.default:
        if param in st.query_params:
            del st.query_params[param]
    if control.values:
        st.session_state[param] = convert(value)
    return {"key": param, "on_change": _control_to_url, "args": (param, control)}


def _control_to_url(param: str, control: page_controls.Control) -> None:
    text = page_controls.link_value(param, st.session_state.get(param), control)
    if text is not None:
        st.query_params[param] = text
    elif param in st.query_params:
        del st.query_params[param]


def sidebar_filters(ctx: PageContext) -> tuple[GlobalFilters, date | None]:
    """Render the global filters in the sidebar; return them and the as-of date.

    The URL is the source of truth: filters are read from the query string, checked against
    the store's allow-lists (anything dropped is shown as a warning), and written back in
    canonical form. Widgets follow the URL when it changes (a pasted link, a menu click)
    and write to it when the user changes them.
    """
    segments.ensure_segment_members(ctx.store)
    options = _filter_options(str(ctx.store.path), data_stamp(ctx.store))
    raw = {name: st.query_params.get_all(name) for name in st.query_params}
    filters, notices = GlobalFilters.from_query_params(raw, options, page_controls.CONTROLS)
    for notice in notices:
        st.warning(ctx.t_md(notice.code, **notice.values), icon=":material/link_off:")
    canonical = filters.to_query_params()
    wanted = {k: (v if isinstance(v, list) else [v]) for k, v in canonical.items()}
    present = {k: v for k, v in raw.items() if k not in KEPT_PARAMS}
    if present != wanted:
        _write_filters(filters)
    as_of = filters.as_of_day(options.last_day)
    if as_of is None:
        return filters, None
    period = filters.period(as_of)
    # The widgets are set from the URL on every run, before they are drawn: a widget on
    # another page is another widget to Streamlit, whose state it drops on a page switch, so
    # a "sync once" flag left the sidebar showing defaults over filtered numbers. A change
    # the user makes reaches the URL first (on_change), so this never undoes it.
    st.session_state[FILTER_WIDGETS["from"]] = period.start
    st.session_state[FILTER_WIDGETS["to"]] = period.end
    for param, field in LIST_PARAMS.items():
        st.session_state[FILTER_WIDGETS[param]] = list(getattr(filters, field))
    st.session_state[FILTER_WIDGETS[SEGMENT_PARAM]] = filters.segment
    st.session_state[FILTER_WIDGETS[AS_OF_PARAM]] = as_of
    st.session_state[FILTER_WIDGETS[COMPARE_PARAM]] = filters.compare
    custom = st.session_state.get(CUSTOM_RANGE_KEY) == (period.start, period.end)
    preset = "custom" if custom else matching_preset(period, as_of, options.first_day)
    st.session_state[PRESET_WIDGET] = preset
    earliest = min(options.first_day or period.start, period.start)
    defaults = {"from": period.start, "to": period.end, AS_OF_PARAM: options.last_day}
    changed = {"on_change": _on_filter_change, "args": (defaults,)}
    names = {s.segment_id: s.name for s in segments.list_segments(ctx.store)}
    _filter_chips(ctx, filters, period, names)
    with st.sidebar:
        st.subheader(ctx.t("filters.title"))
        st.date_input(
            ctx.t("filters.as_of"),
            key=FILTER_WIDGETS[AS_OF_PARAM],
            min_value=options.first_day or as_of,
            max_value=options.last_day,
            help=ctx.t("filters.as_of_help", last=options.last_day.isoformat()),
            **changed,
        )
        st.pills(
            ctx.t("filters.preset"),
            DATE_PRESETS,
            format_func=lambda code: ctx.t(f"filters.preset.{code}"),
            key=PRESET_WIDGET,
            on_change=_on_preset,
            args=(defaults, as_of, options.first_day),
        )
        st.date_input(
            ctx.t("filters.start"),
            key=FILTER_WIDGETS["from"],
            min_value=earliest,
            max_value=as_of,
            **changed,
        )
        st.date_input(
            ctx.t("filters.end"),
            key=FILTER_WIDGETS["to"],
            min_value=earliest,
            max_value=as_of,
            **changed,
        )
        st.segmented_control(
            ctx.t("filters.compare"),
            COMPARISONS,
            format_func=lambda code: ctx.t(f"filters.compare.{code}"),
            key=FILTER_WIDGETS[COMPARE_PARAM],
            help=ctx.t("filters.compare_help"),
            **changed,
        )
        for param, field in LIST_PARAMS.items():
            st.multiselect(
                ctx.t(f"filters.{param}"),
                options=list(getattr(options, field)),
                key=FILTER_WIDGETS[param],
                placeholder=ctx.t("filters.all"),
                format_func=ctx.labeller(param),
                **changed,
            )
        st.selectbox(
            ctx.t("filters.segment"),
            options=[None, *options.segments],
            key=FILTER_WIDGETS[SEGMENT_PARAM],
            # None is "all members"; Streamlit draws a None value as the placeholder
            placeholder=ctx.t("filters.all_members"),
            format_func=lambda sid: (
                ctx.t("filters.all_members") if sid is None else names.get(sid, str(sid))
            ),
            **changed,
        )
        if filters.segment is not None:
            st.caption(ctx.t("filters.segment_note", as_of=as_of.isoformat()))
        st.button(ctx.t("filters.reset"), key="ml_filters_reset", on_click=_clear_filters)
        st.caption(ctx.t("filters.share_hint"))
    return filters, as_of


# -- cached metrics -------------------------------------------------------------------------


# core.segments reads a page may cache: each takes the store first, then hashable values
SEGMENT_VIEWS = frozenset(
    {
        "tag_counts",
        "tag_sizes",
        "segment_member_keys",
        "segment_sizes",
        "segment_kpis",
        "segment_tier_mix",
    }
)


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False)
def _segment_view(name: str, path: str, stamp: tuple, key: tuple, _args: tuple):
    return getattr(segments, name)(_open_store(path), *_args)


def _cache_key(value):
    """``value`` as part of a cache key: a list of member keys by its digest (Streamlit's
    hasher walks a sequence element by element: 20,000 keys took longer than the query)."""
    if isinstance(value, list | tuple) and len(value) > 16:
        if all(isinstance(v, int) for v in value):
            digest = hashlib.sha256(array("q", value).tobytes()).hexdigest()
            return ("int_sequence", len(value), digest)
        return tuple(value)
    return value


def cached_segments(ctx: PageContext, name: str, *args):
    """``core.segments.<name>(store, *args)`` (one of :data:`SEGMENT_VIEWS`), cached per
    data stamp: a repeat visit of the tags & segments page reads no tag snapshot again, and
    a refresh, an import, a member edit or a saved segment shows at once."""
    if name not in SEGMENT_VIEWS:
        raise ValueError(f"not a cached segment view: {name}")
    key = tuple(_cache_key(a) for a in args)
    return _segment_view(name, str(ctx.store.path), data_stamp(ctx.store), key, args)


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False)
def _overview(path: str, stamp: tuple, filters: tuple, as_of: date) -> metrics.Overview:
    return metrics.overview(_open_store(path), GlobalFilters(*filters), as_of)


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False)
def _daily_trend(path: str, stamp: tuple, filters: tuple, as_of: date):
    return metrics.daily_trend(_open_store(path), GlobalFilters(*filters), as_of)


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False)
def _tier_mix(path: str, stamp: tuple, filters: tuple, as_of: date):
    return metrics.tier_mix(_open_store(path), GlobalFilters(*filters), as_of)


def cached_overview(ctx: PageContext, filters: GlobalFilters, as_of: date) -> metrics.Overview:
    return _overview(str(ctx.store.path), data_stamp(ctx.store), astuple(filters), as_of)


def cached_daily_trend(ctx: PageContext, filters: GlobalFilters, as_of: date):
    return _daily_trend(str(ctx.store.path), data_stamp(ctx.store), astuple(filters), as_of)


def cached_tier_mix(ctx: PageContext, filters: GlobalFilters, as_of: date):
    return _tier_mix(str(ctx.store.path), data_stamp(ctx.store), astuple(filters), as_of)


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False)
def _data_shape(path: str, stamp: tuple) -> data_shape.DataShape:
    return data_shape.data_shape(_open_store(path))


def cached_data_shape(ctx: PageContext) -> data_shape.DataShape:
    """The kinds of data the store holds (core/data_shape.py), cached per data stamp."""
    return _data_shape(str(ctx.store.path), data_stamp(ctx.store))


def data_kinds_table(ctx: PageContext):
    """Each kind of data: whether the store holds it and the pages it feeds (data page)."""
    shape = cached_data_shape(ctx).as_dict()
    separator = "、" if ctx.lang == "zh" else ", "
    return pd.DataFrame(
        {
            ctx.t("data.kind"): [ctx.t(f"data_kind.{kind}") for kind in shape],
            ctx.t("data.kind_present"): [
                ctx.t("data.yes") if present else ctx.t("data.no") for present in shape.values()
            ],
            ctx.t("data.kind_pages"): [
                separator.join(ctx.t(f"page.{page}") for page in data_shape.KIND_PAGES[kind])
                for kind in shape
            ],
        }
    )


def lacks_data(ctx: PageContext, section: str) -> bool:
    """Whether the store lacks a kind of data ``section`` needs (``data_shape.SECTION_NEEDS``)."""
    return data_shape.missing_kind(cached_data_shape(ctx), section) is not None


def missing_data_note(ctx: PageContext, section: str) -> bool:
    """Say in one sentence that ``section``'s data is absent (``data_shape.SECTION_NEEDS``);
    True when it is, so the page draws no chart for it."""
    key = data_shape.missing_note(cached_data_shape(ctx), section)
    if key is None:
        return False
    st.info(ctx.t(key), icon=":material/info:")
    return True


# -- display helpers ------------------------------------------------------------------------


def format_kpi(ctx: PageContext, kpi: metrics.Kpi) -> str:
    """A KPI card's value, short enough for a card at 1440 px: money and counts from ten
    thousand up in 万/亿 (zh) or K/M (en), rates with one decimal."""
    if kpi.kind == "rate":
        return formats.rate(kpi.value)
    if kpi.kind == "money":
        return formats.money_compact(kpi.value, ctx.lang, ctx.currency)
    if kpi.key == "dau" and (kpi.value is None or abs(kpi.value) < formats.COMPACT_FROM):
        return formats.number(kpi.value, 1)
    return formats.compact(kpi.value, ctx.lang)


def kpi_cards(ctx: PageContext, kpis: tuple[metrics.Kpi, ...], per_row: int = 5) -> None:
    """KPI cards with their change; rows of ``per_row`` cards."""
    for offset in range(0, len(kpis), per_row):
        columns = st.columns(per_row)
        for column, kpi in zip(columns, kpis[offset : offset + per_row], strict=False):
            column.metric(
                ctx.t(f"kpi.{kpi.key}"),
                format_kpi(ctx, kpi),
                delta=formats.change(kpi.change, kpi.change_kind, ctx.lang),
                border=True,
            )


# -- analytics views ------------------------------------------------------------------------


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False)
def _analytics(name: str, path: str, stamp: tuple, filters: tuple, as_of: date, options: tuple):
    view = metrics.ANALYTICS_VIEWS[name]
    return view(_open_store(path), GlobalFilters(*filters), as_of, **dict(options))


def cached_view(ctx: PageContext, name: str, filters: GlobalFilters, as_of: date, **options):
    """``core.metrics.ANALYTICS_VIEWS[name]`` for these filters, cached per data stamp."""
    key = tuple(sorted(options.items()))
    return _analytics(
        name, str(ctx.store.path), data_stamp(ctx.store), astuple(filters), as_of, key
    )


def cohort_window(ctx: PageContext, filters: GlobalFilters, as_of: date, key: str):
    """A switch for views that need history (LTV, channel D30 and 90-day LTV): the chosen
    period, or the 365 days ending the period's last day. Returns the filters to use."""
    choice = st.segmented_control(
        ctx.t("analytics.window"),
        page_controls.WINDOWS,
        format_func=lambda code: ctx.t(f"analytics.window.{code}"),
        **url_bound(ctx, key),
    )
    if choice == "period":
        return filters
    end = filters.period(as_of).end
    return dataclasses.replace(filters, start=end - timedelta(days=364), end=end)


def max_period_input(ctx: PageContext, unit: str, key: str, label: str | None = None) -> int:
    """How many periods a retention matrix (``unit``) or LTV table (months) shows: 1 … the
    limit of ``core.metrics.MAX_PERIOD_LIMIT``, default ``DEFAULT_MAX_PERIOD`` (what
    ``report … --max-period`` takes)."""
    return int(
        st.number_input(
            label or ctx.t("analytics.max_period", unit=ctx.t(f"unit.{unit}")),
            min_value=1,
            max_value=metrics.MAX_PERIOD_LIMIT[unit],
            step=1,
            **url_bound(ctx, f"{key}_{unit}", int),  # each unit keeps its own choice
        )
    )


def best_worst_note(ctx: PageContext, frame, rate: str, size: str, group: str, label=str) -> None:
    """A caption naming the groups with the highest and lowest ``rate`` among those of at
    least ``core.samples.SMALL_SAMPLE`` members (``size``); smaller groups are left out (and
    drawn faintly by the chart). ``label`` turns a group value into its shown name."""
    found = samples.best_and_worst(frame, rate, size)
    if found is None:
        st.caption(ctx.t("analytics.best_worst_none", minimum=samples.SMALL_SAMPLE))
        return
    st.caption(
        ctx.t_md(
            "analytics.best_worst",
            metric=ctx.t(f"metric.{rate}"),
            best=label(found.best[group]),
            best_rate=formats.rate(found.best[rate]),
            worst=label(found.worst[group]),
            worst_rate=formats.rate(found.worst[rate]),
            minimum=samples.SMALL_SAMPLE,
        )
    )


def column_config(ctx: PageContext, frame, names: dict | None = None) -> dict:
    """``st.dataframe`` column configs for ``frame``: its money, count and rate columns by
    their metric names (:func:`core.formats.column_kind`: ``¥12,345.00``, ``12,345``,
    ``12.3%``) and its date columns as dates (no ``00:00:00``). ``names`` maps a column
    name to the header it is shown under."""
    names = names or {}
    config = {
        names.get(column, column): st.column_config.NumberColumn(**options)
        for column, options in formats.column_formats(frame.columns, ctx.currency, frame).items()
    }
    for column in formats.date_columns(frame):
        config[names.get(column, column)] = st.column_config.DateColumn(
            format=formats.DATE_COLUMN_FORMAT
        )
    return config


# table columns that hold a stored UTC time (core.audit.utcnow)
UTC_TIME_COLUMNS = ("updated_at",)


def local_time(ctx: PageContext, moment):
    """A stored UTC time (naive) as wall-clock time in the store's business time zone."""
    stamp = pd.Timestamp(moment)
    return stamp.tz_localize("UTC").tz_convert(ctx.store.business_tz).tz_localize(None)


def approval_summary(ctx: PageContext, request) -> str:
    """What an approval request will do, in the page's language, from its kind and payload
    (the stored ``summary`` is the English one of the audit row, shown when a kind has no
    text of its own)."""
    try:
        payload = request.payload
        payload = json.loads(payload) if isinstance(payload, str) else payload
        count = ctx.int(len(payload.get("member_keys", [])))
        if request.kind == "bulk_status_change":
            return ctx.t(
                "approvals.summary.bulk_status",
                status=ctx.label("status", payload["status"]),
                n=count,
                segment=payload["segment_name"],
                as_of=payload["as_of"],
            )
        if request.kind == "member_export" and payload.get("scope") == "member_list":
            return ctx.t("approvals.summary.member_list", source=payload["source"], n=count)
        if request.kind == "member_export":
            separator = "、" if ctx.lang == "zh" else ", "
            return ctx.t(
                "approvals.summary.member_export",
                columns=separator.join(header(ctx, c) for c in payload["columns"]),
                n=count,
                segment=payload["segment_name"],
            )
        if request.kind == "member_erase":
            return ctx.t("approvals.summary.member_erase", member=payload["member_id"])
        if request.kind == "tier_rule_change":
            preview = payload["preview"]
            return ctx.t(
                "approvals.summary.tier_rule",
                up=ctx.int(preview["up"]),
                down=ctx.int(preview["down"]),
                cost_now=ctx.money(preview["cost_now"]),
                cost_new=ctx.money(preview["cost_new"]),
                as_of=preview["as_of"],
            )
    except (AttributeError, KeyError, TypeError, ValueError):
        pass
    return request.summary


def table(ctx: PageContext, frame: pd.DataFrame, kinds: dict[str, str] | None = None, **kwargs):
    """``st.dataframe`` of ``frame`` as people read it: code columns (column → kind) as
    labels, translated headers (:func:`headed`), money, count, rate and date formats
    (:func:`column_config`, plus any ``column_config`` given) and missing cells blank."""
    frame = labelled(ctx, frame, kinds or {})
    headers = {column: header(ctx, column) for column in frame.columns if isinstance(column, str)}
    moments = [column for column in UTC_TIME_COLUMNS if column in frame.columns]
    if moments:  # stored in UTC, shown in the business time zone, which the header names
        frame = frame.copy()
        zone = ctx.store.business_tz
        for column in moments:
            frame[column] = audit.in_time_zone(frame[column], zone)
            headers[column] = formats.zone_label(headers[column], zone, ctx.lang)
    config = column_config(ctx, frame, headers)
    for column in moments:
        config[headers[column]] = st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")
    config.update(kwargs.pop("column_config", None) or {})
    kwargs.setdefault("hide_index", True)
    kwargs.setdefault("width", "stretch")
    kwargs.setdefault("placeholder", "")
    return st.dataframe(frame.rename(columns=headers), column_config=config, **kwargs)


def chart(ctx: PageContext, figure, **kwargs):
    """Draw an Altair chart with the chart defaults of the page's language and currency
    (:func:`core.charts.localise`), full width."""
    kwargs.setdefault("width", "stretch")
    return st.altair_chart(charts.localise(figure, ctx.lang, ctx.currency), **kwargs)


# -- drill-down (core/drilldown.py) ---------------------------------------------------------

DRILL_PAGE = "pages/member_list.py"
DRILL_SELECTION = "drill"  # the Vega-Lite selection a click on a drillable chart makes


def drill_chart(
    ctx: PageContext,
    figure,
    key: str,
    fields: list[str],
    target,
    filters: GlobalFilters,
    **kwargs,
) -> None:
    """:func:`chart`, and for roles that may open member lists (``VIEW_MEMBER_LIST``) a click
    on a bar, cell or point opens the member list of what was clicked: ``target`` turns the
    clicked datum's ``fields`` (a dict) into a ``core.drilldown.DrillTarget`` (or None: not
    drillable, e.g. a mean row) and the page switches to the member list with the target and
    ``filters`` (the filters the chart was drawn with) in its link. A tag's bar passes a
    ``{"tag": code}`` dict instead of a target: the member list's own tag source."""
    if not ctx.can(permissions.Capability.VIEW_MEMBER_LIST):
        chart(ctx, figure, **kwargs)
        return
    selection = alt.selection_point(name=DRILL_SELECTION, fields=fields, on="click")
    figure = figure.add_params(selection)
    # SVG: each mark is an element a person's screen reader (and a browser test) can find
    svg = {"embedOptions": {"renderer": "svg"}}
    event = chart(
        ctx,
        figure.properties(usermeta=svg),
        key=key,
        on_select="rerun",
        selection_mode=DRILL_SELECTION,
        **kwargs,
    )
    points = (event.selection.get(DRILL_SELECTION) or []) if event else []
    point = points[0] if points else None
    try:
        wanted = target(point) if isinstance(point, dict) else None
    except (KeyError, ValueError):  # a mark without the fields (or a bad value): no drill
        wanted = None
    if wanted is None:
        return
    params = wanted if isinstance(wanted, dict) else wanted.query_params()
    st.switch_page(DRILL_PAGE, query_params={**filters.to_query_params(), **params})


def drill_text(ctx: PageContext, target, filters: GlobalFilters, as_of: date) -> str:
    """What a drill-down list holds, as a sentence: ``2026-06-01 至 2026-06-16 经「微信」渠道注册
    的会员``."""
    period = filters.period(as_of)
    span = {"start": period.start.isoformat(), "end": period.end.isoformat()}
    if target.kind == "channel":
        return ctx.t("drill.channel", channel=ctx.label("channel", target.value), **span)
    if target.kind == "tier":
        return ctx.t("drill.tier", tier=ctx.label("tier", target.value), day=target.day)
    if target.kind == "cohort":
        return ctx.t(
            "drill.cohort_signup" if target.by == "signup" else "drill.cohort_first_activity",
            unit=ctx.t(f"unit.{target.unit}"),
            start=target.day.isoformat(),
            end=target.cohort_end().isoformat(),
        )
    if target.kind == "hour":
        weekday = ctx.t(f"weekday.{target.weekday}")
        return ctx.t("drill.hour", weekday=weekday, hour=f"{target.hour:02d}", **span)
    step = ctx.t(f"funnel.step.{metrics.FUNNEL_STEPS[target.step - 1]}")
    if target.step == len(metrics.FUNNEL_STEPS):
        return ctx.t("drill.dropoff_last", step=step, **span)
    following = ctx.t(f"funnel.step.{metrics.FUNNEL_STEPS[target.step]}")
    return ctx.t("drill.dropoff", step=step, next=following, **span)


def labelled(ctx: PageContext, frame: pd.DataFrame, kinds: dict[str, str]) -> pd.DataFrame:
    """``frame`` with its code columns (column → kind) shown as labels (``core.labels``)."""
    return labels.label_frame(frame, kinds, ctx.lang, ctx.store)


def header(ctx: PageContext, column: str) -> str:
    """A column's header in the page language (``col.<column>``), money columns with the
    currency; a column without a ``col.`` key keeps its name."""
    key = f"col.{column}"
    if key not in i18n.CATALOGUE:
        return ctx.money_headers([column]).get(column, column)
    text = ctx.t(key)
    return ctx.money_label(text) if ctx.money_headers([column]) else text


def log_table(ctx: PageContext, frame: pd.DataFrame, zone: str) -> pd.DataFrame:
    """A log (audit rows, sign-ins) with its ``logged_at`` (stored in UTC) shown in the
    business time zone ``zone``, which the time column's header names; headers translated.
    Returns the table as shown (a download of it is what the person saw)."""
    time_header = ctx.t("audit.time", zone=zone)
    shown = headed(
        ctx, frame.assign(logged_at=audit.in_time_zone(frame["logged_at"], zone))
    ).rename(columns={header(ctx, "logged_at"): time_header})
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        placeholder="",
        column_config={time_header: st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm:ss")},
    )
    return shown


def headed(ctx: PageContext, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with translated headers (:func:`header`) for showing or downloading."""
    return frame.rename(columns={c: header(ctx, c) for c in frame.columns if isinstance(c, str)})


# member attributes that hold a code, and the kind of its label
ATTRIBUTE_KINDS = {
    "gender": "gender",
    "region": "region",
    "channel": "channel",
    "device": "device",
    "status": "status",
    "tier": "tier",
    "tier_override": "tier",
}


def attribute_rows(ctx: PageContext, attributes: dict) -> pd.DataFrame:
    """A member's attributes as a two-column table: translated field names, codes as
    labels, missing values blank."""
    fields = [header(ctx, name) for name in attributes]
    values = [
        ctx.label(ATTRIBUTE_KINDS[name], value) if name in ATTRIBUTE_KINDS
        else "" if value is None or (isinstance(value, float) and pd.isna(value))
        else str(value)
        for name, value in attributes.items()
    ]  # fmt: skip
    return pd.DataFrame({ctx.t("col.field"): fields, ctx.t("col.value"): values})


def alert_group_text(ctx: PageContext, kind: str, value: str | None) -> str:
    """An alert group as a person reads it: ``渠道: 抖音``, ``标签: 沉睡``, ``全体会员``."""
    if kind == "everyone":
        return ctx.t("kind.everyone")
    if kind == "segment":
        segment = segments.get_segment(ctx.store, int(value)) if value else None
        return f"{ctx.t('kind.segment')}: {segment.name if segment else value}"
    if kind == "at_risk":
        return f"{ctx.t('kind.at_risk')} ≥ {ctx.percent(float(value or 0.5))}"
    shown = ctx.label(kind, value) if kind in labels.KINDS else value
    return f"{ctx.t(f'kind.{kind}')}: {shown}"


def table_behind(ctx: PageContext, frame, name: str, kinds: dict[str, str] | None = None) -> None:
    """The table behind a chart, in an expander, with labels for the code columns of
    ``kinds`` (column → kind), translated headers and number formats; a CSV download for
    roles that may export. A ``group`` column names the whole population (``all``)."""
    frame = labelled(ctx, frame, {"group": "group", **(kinds or {})})
    headers = {column: header(ctx, column) for column in frame.columns if isinstance(column, str)}
    config = column_config(ctx, frame, headers)
    frame = frame.rename(columns=headers)
    with st.expander(ctx.t("analytics.table")):
        st.dataframe(
            frame, hide_index=True, width="stretch", placeholder=i18n.EMPTY, column_config=config
        )
        if ctx.can(permissions.Capability.EXPORT_AGGREGATE):
            st.download_button(
                ctx.t("analytics.download"),
                data=exports.csv_bytes(frame),
                file_name=f"memberlens_{name}.csv",
                mime="text/csv",
                key=f"ml_download_{name}",
                on_click="ignore",
            )
        else:
            st.caption(ctx.t("analytics.no_export"))


# the code columns of member-level downloads, and the kind of their labels
MEMBER_FILE_KINDS = {
    "tier": "tier",
    "channel": "channel",
    "region": "region",
    "status": "status",
    "device": "device",
    "gender": "gender",
    "tags": "tags",
}


def shown_file(ctx: PageContext, frame: pd.DataFrame, kinds: dict[str, str] | None = None):
    """A download as the page shows it (issue 14.2): codes as labels and translated headers.
    CLI reports keep machine headers (docs/REPORTS.md); files from the UI use this."""
    return headed(ctx, labelled(ctx, frame, MEMBER_FILE_KINDS if kinds is None else kinds))


def shown_csv(ctx: PageContext, data: bytes, kinds: dict[str, str] | None = None) -> bytes:
    """A CSV made in ``core`` with machine headers (an approved export) as :func:`shown_file`;
    every cell is read back as text, so IDs keep their leading zeros."""
    frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    return exports.csv_bytes(shown_file(ctx, frame, kinds))


# -- churn and LTV models (core/churn.py) ---------------------------------------------------


@st.cache_resource(show_spinner=False)
def _churn_jobs() -> tuple:
    """One worker thread per process for model fits, and the jobs by (store, stamp, as-of).

    Fits run there, not in a page script, so a refit never blocks anybody's page; the page
    that started it polls the job from a fragment.
    """
    from concurrent.futures import ThreadPoolExecutor

    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="churn-fit"), {}


def churn_job_key(ctx: PageContext, as_of: date) -> tuple:
    from core import churn

    return (str(ctx.store.path), churn.data_stamp(ctx.store), as_of)


def churn_job(ctx: PageContext, as_of: date):
    """The running or last finished fit job for this store, data and as-of date, if any."""
    _, jobs = _churn_jobs()
    return jobs.get(churn_job_key(ctx, as_of))


def start_churn_fit(ctx: PageContext, as_of: date):
    """Queue a fit of every churn/LTV model (unless one is already running); the job."""
    from core import churn

    permissions.require(ctx.role, permissions.Capability.VIEW_CHURN)
    executor, jobs = _churn_jobs()
    key = churn_job_key(ctx, as_of)
    job = jobs.get(key)
    if job is None or job.done:
        job = churn.FitJob()
        jobs[key] = job
        executor.submit(job.run, ctx.store, as_of, None, ctx.account.username)
    return job


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False)
def _churn_window(path: str, stamp: tuple, as_of: date, setting: int | None):
    from core.churn_window import churn_window

    return churn_window(_open_store(path), as_of)


def cached_churn_window(ctx: PageContext, as_of: date):
    """The store's churn window as of ``as_of`` (:func:`core.churn_window.churn_window`)."""
    from core import settings

    setting = settings.get(ctx.store, "churn_window_days")
    return _churn_window(str(ctx.store.path), data_stamp(ctx.store), as_of, setting)


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False)
def _churn_fit(path: str, stamp: str, as_of: date, days: int, last_run: int | None):
    from core import churn

    return churn.load_fit(_open_store(path), as_of, days, with_scores=False)


def cached_churn_fit(ctx: PageContext, as_of: date):
    """The stored fit (summary only) for the store's current data, ``as_of`` and churn
    window, or None."""
    from core import churn

    days = cached_churn_window(ctx, as_of).days
    last_run = ctx.store.scalar("select max(run_id) from churn_model_runs")
    return _churn_fit(str(ctx.store.path), churn.data_stamp(ctx.store), as_of, days, last_run)


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False)
def _kaplan_meier(
    path: str,
    stamp: tuple,
    filters: tuple,
    as_of: date,
    by: str,
    segment: tuple | None,
    days: int,
):
    from core import churn

    store = _open_store(path)
    scope = GlobalFilters(*filters)
    if segment is None:
        return churn.kaplan_meier(churn.survival_frame(store, as_of, days, filters=scope), by)
    # a segment against everyone else in the other filters
    segment_id, name, others = segment
    scope = dataclasses.replace(scope, segment=None)
    frame = churn.survival_frame(store, as_of, days, filters=scope)
    return churn.kaplan_meier(churn.label_segment(store, frame, segment_id, name, others), by)


def cached_kaplan_meier(
    ctx: PageContext,
    filters: GlobalFilters,
    as_of: date,
    by: str,
    segment: tuple[int, str, str] | None = None,
):
    """KM curves by ``by``; with ``segment`` = (id, name, label for the rest), the groups are
    that saved segment's members and everyone else in the filter scope. Churned: no activity
    for the store's churn window."""
    days = cached_churn_window(ctx, as_of).days
    return _kaplan_meier(
        str(ctx.store.path), data_stamp(ctx.store), astuple(filters), as_of, by, segment, days
    )


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False)
def _at_risk(path: str, run_id: int, filters: tuple, min_probability: float):
    from core import churn

    return churn.at_risk_list(_open_store(path), run_id, GlobalFilters(*filters), min_probability)


def cached_at_risk(ctx: PageContext, run_id: int, filters: GlobalFilters, min_probability: float):
    return _at_risk(str(ctx.store.path), run_id, astuple(filters), min_probability)


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False)
def _ltv_groups(path: str, run_id: int, filters: tuple, dimension: str):
    from core import churn

    return churn.ltv_by_group(_open_store(path), run_id, dimension, GlobalFilters(*filters))


def cached_ltv_by_group(ctx: PageContext, run_id: int, filters: GlobalFilters, dimension: str):
    return _ltv_groups(str(ctx.store.path), run_id, astuple(filters), dimension)


# -- writes from a page ---------------------------------------------------------------------


def attempt(ctx: PageContext, action, *args, **kwargs):
    """Call a write function of ``core``; show a refusal or a user error instead of a
    traceback and return None, else return its result.

    The function itself checks the role (``PermissionDenied``), the values (errors with a
    translation ``code``) and writes the audit row in its transaction (``AuditError``:
    nothing was changed).
    """
    import duckdb

    from core.audit import AuditError

    try:
        return action(*args, **kwargs)
    except permissions.PermissionDenied:
        st.error(ctx.t("common.action_denied", role=ctx.t(f"role.{ctx.role}")))
    except AuditError:
        st.error(ctx.t("common.audit_failed"))
    except duckdb.TransactionException:
        st.error(ctx.t("common.conflict"))
    except StoreError as exc:  # e.g. an unreadable import file: the message says which
        code = getattr(exc, "code", None)
        if code in i18n.CATALOGUE:  # a refusal worded in the catalogue (core.ingest)
            st.error(ctx.t_md(code, **getattr(exc, "values", {})))
        else:
            st.error(ctx.t_md("common.store_error", error=exc))
    except Exception as exc:  # errors a user can cause carry a translation code
        code = getattr(exc, "code", None)
        if code is None or code not in i18n.CATALOGUE:
            raise
        st.error(ctx.t_md(code, **getattr(exc, "values", {})))
    return None

"""The member, tier-rule, approval, audit and account pages through AppTest: a role
without rights sees no data, forged widget values (a disabled button clicked, an option
that was not offered) change nothing, and a real edit goes through with its audit row."""

from __future__ import annotations

import time

import pytest
from streamlit.proto.WidgetStates_pb2 import WidgetState
from streamlit.testing.v1 import AppTest

from core import auth, i18n
from core.config import PROJECT_ROOT
from core.store import close_store
from tests.fixtures_admin import build_admin_store
from tests.fixtures_app import COOKIE_KEY, PASSWORDS

APP = str(PROJECT_ROOT / "app.py")


@pytest.fixture()
def store(tmp_path, monkeypatch):
    monkeypatch.setattr(auth, "BCRYPT_ROUNDS", 4)
    path = tmp_path / "pages.duckdb"
    monkeypatch.setenv("MEMBERLENS_DB", str(path))
    monkeypatch.setenv(auth.COOKIE_KEY_ENV_VAR, COOKIE_KEY)
    store = build_admin_store(path)
    for role, password in PASSWORDS.items():
        auth.create_account(store, "admin", role, password, role)
    auth.create_account(store, "admin", "admin2", "admin2-pass-01", "admin")
    yield store
    close_store(path)


def open_page(page: str, username: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state["ml_session"] = {"username": username, "issued_at": time.time()}
    at.run()
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, at.exception
    return at


def members_row(store, key=1) -> dict:
    return store.df("select * from members where member_key = $k", {"k": key}).iloc[0].to_dict()


def no_data(at: AppTest) -> bool:
    return not at.main.dataframe and not at.main.text_input and not at.main.button


def search(at: AppTest, text: str) -> AppTest:
    at.text_input(key="members_query").input(text).run()
    assert not at.exception, at.exception
    return at


def forged(widget):
    """The widget as a hand-made request sees it: the browser's ``disabled`` ignored."""
    widget.proto.disabled = False
    return widget


def offer(selectbox, raw: str) -> None:
    """Make ``selectbox`` report ``raw`` as its choice, as a hand-made request could."""

    class Forged(type(selectbox)):
        @property
        def _widget_state(self) -> WidgetState:
            state = WidgetState()
            state.id = self.id
            state.string_value = raw
            return state

    selectbox.__class__ = Forged


def form_button(at: AppTest, form: str):
    return next(b for b in at.button if b.form_id == form)


# -- members ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["viewer", "analyst"])
def test_members_page_refuses_roles_without_look_up(store, role):
    at = open_page("members", role)
    assert no_data(at)
    assert at.error


def test_support_sees_pii_with_edit_forms_disabled(store):
    at = search(open_page("members", "support"), "M1")
    shown = at.dataframe[0].value
    assert shown[i18n.t("col.phone", "zh")].iloc[0] == "13800000001"
    assert all(b.disabled for b in at.button if b.form_id == "members_status")


def test_support_clicking_a_disabled_button_changes_nothing(store):
    before = members_row(store)
    at = search(open_page("members", "support"), "M1")
    status = next(s for s in at.selectbox if "冻结" in str(s.options))
    forged(status).set_value("frozen")
    forged([t for t in at.text_input if t.form_id == "members_status"][0]).input("forged")
    forged(form_button(at, "members_status")).click().run()
    assert not at.exception
    # Streamlit discards a disabled widget's forged value; core.members would refuse anyway
    assert members_row(store) == before
    changes = (
        "select count(*) from audit_log where action like 'member.%' and action <> 'member.view'"
    )
    assert store.scalar(changes) == 0  # views are audited (issue 13.5)


def test_an_admin_is_told_to_compact_the_store_after_an_erasure(store):
    from datetime import datetime

    from core import approvals, i18n, privacy

    request_id = privacy.request_erasure(
        store, "operator", "operator", 1, "DSAR", datetime(2026, 7, 1)
    )
    approvals.approve(store, "admin", "admin", request_id, now=datetime(2026, 7, 1))
    notice = i18n.t("privacy.compact_due", "zh")
    at = search(open_page("members", "admin"), "M1")
    assert [i.value for i in at.info if i.value == notice] == [notice]
    at = search(open_page("members", "support"), "M1")
    assert not [i for i in at.info if i.value == notice]


def test_operator_sees_masked_pii_and_edits_status(store):
    at = search(open_page("members", "operator"), "M1")
    assert at.dataframe[0].value[i18n.t("col.phone", "zh")].iloc[0] == "138****0001"
    status = next(s for s in at.selectbox if "冻结" in str(s.options))
    status.set_value("frozen")
    reason = [t for t in at.text_input if t.form_id == "members_status"][0]
    reason.input("chargeback")
    form_button(at, "members_status").click().run()
    assert not at.exception and not at.error
    assert members_row(store)["status"] == "frozen"
    assert store.scalar("select count(*) from audit_log where action = 'member.status'") == 1


def test_a_tier_override_shows_at_once_and_the_control_starts_at_the_current_tier(store):
    at = search(open_page("members", "operator"), "M1")
    tier_box = next(b for b in at.selectbox if b.form_id == "members_tier")
    assert tier_box.value == members_row(store)["tier"]  # issue 14.11: not the first tier
    new_tier = next(code for code in tier_box.options if code not in (tier_box.value,))
    tier_box.set_value(new_tier)
    [t for t in at.text_input if t.form_id == "members_tier"][0].input("VIP by contract")
    form_button(at, "members_tier").click().run()
    assert not at.exception and not at.error
    assert members_row(store)["tier_override"] == new_tier
    # the same click shows the new state: the note above the form and the control
    assert i18n.t("members.current_override", "zh", tier=new_tier) in [c.value for c in at.caption]
    assert next(b for b in at.selectbox if b.form_id == "members_tier").value == new_tier
    assert [s.value for s in at.success] == [i18n.t("common.saved", "zh")]


def test_operator_forged_status_option_changes_nothing(store):
    before = members_row(store)
    at = search(open_page("members", "operator"), "M1")
    status = next(s for s in at.selectbox if "冻结" in str(s.options))
    offer(status, "deleted")  # a value the widget never offered
    [t for t in at.text_input if t.form_id == "members_status"][0].input("forged")
    form_button(at, "members_status").click().run()
    assert members_row(store) == before
    changes = (
        "select count(*) from audit_log where action like 'member.%' and action <> 'member.view'"
    )
    assert store.scalar(changes) == 0  # views are audited (issue 13.5)


# -- tier rules, approvals, audit, accounts ------------------------------------------------

ADMIN_ONLY = ["audit", "accounts"]


@pytest.mark.parametrize("page", ["tier_rules", "approvals", "audit", "accounts"])
def test_admin_pages_open_without_errors(store, page):
    at = open_page(page, "admin")
    assert not at.error and at.title


@pytest.mark.parametrize(
    ("page", "role"),
    [
        ("tier_rules", "viewer"),
        ("tier_rules", "analyst"),
        ("tier_rules", "support"),
        ("approvals", "viewer"),
        ("approvals", "support"),
        ("audit", "operator"),
        ("audit", "analyst"),
        ("accounts", "operator"),
        ("accounts", "support"),
    ],
)
def test_roles_without_rights_see_no_data(store, page, role):
    at = open_page(page, role)
    assert no_data(at) and at.error


def test_tier_rule_preview_and_request_through_the_page(store):
    at = open_page("tier_rules", "operator")
    at.number_input(key="tier_threshold_bronze").set_value(400.0)
    at.number_input(key="tier_threshold_silver").set_value(1300.0)
    at.number_input(key="tier_discount_gold").set_value(0.75)
    [t for t in at.text_input if t.form_id == "tier_rules_edit"][0].input("spring campaign")
    next(b for b in at.button if b.label == "提交审批" and b.form_id == "tier_rules_edit").click()
    at.run()
    assert not at.exception and not at.error
    summary = store.scalar("select summary from approval_requests")
    assert "1 up, 1 down" in summary and "985.00→1,095.00" in summary
    assert store.scalar("select threshold from tiers where tier_code = 'bronze'") == 500


def approvals_link(at: AppTest) -> str:
    title = i18n.t("page.approvals", "zh")
    return next(
        link.proto.label for link in at.sidebar.get("page_link") if title in link.proto.label
    )


def test_the_approvals_menu_entry_counts_the_requests_waiting_for_this_person(store):
    from core import privacy

    privacy.request_erasure(store, "operator", "operator", 1, "DSAR")
    privacy.request_erasure(store, "admin", "admin", 2, "DSAR")
    title = i18n.t("page.approvals", "zh")
    # admin may approve the operator's request, not their own
    assert approvals_link(open_page("members", "admin")) == f"{title} :red-badge[1]"
    assert approvals_link(open_page("members", "admin2")) == f"{title} :red-badge[2]"
    # the operator may not approve: no badge
    assert approvals_link(open_page("members", "operator")) == title


def test_approvals_page_hides_approve_on_own_request_and_approves_others(store):
    from core import tier_rules
    from tests.test_tier_rules import proposal

    request_id = tier_rules.request_change(store, "operator", "operator", proposal(), "campaign")
    at = open_page("approvals", "operator")
    assert not [b for b in at.button if b.key == f"approvals_approve_{request_id}"]
    at = open_page("approvals", "admin")
    at.button(key=f"approvals_approve_{request_id}").click().run()
    assert not at.exception and not at.error
    assert store.scalar("select status from approval_requests") == "executed"
    assert store.scalar("select tier from members where member_id = 'M4'") == "bronze"


def test_audit_view_never_shows_raw_personal_data(store):
    from core import members

    members.update_contact(store, "support", "admin", 1, {"phone": "13912345678"}, "moved")
    at = open_page("audit", "admin")
    table = at.dataframe[0].value
    text = table.to_csv()
    assert i18n.t("label.audit_action.member.contact", "zh") in text and "139****5678" in text
    assert "13912345678" not in text and "13800000001" not in text


def test_disabling_through_the_accounts_page_ends_the_session(store):
    issued_at = time.time()
    assert auth.session_account(store, "analyst", issued_at) is not None
    at = open_page("accounts", "admin")
    at.selectbox(key="accounts_pick").set_value("analyst").run()
    at.button(key="accounts_disable").click().run()
    assert not at.exception
    assert auth.get_account(store, "analyst").disabled
    assert auth.session_account(store, "analyst", issued_at) is None

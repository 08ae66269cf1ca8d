"""Account administration (core/auth.py): roles refused, sessions ended by disabling and by
role and password changes, the last admin kept, TOTP, lockout still in force; all audited."""

from __future__ import annotations

from datetime import datetime, timedelta

import pyotp
import pytest

from core import audit, auth
from core.auth import AuthError
from core.permissions import PermissionDenied
from core.store import close_store, open_store
from tests.fixtures_app import PASSWORDS

T0 = datetime(2026, 7, 1, 8, 0)


@pytest.fixture()
def store(tmp_path, monkeypatch):
    monkeypatch.setattr(auth, "BCRYPT_ROUNDS", 4)
    path = tmp_path / "accounts.duckdb"
    store = open_store(path)
    auth.create_first_admin(store, "root", "root-pass-0001", now=T0)
    for role, password in PASSWORDS.items():
        auth.create_account(store, "admin", role, password, role, actor="root", now=T0)
    yield store
    close_store(path)


def issued(moment: datetime) -> float:
    return auth.to_epoch(moment)


def accounts_state(store):
    return store.df("select * from accounts order by username").to_dict("records")


WRITES = {
    "create": lambda s, r: auth.create_account(s, r, "newbie", "newbie-pass-1", "viewer"),
    "disable": lambda s, r: auth.disable_account(s, r, "viewer", actor="x"),
    "enable": lambda s, r: auth.enable_account(s, r, "viewer", actor="x"),
    "set_role": lambda s, r: auth.set_role(s, r, "viewer", "admin", actor="x"),
    "reset_password": lambda s, r: auth.reset_password(s, r, "viewer", "hijack-pass-1", "x"),
    "reset_totp": lambda s, r: auth.reset_totp(s, r, "viewer", "x"),
    "totp_policy": lambda s, r: auth.set_totp_required_for_admins(s, r, True, "x"),
}


@pytest.mark.parametrize("write", list(WRITES))
@pytest.mark.parametrize("role", ["viewer", "analyst", "support", "operator", None])
def test_account_writes_refused_for_non_admins(store, write, role):
    before = accounts_state(store)
    with pytest.raises(PermissionDenied):
        WRITES[write](store, role)
    assert accounts_state(store) == before
    assert not auth.totp_required_for_admins(store)


def test_disabling_an_account_invalidates_its_cookie(store):
    cookie = issued(T0 + timedelta(minutes=5))
    assert auth.session_account(store, "analyst", cookie) is not None
    auth.disable_account(store, "admin", "analyst", actor="root", now=T0 + timedelta(minutes=10))
    assert auth.session_account(store, "analyst", cookie) is None
    assert auth.session_account(store, "analyst", issued(T0 + timedelta(hours=1))) is None
    result = auth.authenticate(store, "analyst", PASSWORDS["analyst"], now=T0 + timedelta(hours=1))
    assert not result.ok


def test_role_change_and_password_reset_end_sessions(store):
    cookie = issued(T0 + timedelta(minutes=5))
    auth.set_role(store, "admin", "viewer", "analyst", actor="root", now=T0 + timedelta(minutes=10))
    assert auth.get_account(store, "viewer").role == "analyst"
    assert auth.session_account(store, "viewer", cookie) is None
    cookie = issued(T0 + timedelta(minutes=15))
    auth.reset_password(
        store, "admin", "viewer", "fresh-pass-123", actor="root", now=T0 + timedelta(minutes=20)
    )
    assert auth.session_account(store, "viewer", cookie) is None
    later = T0 + timedelta(minutes=30)
    assert auth.authenticate(store, "viewer", "fresh-pass-123", now=later).ok


def test_admin_cannot_lock_themselves_out_or_remove_the_last_admin(store):
    with pytest.raises(AuthError) as error:
        auth.disable_account(store, "admin", "root", actor="root")
    assert error.value.code == "accounts.error.self"
    with pytest.raises(AuthError):
        auth.set_role(store, "admin", "root", "viewer", actor="root")
    auth.disable_account(store, "admin", "admin", actor="root")
    with pytest.raises(AuthError) as error:
        auth.set_role(store, "admin", "root", "viewer", actor="someone")
    assert error.value.code == "accounts.error.last_admin"
    assert auth.get_account(store, "root").role == "admin"


def test_account_changes_are_in_the_audit_chain(store):
    auth.set_role(store, "admin", "viewer", "analyst", actor="root")
    auth.disable_account(store, "admin", "support", actor="root")
    actions = store.df(
        "select action, actor, target, after_json from audit_log where action like 'account.%' "
        "order by audit_id"
    )
    assert list(actions["action"])[-2:] == ["account.role", "account.disable"]
    assert "viewer -> analyst" in actions["after_json"].iloc[-2]
    assert audit.verify_chain(store).ok


def test_login_and_denied_access_are_audited(store):
    auth.authenticate(store, "nobody", "wrong-pass-1", now=T0)
    auth.authenticate(store, "viewer", PASSWORDS["viewer"], now=T0)
    auth.record_access(store, "viewer", "viewer", "page", "audit", "denied")
    rows = store.df("select actor, action, target, after_json from audit_log order by audit_id")
    tail = rows.tail(5).to_dict("records")
    # each sign-in is counted (login_attempt) before its password is checked, then its outcome
    assert [r["action"] for r in tail] == [
        "access.login_attempt",
        "access.login",
        "access.login_attempt",
        "access.login",
        "access.page",
    ]
    assert tail[1]["actor"] is None and '"failed"' in tail[1]["after_json"]
    assert tail[3]["actor"] == "viewer" and '"ok"' in tail[3]["after_json"]
    assert tail[4]["target"] == "audit" and '"denied"' in tail[4]["after_json"]


def test_lockout_still_holds(store):
    for _ in range(auth.MAX_FAILED_LOGINS):
        auth.authenticate(store, "operator", "wrong-password", now=T0)
    locked = auth.authenticate(store, "operator", PASSWORDS["operator"], now=T0)
    assert locked.reason == "locked" and not locked.ok
    unknown = [auth.authenticate(store, "ghost", "x-wrong-pass", now=T0) for _ in range(5)]
    assert unknown[-1].reason == "locked"
    later = T0 + auth.LOCKOUT + timedelta(seconds=1)
    assert auth.authenticate(store, "operator", PASSWORDS["operator"], now=later).ok


def test_totp_enrolment_and_sign_in(store):
    secret, uri = auth.start_totp(store, "admin")
    assert uri.startswith("otpauth://totp/") and "MemberLens" in uri
    assert not auth.totp_enabled(store, "admin")
    now = T0 + timedelta(minutes=1)
    with pytest.raises(AuthError):
        auth.confirm_totp(store, "admin", "000000", now=now)
    auth.confirm_totp(store, "admin", pyotp.TOTP(secret).at(now), now=now)
    assert auth.totp_enabled(store, "admin")
    later = T0 + timedelta(minutes=5)
    assert not auth.authenticate(store, "admin", PASSWORDS["admin"], now=later).ok
    code = pyotp.TOTP(secret).at(later)
    assert auth.authenticate(store, "admin", PASSWORDS["admin"], now=later, totp_code=code).ok
    # the same code cannot be replayed
    replay = auth.authenticate(store, "admin", PASSWORDS["admin"], now=later, totp_code=code)
    assert not replay.ok


def test_totp_can_be_required_for_admins(store):
    account = auth.get_account(store, "admin")
    assert not auth.must_enrol_totp(store, account)
    auth.set_totp_required_for_admins(store, "admin", True, actor="root")
    assert auth.must_enrol_totp(store, account)
    assert not auth.must_enrol_totp(store, auth.get_account(store, "viewer"))
    secret, _ = auth.start_totp(store, "admin")
    now = datetime.utcnow()
    auth.confirm_totp(store, "admin", pyotp.TOTP(secret).at(now), now=now)
    assert not auth.must_enrol_totp(store, account)
    auth.reset_totp(store, "admin", "admin", actor="root")
    assert auth.must_enrol_totp(store, account)

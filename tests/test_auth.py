"""Accounts, passwords, lockout, sessions and cookie-key rules (core/auth.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from core import auth
from core.permissions import PermissionDenied
from tests.fixtures_app import PASSWORDS, add_accounts, build_small_store

T0 = datetime(2026, 7, 1, 9, 0, 0)


@pytest.fixture(autouse=True)
def fast_bcrypt(monkeypatch):
    monkeypatch.setattr(auth, "BCRYPT_ROUNDS", 4)


@pytest.fixture()
def store(tmp_path):
    store = build_small_store(tmp_path / "auth.duckdb")
    add_accounts(store)
    return store


def test_password_hash_is_bcrypt_and_verifies():
    stored = auth.hash_password("correct horse")
    assert stored.startswith("sha256-bcrypt$$2b$04$")
    assert auth.verify_password("correct horse", stored)
    assert not auth.verify_password("correct horsE", stored)


def test_passwords_longer_than_72_bytes_are_fully_checked():
    # 30 Chinese characters are 90 bytes in UTF-8; bcrypt alone would read only 72 of them
    long_password = "会员数据分析后台的安全密码" * 3
    assert len(long_password.encode("utf-8")) > 72
    stored = auth.hash_password(long_password)
    assert auth.verify_password(long_password, stored)
    # same first 72 bytes, different end: bcrypt alone would accept this
    assert not auth.verify_password(long_password[:-1] + "马", stored)
    assert not auth.verify_password(long_password[:-1] + "X", stored)


def test_plain_bcrypt_hash_with_long_password_does_not_raise():
    import bcrypt

    plain = bcrypt.hashpw(b"short-password", bcrypt.gensalt(rounds=4)).decode()
    assert auth.verify_password("short-password", plain)
    assert not auth.verify_password("长" * 100, plain)  # bcrypt 5 raises on > 72 bytes
    assert not auth.verify_password("x", "not a hash")


def test_sign_in_with_a_long_chinese_password(store):
    password = "这是一个非常长的中文密码用来测试超过七十二字节的情况" * 2
    auth.create_account(store, "admin", "zhang.san", password, "analyst")
    assert auth.authenticate(store, "zhang.san", password, now=T0).ok
    assert not auth.authenticate(store, "zhang.san", password[:-1], now=T0).ok


def test_authenticate_ok_and_wrong_password(store):
    result = auth.authenticate(store, "Viewer ", PASSWORDS["viewer"], now=T0)
    assert result.ok and result.account.username == "viewer"
    assert result.account.role == "viewer"
    wrong = auth.authenticate(store, "viewer", "nope", now=T0)
    assert not wrong.ok and wrong.reason == "invalid"


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(store):
    unknown = auth.authenticate(store, "nobody", "whatever", now=T0)
    wrong = auth.authenticate(store, "viewer", "whatever", now=T0)
    assert (unknown.ok, unknown.reason) == (wrong.ok, wrong.reason) == (False, "invalid")


def test_five_failures_lock_the_account_for_fifteen_minutes(store):
    for attempt in range(4):
        result = auth.authenticate(store, "analyst", "bad", now=T0 + timedelta(seconds=attempt))
        assert result.reason == "invalid"
    fifth = auth.authenticate(store, "analyst", "bad", now=T0 + timedelta(seconds=4))
    assert fifth.reason == "locked" and fifth.locked_minutes == 15
    # even the right password is refused while locked
    during = auth.authenticate(
        store, "analyst", PASSWORDS["analyst"], now=T0 + timedelta(minutes=14, seconds=4)
    )
    assert not during.ok and during.reason == "locked"
    assert during.locked_minutes == 1


def test_lockout_expires_after_fifteen_minutes(store):
    for attempt in range(5):
        auth.authenticate(store, "analyst", "bad", now=T0 + timedelta(seconds=attempt))
    after = auth.authenticate(
        store, "analyst", PASSWORDS["analyst"], now=T0 + timedelta(minutes=15, seconds=5)
    )
    assert after.ok
    # the count starts again from zero after a success
    for _ in range(4):
        result = auth.authenticate(store, "analyst", "bad", now=T0 + timedelta(minutes=20))
        assert result.reason == "invalid"


def test_failures_far_apart_do_not_accumulate(store):
    for hour in range(6):
        result = auth.authenticate(store, "viewer", "bad", now=T0 + timedelta(hours=hour))
        assert result.reason == "invalid"


def test_unknown_names_lock_like_real_ones(store):
    results = [
        auth.authenticate(store, "ghost", "bad", now=T0 + timedelta(seconds=i)) for i in range(5)
    ]
    assert [r.reason for r in results] == ["invalid"] * 4 + ["locked"]


def test_failed_sign_ins_are_logged_without_the_typed_unknown_name(store):
    auth.authenticate(store, "my-secret-password-typed-as-name", "x", now=T0)
    log = auth.recent_access(store)
    assert not log["username"].fillna("").str.contains("secret").any()
    assert (log["outcome"] == "failed").sum() == 1


def test_disabled_account_cannot_sign_in_and_loses_its_sessions(store):
    session_start = auth.to_epoch(auth.utcnow()) + 1
    assert auth.session_account(store, "support", session_start) is not None
    auth.disable_account(store, "admin", "support")
    assert auth.session_account(store, "support", session_start) is None
    assert auth.authenticate(store, "support", PASSWORDS["support"]).reason == "invalid"


def test_only_admins_manage_accounts(store):
    with pytest.raises(PermissionDenied):
        auth.create_account(store, "operator", "newbie", "long-enough-1", "viewer")
    with pytest.raises(PermissionDenied):
        auth.disable_account(store, "analyst", "viewer")


def test_logout_ends_every_session_of_the_account(store):
    before = auth.to_epoch(auth.utcnow())
    assert auth.session_account(store, "viewer", before) is not None
    auth.end_sessions(store, "viewer")
    assert auth.session_account(store, "viewer", before) is None
    assert auth.session_account(store, "viewer", auth.to_epoch(auth.utcnow()) + 1) is not None


def test_change_password_checks_current_and_ends_other_sessions(store):
    old_session = auth.to_epoch(auth.utcnow())
    with pytest.raises(auth.AuthError) as wrong:
        auth.change_password(store, "operator", "not-it", "brand-new-pass")
    assert wrong.value.code == "password.wrong_current"
    with pytest.raises(auth.AuthError) as short:
        auth.change_password(store, "operator", PASSWORDS["operator"], "short")
    assert short.value.code == "password.too_short"
    epoch = auth.change_password(store, "operator", PASSWORDS["operator"], "brand-new-pass")
    assert auth.session_account(store, "operator", old_session) is None
    assert auth.session_account(store, "operator", auth.to_epoch(epoch)) is not None
    assert auth.authenticate(store, "operator", "brand-new-pass").ok
    assert not auth.authenticate(store, "operator", PASSWORDS["operator"]).ok


def test_password_rules():
    with pytest.raises(auth.AuthError):
        auth.check_new_password("x" * (auth.PASSWORD_MAX_CHARS + 1))
    with pytest.raises(auth.AuthError):
        auth.check_new_password("samename1", "SameName1")
    auth.check_new_password("密" * 30)  # 90 bytes, fine


def test_first_admin_only_once(tmp_path):
    store = build_small_store(tmp_path / "fresh.duckdb")
    assert not auth.has_accounts(store)
    admin = auth.create_first_admin(store, "Boss", "first-admin-pass")
    assert admin.username == "boss" and admin.role == "admin"
    with pytest.raises(auth.AuthError) as again:
        auth.create_first_admin(store, "intruder", "second-admin-pass")
    assert again.value.code == "setup.already_done"


def test_demo_accounts_only_in_a_demo_store(tmp_path):
    plain = build_small_store(tmp_path / "plain.duckdb")
    with pytest.raises(auth.AuthError):
        auth.create_demo_accounts(plain)
    demo = build_small_store(tmp_path / "demo.duckdb", demo=True)
    created = auth.create_demo_accounts(demo)
    assert created == ["viewer", "analyst", "support", "operator", "admin"]
    for name, (role, password) in auth.DEMO_ACCOUNTS.items():
        result = auth.authenticate(demo, name, password)
        assert result.ok and result.account.role == role
    assert auth.create_demo_accounts(demo) == []  # idempotent


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        (None, "cookie.missing"),
        ("", "cookie.missing"),
        ("some_key", "cookie.default"),
        ("random_signature_key", "cookie.default"),
        ("tooShort-123", "cookie.short"),
        ("a" * 40, "cookie.weak"),
        ("Xk3-9fLq_27vBn0QzTw8sYp1Re6uJm4Hc5Dd", None),
    ],
)
def test_cookie_key_rules(key, problem):
    assert auth.cookie_key_problem(key) == problem


def test_non_demo_store_refuses_to_start_without_a_key(tmp_path):
    store = build_small_store(tmp_path / "prod.duckdb")
    with pytest.raises(auth.CookieKeyError) as missing:
        auth.resolve_cookie_key(None, store)
    assert missing.value.code == "cookie.missing"
    with pytest.raises(auth.CookieKeyError):
        auth.resolve_cookie_key("some_key", store)
    good = "Xk3-9fLq_27vBn0QzTw8sYp1Re6uJm4Hc5Dd"
    assert auth.resolve_cookie_key(good, store) == good


def test_demo_store_generates_and_keeps_a_local_key(tmp_path):
    store = build_small_store(tmp_path / "demo.duckdb", demo=True)
    first = auth.resolve_cookie_key(None, store)
    assert auth.cookie_key_problem(first) is None
    path = auth.demo_cookie_key_path(store)
    assert path.is_file() and (path.stat().st_mode & 0o077) == 0
    assert auth.resolve_cookie_key(None, store) == first
    with pytest.raises(auth.CookieKeyError):  # a configured bad key is refused, demo or not
        auth.resolve_cookie_key("changeme", store)


# -- lockout under parallel attempts (issue 13.1) -------------------------------------------


def slow_checks(monkeypatch, right_seconds: float = 0.5, wrong_seconds: float = 0.2):
    """Make the password check take as long as a real bcrypt check (longer for the right
    password), so parallel attempts overlap as they do in the app."""
    import time

    real = auth.verify_password

    def verify(password, stored):
        matches = real(password, stored)
        time.sleep(right_seconds if matches else wrong_seconds)
        return matches

    monkeypatch.setattr(auth, "verify_password", verify)
    monkeypatch.setattr(auth, "_dummy_verify", lambda password: time.sleep(wrong_seconds))


def in_parallel(calls):
    """Run the calls in threads released together; their results in order."""
    import threading

    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        barrier.wait()
        results[i] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.parametrize("name", ["analyst", "ghost"])
def test_parallel_wrong_attempts_lock_the_name(store, monkeypatch, name):
    slow_checks(monkeypatch)
    results = in_parallel(
        [lambda: auth.authenticate(store, name, "wrong-password", now=T0) for _ in range(12)]
    )
    reasons = [r.reason for r in results]
    # at most the limit of "wrong password" answers (the 5th failure already locks)
    assert reasons.count("invalid") <= auth.MAX_FAILED_LOGINS - 1
    assert reasons.count("locked") == 12 - reasons.count("invalid")
    assert not any(r.ok for r in results)
    if name == "analyst":
        after = auth.authenticate(store, name, PASSWORDS["analyst"], now=T0 + timedelta(minutes=1))
        assert not after.ok and after.reason == "locked"
    attempts = store.df("select outcome from access_log where event in ('login', 'login_attempt')")[
        "outcome"
    ]
    # every attempt left an audit row: 12 claims, each either "attempt" or "locked"
    assert (attempts == "attempt").sum() + (attempts == "locked").sum() >= 12


def test_right_password_among_parallel_attempts_does_not_open_a_locked_name(store, monkeypatch):
    for _ in range(auth.MAX_FAILED_LOGINS - 1):
        assert auth.authenticate(store, "analyst", "bad", now=T0).reason == "invalid"
    slow_checks(monkeypatch)
    calls = [lambda: auth.authenticate(store, "analyst", "wrong-password", now=T0)] * 39
    calls.insert(17, lambda: auth.authenticate(store, "analyst", PASSWORDS["analyst"], now=T0))
    results = in_parallel(calls)
    assert not any(r.ok for r in results)
    assert {r.reason for r in results} == {"locked"}
    assert (
        store.scalar("select count(*) from access_log where event = 'login' and outcome = 'ok'")
        == 0
    )
    refused = auth.authenticate(store, "analyst", PASSWORDS["analyst"], now=T0)
    assert not refused.ok and refused.reason == "locked"


def test_an_attempt_that_crashes_during_the_check_is_counted_and_audited(store, monkeypatch):
    def crash(password, stored):
        raise RuntimeError("killed mid-check")

    monkeypatch.setattr(auth, "verify_password", crash)
    with pytest.raises(RuntimeError):
        auth.authenticate(store, "viewer", "whatever", now=T0)
    row = store.df(
        "select actor, action, after_json from audit_log order by audit_id desc limit 1"
    ).iloc[0]
    assert (row["actor"], row["action"]) == ("viewer", "access.login_attempt")
    assert '"failures=1"' in row["after_json"]
    assert store.scalar("select max(failed_count) from login_throttle") == 1
    from core import audit

    assert audit.verify_chain(store).ok


def test_a_store_too_busy_to_count_the_attempt_gets_the_generic_answer(store, monkeypatch):
    import duckdb

    real = store.transaction
    conflicts = []

    def busy():
        conflicts.append(1)
        raise duckdb.TransactionException("write-write conflict")

    monkeypatch.setattr(store, "transaction", busy)
    result = auth.authenticate(store, "viewer", PASSWORDS["viewer"], now=T0)
    assert (result.ok, result.reason) == (False, "invalid")
    assert len(conflicts) == 5  # retried, then the generic answer
    monkeypatch.setattr(store, "transaction", real)
    assert auth.authenticate(store, "viewer", PASSWORDS["viewer"], now=T0).ok


def test_sign_ins_beside_other_audit_writers_never_raise(store, monkeypatch):
    import threading

    from core import audit

    slow_checks(monkeypatch, right_seconds=0.05, wrong_seconds=0.05)
    stop = threading.Event()

    def other_writer():
        while not stop.is_set():
            try:
                audit.record_now(store, actor="x", role="admin", action="access.page")
            except audit.AuditError:
                pass  # the other writer may lose a conflict; sign-ins must not

    writer = threading.Thread(target=other_writer)
    writer.start()
    try:
        results = in_parallel(
            [lambda: auth.authenticate(store, "viewer", PASSWORDS["viewer"]) for _ in range(8)]
        )
    finally:
        stop.set()
        writer.join()
    assert all(r.reason in ("ok", "invalid") for r in results)
    assert audit.verify_chain(store).ok


# -- cookies, sessions, second factor, password changes (issue 13, Low) ---------------------

KEY = "test-cookie-key-0123456789-abcdefghijklmnop"


def forged(claims: dict, algorithm: str = "HS256", key: str = KEY) -> str:
    import jwt

    return jwt.encode(claims, key if algorithm != "none" else None, algorithm=algorithm)


def test_our_cookie_round_trips():
    now = auth.to_epoch(auth.utcnow())
    token = auth.encode_session_cookie("viewer", now, KEY)
    assert auth.decode_session_cookie(token, KEY, now + 5) == ("viewer", now)


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(forged({"username": "admin", "iat": 1, "exp": 4e9}, "none"), id="alg-none"),
        pytest.param(forged({"username": "admin", "iat": 1, "exp": 4e9}, "HS512"), id="hs512"),
        pytest.param(forged({"username": "admin", "iat": 1, "exp": 2}), id="expired"),
        pytest.param(forged({"username": "admin", "iat": 1, "exp": "4000000000"}), id="str-exp"),
        pytest.param(forged({"username": "admin", "exp_date": 4e9}), id="old-format"),
        pytest.param(forged({"username": "admin", "iat": 1, "exp": 4e9}, key="x" * 40), id="key"),
        pytest.param("garbage.not.jwt", id="garbage"),
        pytest.param("", id="empty"),
    ],
)
def test_any_bad_cookie_is_simply_signed_out(token):
    assert auth.decode_session_cookie(token, KEY, auth.to_epoch(auth.utcnow())) is None


def test_a_far_future_cookie_minted_with_the_key_dies_at_logout(store):
    now = auth.to_epoch(auth.utcnow())
    far = forged({"username": "viewer", "iat": now - 10, "exp": now + 10 * 365 * 86400})
    assert auth.decode_session_cookie(far, KEY, now) is None  # longer than a cookie lives
    future = forged({"username": "viewer", "iat": now + 86400 * 365, "exp": now + 86400 * 366})
    assert auth.decode_session_cookie(future, KEY, now) is None  # issued "after" any logout
    legit = auth.encode_session_cookie("viewer", now, KEY)  # signed in just now
    assert auth.session_account(store, *auth.decode_session_cookie(legit, KEY, now)) is not None
    auth.end_sessions(store, "viewer")
    assert auth.session_account(store, *auth.decode_session_cookie(legit, KEY, now)) is None


def test_enabling_totp_ends_sessions_signed_in_with_the_password_alone(store):
    import pyotp

    before = auth.to_epoch(auth.utcnow()) + 0.001
    assert auth.session_account(store, "operator", before) is not None
    secret, _ = auth.start_totp(store, "operator")
    now = auth.utcnow() + timedelta(seconds=1)
    epoch = auth.confirm_totp(store, "operator", pyotp.TOTP(secret).at(now), now=now)
    assert auth.session_account(store, "operator", before) is None
    assert auth.session_account(store, "operator", auth.to_epoch(epoch)) is not None


def test_an_admin_cannot_remove_their_own_second_factor(store):
    with pytest.raises(auth.AuthError) as own:
        auth.reset_totp(store, "admin", "admin", actor="Admin")
    assert own.value.code == "totp.error.self_reset"
    denied = store.df("select actor, target from audit_log where action = 'access.denied'")
    assert denied.to_dict("records")[-1] == {"actor": "Admin", "target": "admin"}
    auth.reset_totp(store, "admin", "admin", actor="root")  # another admin may


def test_wrong_current_passwords_are_throttled(store):
    for attempt in range(auth.MAX_FAILED_LOGINS - 1):
        with pytest.raises(auth.AuthError) as wrong:
            auth.change_password(store, "operator", f"guess-{attempt}", "brand-new-pass", now=T0)
        assert wrong.value.code == "password.wrong_current"
    with pytest.raises(auth.AuthError) as fifth:
        auth.change_password(store, "operator", "guess-5", "brand-new-pass", now=T0)
    assert fifth.value.code == "password.locked" and fifth.value.values == {"minutes": 15}
    with pytest.raises(auth.AuthError) as right:
        auth.change_password(store, "operator", PASSWORDS["operator"], "brand-new-pass", now=T0)
    assert right.value.code == "password.locked"
    later = T0 + timedelta(minutes=16)
    auth.change_password(store, "operator", PASSWORDS["operator"], "brand-new-pass", now=later)
    # the sign-in count is separate: the operator may still sign in
    assert auth.authenticate(store, "operator", "brand-new-pass", now=later).ok

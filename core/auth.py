"""Accounts kept in the store: passwords, sign-in with lockout, sessions, the cookie key.

Passwords are hashed with bcrypt over a SHA-256 pre-hash, so a password of any length works
(bcrypt itself reads only 72 bytes, and 30 Chinese characters are already 90). A failed
sign-in is counted per typed user name whether or not the account exists, and the message
is the same in both cases, so the sign-in form does not reveal which names exist.

A session is valid while its account exists, is not disabled and the session was issued
after the account's ``sessions_valid_after``. Logout, a password change and disabling the
account move that moment forward, which ends every session of the account, including the
re-authentication cookie on other devices.

No Streamlit here: ``core.ui`` calls these functions; tests call them directly.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import re
import secrets
import threading
import time
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import bcrypt
import duckdb

from core import audit
from core.i18n import DEFAULT_LANGUAGE, LANGUAGES
from core.permissions import ROLES, Capability, Role, require
from core.store import Store

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
PASSWORD_MIN_CHARS = 8
PASSWORD_MAX_CHARS = 256
BCRYPT_ROUNDS = 12
USERNAME_PATTERN = re.compile(r"^[a-z0-9._-]{3,32}$")

COOKIE_NAME = "memberlens_auth"
COOKIE_EXPIRY_DAYS = 1.0
COOKIE_KEY_ENV_VAR = "MEMBERLENS_COOKIE_KEY"
COOKIE_KEY_MIN_CHARS = 32
# Keys seen in tutorials and templates (streamlit-authenticator's own defaults among them).
KNOWN_DEFAULT_COOKIE_KEYS = frozenset(
    {
        "some_key",
        "some_signature_key",
        "random_signature_key",
        "random_key",
        "abcdef",
        "changeme",
        "change-me",
        "change_me",
        "secret",
        "secret_key",
        "cookie_key",
        "memberlens",
        "your-secret-key",
        "please-change-this-cookie-key-now",
    }
)

# Demo store only: one account per role. Documented in README as demo-only.
DEMO_ACCOUNTS: dict[str, tuple[Role, str]] = {
    "viewer": (Role.VIEWER, "demo-viewer-2026"),
    "analyst": (Role.ANALYST, "demo-analyst-2026"),
    "support": (Role.SUPPORT, "demo-support-2026"),
    "operator": (Role.OPERATOR, "demo-operator-2026"),
    "admin": (Role.ADMIN, "demo-admin-2026"),
}

_SCHEME = "sha256-bcrypt$"


class AuthError(Exception):
    """A problem a user can fix; ``code`` is a translation key, ``values`` fill it."""

    def __init__(self, code: str, **values: object):
        self.code = code
        self.values = values
        super().__init__(code)


class CookieKeyError(AuthError):
    """The configured re-authentication cookie key is missing, a default or too short."""


@dataclass(frozen=True)
class Account:
    username: str
    display_name: str | None
    role: Role
    language: str
    sessions_valid_after: datetime
    disabled: bool

    @property
    def label(self) -> str:
        return self.display_name or self.username


@dataclass(frozen=True)
class LoginResult:
    """Outcome of a sign-in attempt. ``reason`` is ``ok``, ``invalid`` or ``locked``."""

    account: Account | None
    reason: str
    locked_minutes: int = 0

    @property
    def ok(self) -> bool:
        return self.account is not None


def utcnow() -> datetime:
    """Now in UTC, naive (the store's system tables are UTC)."""
    return datetime.now(UTC).replace(tzinfo=None)


def to_epoch(moment: datetime) -> float:
    """Seconds since 1970 for a naive UTC timestamp."""
    return moment.replace(tzinfo=UTC).timestamp()


# -- passwords ------------------------------------------------------------------------------


def _prehash(password: str) -> bytes:
    normalised = unicodedata.normalize("NFC", password)
    return base64.b64encode(hashlib.sha256(normalised.encode("utf-8")).digest())


def hash_password(password: str) -> str:
    """A bcrypt hash of any-length ``password`` (SHA-256 pre-hash, 44 bytes into bcrypt)."""
    hashed = bcrypt.hashpw(_prehash(password), bcrypt.gensalt(rounds=BCRYPT_ROUNDS))
    return _SCHEME + hashed.decode("ascii")


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches ``stored``; never raises for odd input."""
    try:
        if stored.startswith(_SCHEME):
            return bcrypt.checkpw(_prehash(password), stored[len(_SCHEME) :].encode("ascii"))
        # A plain bcrypt hash (e.g. made by streamlit-authenticator's Hasher): bcrypt reads
        # at most 72 bytes and bcrypt 5 refuses longer input, so longer cannot match.
        raw = password.encode("utf-8")
        return len(raw) <= 72 and bcrypt.checkpw(raw, stored.encode("ascii"))
    except (ValueError, TypeError):
        return False


_DUMMY_HASH: str | None = None


def _dummy_verify(password: str) -> None:
    """Spend the time of one real check, so unknown names answer as slowly as real ones."""
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = hash_password(secrets.token_urlsafe(16))
    verify_password(password, _DUMMY_HASH)


def check_new_password(password: str, username: str | None = None) -> None:
    """Raise :class:`AuthError` when ``password`` breaks the password rules."""
    if len(password) < PASSWORD_MIN_CHARS:
        raise AuthError("password.too_short", min=PASSWORD_MIN_CHARS)
    if len(password) > PASSWORD_MAX_CHARS:
        raise AuthError("password.too_long", max=PASSWORD_MAX_CHARS)
    if username and password.strip().lower() == username.strip().lower():
        raise AuthError("password.same_as_username")


def normalise_username(username: str) -> str:
    return unicodedata.normalize("NFKC", username or "").strip().lower()


# -- accounts -------------------------------------------------------------------------------

_ACCOUNT_COLUMNS = (
    "username, display_name, role, language, sessions_valid_after, disabled_at is not null"
)


def _account(row: tuple | None) -> Account | None:
    if row is None:
        return None
    username, display_name, role, language, valid_after, disabled = row
    return Account(
        username=username,
        display_name=display_name,
        role=Role(role),
        language=language if language in LANGUAGES else DEFAULT_LANGUAGE,
        sessions_valid_after=valid_after,
        disabled=bool(disabled),
    )


def get_account(store: Store, username: str) -> Account | None:
    cur = store.cursor()
    try:
        row = cur.execute(
            f"select {_ACCOUNT_COLUMNS} from accounts where username = $u",  # noqa: S608
            {"u": normalise_username(username)},
        ).fetchone()
    finally:
        cur.close()
    return _account(row)


def list_accounts(store: Store) -> list[Account]:
    cur = store.cursor()
    try:
        rows = cur.execute(
            f"select {_ACCOUNT_COLUMNS} from accounts order by username"  # noqa: S608
        ).fetchall()
    finally:
        cur.close()
    return [_account(row) for row in rows]


def has_accounts(store: Store) -> bool:
    return bool(store.scalar("select count(*) from accounts"))


def _insert_account(
    cur,
    username: str,
    password: str,
    role: Role,
    display_name: str | None,
    language: str,
    now: datetime,
) -> None:
    cur.execute(
        """
        insert into accounts (username, display_name, role, password_hash, language,
                              created_at, password_changed_at, sessions_valid_after)
        values ($username, $display_name, $role, $hash, $language, $now, $now, $now)
        """,
        {
            "username": username,
            "display_name": display_name,
            "role": role.value,
            "hash": hash_password(password),
            "language": language if language in LANGUAGES else DEFAULT_LANGUAGE,
            "now": now,
        },
    )


def _validated_new_account(username: str, password: str, role: str) -> tuple[str, Role]:
    name = normalise_username(username)
    if not USERNAME_PATTERN.match(name):
        raise AuthError("password.bad_username")
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    check_new_password(password, name)
    return name, Role(role)


def create_account(
    store: Store,
    actor_role: str | None,
    username: str,
    password: str,
    role: str,
    display_name: str | None = None,
    language: str = DEFAULT_LANGUAGE,
    actor: str | None = None,
    now: datetime | None = None,
) -> Account:
    """Create an account; only a caller whose role may manage accounts."""
    require(actor_role, Capability.MANAGE_ACCOUNTS)
    name, parsed_role = _validated_new_account(username, password, role)
    now = now or utcnow()
    with store.transaction() as cur:
        exists = cur.execute("select 1 from accounts where username = $u", {"u": name}).fetchone()
        if exists:
            raise AuthError("password.username_taken")
        _insert_account(cur, name, password, parsed_role, display_name, language, now)
        _log(cur, now, actor, actor_role, "account_create", name, "ok", parsed_role.value)
    return get_account(store, name)


def create_first_admin(
    store: Store,
    username: str,
    password: str,
    display_name: str | None = None,
    language: str = DEFAULT_LANGUAGE,
    now: datetime | None = None,
) -> Account:
    """The one-time setup of a store without accounts; refused once any account exists."""
    name, _ = _validated_new_account(username, password, Role.ADMIN.value)
    now = now or utcnow()
    with store.transaction() as cur:
        if cur.execute("select count(*) from accounts").fetchone()[0]:
            raise AuthError("setup.already_done")
        _insert_account(cur, name, password, Role.ADMIN, display_name, language, now)
        _log(cur, now, name, Role.ADMIN.value, "setup", name, "ok", None)
    return get_account(store, name)


def create_demo_accounts(store: Store, now: datetime | None = None) -> list[str]:
    """One account per role in a demo store that has none yet; returns the names created."""
    if not store.is_demo():
        raise AuthError("setup.not_demo")
    now = now or utcnow()
    with store.transaction() as cur:
        if cur.execute("select count(*) from accounts").fetchone()[0]:
            return []
        for username, (role, password) in DEMO_ACCOUNTS.items():
            display = f"Demo {role.value}"
            _insert_account(cur, username, password, role, display, DEFAULT_LANGUAGE, now)
        _log(cur, now, None, None, "setup", "demo_accounts", "ok", None)
    return list(DEMO_ACCOUNTS)


def disable_account(
    store: Store,
    actor_role: str | None,
    username: str,
    actor: str | None = None,
    now: datetime | None = None,
) -> None:
    """Disable an account and end its sessions; only a caller who may manage accounts."""
    audit.require(store, actor, actor_role, Capability.MANAGE_ACCOUNTS, "account.disable", username)
    now = now or utcnow()
    with store.transaction() as cur:
        _guard_account_change(cur, actor, username, None)
        cur.execute(
            "update accounts set disabled_at = $now, sessions_valid_after = $now "
            "where username = $u",
            {"now": now, "u": normalise_username(username)},
        )
        _log(cur, now, actor, actor_role, "account_disable", username, "ok", None)


def _guard_account_change(cur, actor: str | None, username: str, new_role: str | None) -> str:
    """The account's current role; refuses changing oneself and losing the last admin."""
    name = normalise_username(username)
    row = cur.execute("select role from accounts where username = $u", {"u": name}).fetchone()
    if row is None:
        raise AuthError("accounts.error.unknown")
    if actor is not None and normalise_username(actor) == name:
        raise AuthError("accounts.error.self")
    if row[0] == Role.ADMIN.value and new_role != Role.ADMIN.value:
        admins = cur.execute(
            "select count(*) from accounts where role = 'admin' and disabled_at is null "
            "and username <> $u",
            {"u": name},
        ).fetchone()[0]
        if admins == 0:
            raise AuthError("accounts.error.last_admin")
    return row[0]


def enable_account(
    store: Store,
    actor_role: str | None,
    username: str,
    actor: str | None = None,
    now: datetime | None = None,
) -> None:
    """Enable a disabled account again (its old sessions stay ended)."""
    audit.require(store, actor, actor_role, Capability.MANAGE_ACCOUNTS, "account.enable", username)
    now = now or utcnow()
    with store.transaction() as cur:
        _guard_account_change(cur, actor, username, Role.ADMIN.value)
        cur.execute(
            "update accounts set disabled_at = null, sessions_valid_after = $now "
            "where username = $u",
            {"now": now, "u": normalise_username(username)},
        )
        _log(cur, now, actor, actor_role, "account_enable", username, "ok", None)


def set_role(
    store: Store,
    actor_role: str | None,
    username: str,
    role: str,
    actor: str | None = None,
    now: datetime | None = None,
) -> None:
    """Give an account another role; its existing sessions end (the cookie too)."""
    audit.require(store, actor, actor_role, Capability.MANAGE_ACCOUNTS, "account.role", username)
    if role not in ROLES:
        raise AuthError("accounts.error.unknown")
    now = now or utcnow()
    with store.transaction() as cur:
        old = _guard_account_change(cur, actor, username, role)
        if old == role:
            return
        cur.execute(
            "update accounts set role = $r, sessions_valid_after = $now where username = $u",
            {"r": role, "now": now, "u": normalise_username(username)},
        )
        _log(cur, now, actor, actor_role, "account_role", username, "ok", f"{old} -> {role}")


def reset_password(
    store: Store,
    actor_role: str | None,
    username: str,
    new_password: str,
    actor: str | None = None,
    now: datetime | None = None,
) -> None:
    """Set a new password for an account (an admin); its existing sessions end."""
    audit.require(
        store, actor, actor_role, Capability.MANAGE_ACCOUNTS, "account.password_reset", username
    )
    name = normalise_username(username)
    check_new_password(new_password, name)
    now = now or utcnow()
    with store.transaction() as cur:
        if (
            cur.execute("select 1 from accounts where username = $u", {"u": name}).fetchone()
            is None
        ):
            raise AuthError("accounts.error.unknown")
        cur.execute(
            "update accounts set password_hash = $h, password_changed_at = $now, "
            "sessions_valid_after = $now where username = $u",
            {"h": hash_password(new_password), "now": now, "u": name},
        )
        _log(cur, now, actor, actor_role, "account_password_reset", name, "ok", None)


# -- TOTP second factor ---------------------------------------------------------------------

TOTP_SETTING = "require_totp_for_admins"


def totp_enabled(store: Store, username: str) -> bool:
    return bool(
        store.scalar(
            "select count(*) from account_totp where username = $u and confirmed_at is not null",
            {"u": normalise_username(username)},
        )
    )


def totp_required_for_admins(store: Store) -> bool:
    return store.scalar("select value from settings where key = $k", {"k": TOTP_SETTING}) == "true"


def must_enrol_totp(store: Store, account: Account) -> bool:
    """An admin without a second factor while the configuration requires one."""
    return (
        account.role == Role.ADMIN
        and totp_required_for_admins(store)
        and not totp_enabled(store, account.username)
    )


def set_totp_required_for_admins(
    store: Store, actor_role: str | None, required: bool, actor: str | None = None
) -> None:
    audit.require(store, actor, actor_role, Capability.MANAGE_ACCOUNTS, "account.totp_policy")
    with store.transaction() as cur:
        cur.execute(
            "update settings set value = $v where key = $k",
            {"v": "true" if required else "false", "k": TOTP_SETTING},
        )
        _log(cur, utcnow(), actor, actor_role, "account_totp_policy", None, "ok", str(required))


def start_totp(store: Store, username: str) -> tuple[str, str]:
    """A new (unconfirmed) TOTP key for one's own account: the secret and its otpauth URI."""
    import pyotp

    name = normalise_username(username)
    secret = pyotp.random_base32()
    with store.transaction() as cur:
        if totp_enabled(store, name):
            raise AuthError("totp.enabled")
        cur.execute("delete from account_totp where username = $u", {"u": name})
        cur.execute(
            "insert into account_totp values ($u, $s, null, null)", {"u": name, "s": secret}
        )
    uri = pyotp.TOTP(secret).provisioning_uri(name=name, issuer_name="MemberLens")
    return secret, uri


def _totp_step(secret: str, code: str, last_step: int | None, now: datetime) -> int | None:
    """The time step ``code`` belongs to (±1 step of drift), or None; a step is used once."""
    import pyotp

    totp = pyotp.TOTP(secret)
    code = (code or "").strip().replace(" ", "")
    moment = now.replace(tzinfo=UTC)
    for drift in (0, -1, 1):
        at_time = moment + timedelta(seconds=drift * totp.interval)
        step = totp.timecode(at_time)
        if secrets.compare_digest(totp.at(at_time), code) and (
            last_step is None or step > last_step
        ):
            return step
    return None


def confirm_totp(store: Store, username: str, code: str, now: datetime | None = None) -> datetime:
    """Turn the second factor on once the first code from the app matches; every session
    issued before ends. Returns the new session epoch (the caller re-issues its own)."""
    now = now or utcnow()
    name = normalise_username(username)
    with store.transaction() as cur:
        row = cur.execute(
            "select secret, confirmed_at from account_totp where username = $u", {"u": name}
        ).fetchone()
        if row is None:
            raise AuthError("totp.error.no_secret")
        step = _totp_step(row[0], code, None, now)
        if step is None:
            raise AuthError("totp.error.code")
        cur.execute(
            "update account_totp set confirmed_at = $now, last_used_step = $step "
            "where username = $u",
            {"now": now, "step": step, "u": name},
        )
        # sessions signed in with the password alone end (the caller renews its own)
        cur.execute(
            "update accounts set sessions_valid_after = $now where username = $u",
            {"now": now, "u": name},
        )
        _log(cur, now, name, None, "account_totp_enable", name, "ok", None)
    return now


def reset_totp(
    store: Store, actor_role: str | None, username: str, actor: str | None = None
) -> None:
    """Remove an account's second factor (lost phone); an admin only, and never their own
    (another admin must: a stolen admin session cannot strip the admin's second factor)."""
    audit.require(store, actor, actor_role, Capability.MANAGE_ACCOUNTS, "account.totp_reset")
    name = normalise_username(username)
    now = utcnow()
    if actor is None or normalise_username(actor) == name:
        audit.record_now(
            store,
            actor=actor,
            role=actor_role,
            action="access.denied",
            target=name,
            after={"attempted": "account.totp_reset", "needs": "another admin"},
        )
        raise AuthError("totp.error.self_reset")
    with store.transaction() as cur:
        cur.execute("delete from account_totp where username = $u", {"u": name})
        cur.execute(
            "update accounts set sessions_valid_after = $now where username = $u",
            {"now": now, "u": name},
        )
        _log(cur, now, actor, actor_role, "account_totp_reset", name, "ok", None)


# -- sign-in and sessions -------------------------------------------------------------------


def _name_hash(name: str) -> str:
    return hashlib.sha256(name.encode("utf-8")).hexdigest()


def _minutes_left(until: datetime, now: datetime) -> int:
    return max(1, -(-int((until - now).total_seconds()) // 60))


# Sign-in attempts are counted before the password is checked (a claim), under one lock
# per process: DuckDB allows one writing process per file, and every thread of the app
# shares its Store, so this lock orders every claim on the store. Without it, parallel
# attempts all read the same count while bcrypt runs and the lockout never comes.
_THROTTLE_LOCK = threading.Lock()
_WRITE_RETRIES = 5
_log_server = logging.getLogger(__name__)


class StoreBusy(Exception):
    """A sign-in write kept conflicting with other writers of the store."""


_CONFLICTS = (duckdb.TransactionException, duckdb.ConstraintException)


def _conflict(exc: BaseException) -> bool:
    """A write-write conflict with another transaction (directly, or as the audit row's
    failure: two transactions taking the same next audit id)."""
    if isinstance(exc, audit.AuditKeyError):
        return False
    return isinstance(exc, _CONFLICTS) or (
        isinstance(exc, audit.AuditError) and isinstance(exc.__cause__, _CONFLICTS)
    )


def _serialised_write(store: Store, work):
    """Run ``work(tx)`` in a transaction under the throttle lock; retry a write-write
    conflict with another writer of the store (e.g. a page logging an access) a few times.
    Returns ``work``'s result, or raises :class:`StoreBusy`."""
    for attempt in range(_WRITE_RETRIES):
        try:
            with _THROTTLE_LOCK, store.transaction() as tx:
                return work(tx)
        except (duckdb.Error, audit.AuditError) as exc:
            if not _conflict(exc):
                raise
            time.sleep(0.02 * (attempt + 1))
    raise StoreBusy("the store stayed busy")


def _claim_attempt(
    store: Store, key: str, logged_name: str | None, now: datetime
) -> tuple[int | None, datetime | None]:
    """Count one sign-in attempt as a failure until it proves otherwise, and audit it.

    Returns ``(count, None)`` when the attempt may check its password (``count`` is its
    place among the recent failures, this one included), or ``(None, locked_until)`` when
    the name is locked, or becomes locked because this claim exceeds the limit.
    """

    def claim(tx):
        row = tx.execute(
            "select failed_count, last_failed_at, locked_until from login_throttle "
            "where name_hash = $k",
            {"k": key},
        ).fetchone()
        if row is not None and row[2] is not None and row[2] > now:
            _log(tx, now, logged_name, None, "login", None, "locked", f"failures={row[0]}")
            return None, row[2]
        recent = row is not None and row[2] is None and row[1] > now - LOCKOUT
        count = (row[0] if recent else 0) + 1
        locked_until = now + LOCKOUT if count > MAX_FAILED_LOGINS else None
        tx.execute(
            "insert or replace into login_throttle values ($k, $count, $now, $until)",
            {"k": key, "count": count, "now": now, "until": locked_until},
        )
        if locked_until is not None:
            _log(tx, now, logged_name, None, "login", None, "locked", f"failures={count}")
            return None, locked_until
        _log(tx, now, logged_name, None, "login_attempt", None, "attempt", f"failures={count}")
        return count, None

    return _serialised_write(store, claim)


def authenticate(
    store: Store,
    username: str,
    password: str,
    now: datetime | None = None,
    totp_code: str | None = None,
) -> LoginResult:
    """Check a sign-in; count failures per typed name and lock after too many.

    After :data:`MAX_FAILED_LOGINS` failures within :data:`LOCKOUT` of each other, the name
    is locked for :data:`LOCKOUT`, for existing and unknown names alike; a correct password
    does not open a locked name. A successful sign-in clears the count.

    The attempt is counted (and audited, ``access.login_attempt``) before the password is
    checked, so parallel attempts cannot all see the same count: of N simultaneous wrong
    attempts at most ``MAX_FAILED_LOGINS - 1`` are told "wrong", the rest "locked", and a
    right password whose check finishes after the name got locked is refused too. An
    attempt that crashes during the check stays counted and audited. A write conflict that
    persists is answered like a wrong password (the same generic message).
    """
    now = now or utcnow()
    name = normalise_username(username)
    key = _name_hash(name)
    row = (
        store.cursor()
        .execute(
            "select password_hash, disabled_at is not null from accounts where username = $u",
            {"u": name},
        )
        .fetchone()
    )
    known = row is not None
    logged_name = name if known else None
    try:
        count, locked_until = _claim_attempt(store, key, logged_name, now)
    except StoreBusy:
        _log_server.warning("sign-in attempt not counted: the store was busy")
        return LoginResult(None, "invalid")
    if count is None:
        return LoginResult(None, "locked", _minutes_left(locked_until, now))

    if known:
        matches = verify_password(password, row[0]) and not row[1]
    else:
        _dummy_verify(password)
        matches = False
    totp_step = None
    if matches:
        second = store.df(
            "select secret, last_used_step from account_totp "
            "where username = $u and confirmed_at is not null",
            {"u": name},
        )
        if not second.empty:
            last = second["last_used_step"].iloc[0]
            totp_step = _totp_step(
                second["secret"].iloc[0], totp_code or "", None if last is None else int(last), now
            )
            matches = totp_step is not None

    def succeed(tx):
        lock = tx.execute(
            "select locked_until from login_throttle where name_hash = $k", {"k": key}
        ).fetchone()
        if lock is not None and lock[0] is not None and lock[0] > now:
            # locked by parallel attempts while this password was being checked
            _log(tx, now, name, None, "login", None, "locked", "correct password refused")
            return None, lock[0]
        tx.execute("delete from login_throttle where name_hash = $k", {"k": key})
        if totp_step is not None:
            tx.execute(
                "update account_totp set last_used_step = $s where username = $u",
                {"s": totp_step, "u": name},
            )
        tx.execute(
            "update accounts set last_login_at = $now where username = $u",
            {"now": now, "u": name},
        )
        account = _account(
            tx.execute(
                f"select {_ACCOUNT_COLUMNS} from accounts where username = $u",  # noqa: S608
                {"u": name},
            ).fetchone()
        )
        _log(tx, now, name, account.role.value, "login", None, "ok", None)
        return account, None

    def fail(tx):
        if count < MAX_FAILED_LOGINS:
            _log(tx, now, logged_name, None, "login", None, "failed", f"failures={count}")
            return None
        until = now + LOCKOUT
        tx.execute(
            "insert into login_throttle values ($k, $count, $now, $until) on conflict do update "
            "set locked_until = greatest(coalesce(locked_until, excluded.locked_until), "
            "excluded.locked_until)",
            {"k": key, "count": count, "now": now, "until": until},
        )
        _log(tx, now, logged_name, None, "login", None, "locked", f"failures={count}")
        return until

    try:
        if matches:
            account, locked = _serialised_write(store, succeed)
            if account is not None:
                return LoginResult(account, "ok")
            return LoginResult(None, "locked", _minutes_left(locked, now))
        locked = _serialised_write(store, fail)
    except StoreBusy:
        _log_server.warning("sign-in outcome not recorded: the store was busy")
        return LoginResult(None, "invalid")
    if locked is not None:
        return LoginResult(None, "locked", _minutes_left(locked, now))
    return LoginResult(None, "invalid")


COOKIE_CLOCK_SKEW_S = 60.0


def encode_session_cookie(username: str, issued_at: float, key: str) -> str:
    """The re-authentication cookie: HS256 over the name, the session's issue time and an
    expiry :data:`COOKIE_EXPIRY_DAYS` later."""
    import jwt

    claims = {
        "username": username,
        "iat": float(issued_at),
        "exp": float(issued_at) + COOKIE_EXPIRY_DAYS * 86400,
    }
    return jwt.encode(claims, key, algorithm="HS256")


def decode_session_cookie(token: str | None, key: str, now: float) -> tuple[str, float] | None:
    """``(username, issued_at)`` from a cookie made by :func:`encode_session_cookie`, or None
    for anything else: another algorithm (``none``, HS512), a bad signature, an expired or
    non-numeric expiry, an issue time in the future, a lifetime longer than the cookie's
    (a far-future cookie minted with the key), garbage. None means signed out."""
    import jwt

    if not token or not isinstance(token, str):
        return None
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=["HS256"],
            options={"require": ["exp", "iat", "username"]},
            leeway=COOKIE_CLOCK_SKEW_S,
        )
    except (jwt.PyJWTError, TypeError, ValueError, OverflowError):
        return None
    username, iat, exp = claims.get("username"), claims.get("iat"), claims.get("exp")
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (iat, exp))
    if not isinstance(username, str) or not numbers:
        return None
    lifetime = COOKIE_EXPIRY_DAYS * 86400 + COOKIE_CLOCK_SKEW_S
    if iat > now + COOKIE_CLOCK_SKEW_S or exp <= now or exp - iat > lifetime:
        return None
    return username, float(iat)


def session_account(store: Store, username: str | None, issued_at: float | None) -> Account | None:
    """The account of a session issued at ``issued_at`` (epoch seconds), if still valid."""
    if not username or issued_at is None:
        return None
    account = get_account(store, username)
    if account is None or account.disabled:
        return None
    if issued_at < to_epoch(account.sessions_valid_after):
        return None
    return account


def end_sessions(
    store: Store, username: str, event: str = "logout", now: datetime | None = None
) -> None:
    """End every session of ``username`` (logout signs out everywhere)."""
    now = now or utcnow()
    with store.transaction() as cur:
        cur.execute(
            "update accounts set sessions_valid_after = $now where username = $u",
            {"now": now, "u": normalise_username(username)},
        )
        role = cur.execute(
            "select role from accounts where username = $u", {"u": normalise_username(username)}
        ).fetchone()
        _log(cur, now, username, role[0] if role else None, event, None, "ok", None)


def change_password(
    store: Store, username: str, current: str, new: str, now: datetime | None = None
) -> datetime:
    """Change a password after checking the current one; ends all other sessions.

    Returns the new session epoch: the caller's own session stays valid by re-issuing it at
    this moment.
    """
    now = now or utcnow()
    name = normalise_username(username)
    # wrong current passwords are counted like sign-ins (their own count), before the check
    key = _name_hash("password_change:" + name)
    try:
        count, locked_until = _claim_attempt(store, key, name, now)
    except StoreBusy:
        raise AuthError("password.wrong_current") from None
    if count is None:
        raise AuthError("password.locked", minutes=_minutes_left(locked_until, now))
    stored = store.scalar("select password_hash from accounts where username = $u", {"u": name})
    if stored is None or not verify_password(current, stored):
        locked = count >= MAX_FAILED_LOGINS
        until = now + LOCKOUT

        def failed(cur):
            if locked:
                cur.execute(
                    "update login_throttle set locked_until = $until where name_hash = $k",
                    {"until": until, "k": key},
                )
            _log(cur, now, name, None, "password_change", None, "failed", f"failures={count}")

        _serialised_write(store, failed)
        if locked:
            raise AuthError("password.locked", minutes=_minutes_left(until, now))
        raise AuthError("password.wrong_current")
    _serialised_write(
        store,
        lambda cur: cur.execute("delete from login_throttle where name_hash = $k", {"k": key}),
    )
    check_new_password(new, name)
    with store.transaction() as cur:
        cur.execute(
            "update accounts set password_hash = $h, password_changed_at = $now, "
            "sessions_valid_after = $now where username = $u",
            {"h": hash_password(new), "now": now, "u": name},
        )
        _log(cur, now, name, None, "password_change", None, "ok", None)
    return now


def set_language(store: Store, username: str, language: str) -> None:
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}")
    with store.transaction() as cur:
        cur.execute(
            "update accounts set language = $lang where username = $u",
            {"lang": language, "u": normalise_username(username)},
        )


# -- access log -----------------------------------------------------------------------------


def _log(cur, now, username, role, event, target, outcome, detail) -> None:
    """One access-log row and its hash-chained audit row, in the caller's transaction."""
    group, _, name = event.partition("_") if event.startswith("account_") else ("access", "", event)
    audit.record(
        cur,
        actor=username,
        role=role,
        action=f"{group}.{name}",
        target=target,
        after={"outcome": outcome, "detail": detail} if detail else {"outcome": outcome},
        now=now,
    )
    cur.execute(
        "insert into access_log values ($at, $username, $role, $event, $target, $outcome, $detail)",
        {
            "at": now,
            "username": username,
            "role": role,
            "event": event,
            "target": target,
            "outcome": outcome,
            "detail": detail,
        },
    )


def record_access(
    store: Store,
    username: str | None,
    role: str | None,
    event: str,
    target: str | None,
    outcome: str,
    detail: str | None = None,
    now: datetime | None = None,
) -> None:
    """Append one row to the access log (e.g. a page refused to a role)."""
    with store.transaction() as cur:
        _log(cur, now or utcnow(), username, role, event, target, outcome, detail)


# -- the re-authentication cookie key -------------------------------------------------------


def cookie_key_problem(key: str | None) -> str | None:
    """A translation key naming what is wrong with ``key``, or None when it is usable."""
    if key is None or not key.strip():
        return "cookie.missing"
    if key.strip().lower() in KNOWN_DEFAULT_COOKIE_KEYS:
        return "cookie.default"
    if len(key) < COOKIE_KEY_MIN_CHARS:
        return "cookie.short"
    if len(set(key)) < 8:
        return "cookie.weak"
    return None


def demo_cookie_key_path(store: Store) -> Path:
    return store.path.parent / ".cookie_key"


def resolve_cookie_key(configured: str | None, store: Store) -> str:
    """The cookie key to use, or :class:`CookieKeyError` saying what is wrong.

    ``configured`` comes from ``.streamlit/secrets.toml`` or ``$MEMBERLENS_COOKIE_KEY``.
    A configured key must pass :func:`cookie_key_problem`. Without one, a demo store uses a
    key generated once and kept next to the store file (``data/.cookie_key``, git-ignored);
    any other store refuses to start.
    """
    if configured is not None:
        problem = cookie_key_problem(configured)
        if problem:
            raise CookieKeyError(problem)
        return configured
    if not store.is_demo():
        raise CookieKeyError("cookie.missing")
    path = demo_cookie_key_path(store)
    if path.is_file():
        key = path.read_text(encoding="utf-8").strip()
        if cookie_key_problem(key) is None:
            return key
    key = secrets.token_urlsafe(48)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key + "\n")
    return key


def recent_access(store: Store, limit: int = 50):
    """The latest access-log rows, newest first (a DataFrame)."""
    return store.df(
        "select logged_at, username, role, event, target, outcome, detail from access_log "
        "order by logged_at desc limit $limit",
        {"limit": int(limit)},
    )

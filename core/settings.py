"""Store settings: the registry of what an admin may configure per store, read and set.

Each :class:`Setting` has a validator (text or a value in, the canonical value out, or a
:class:`SettingError`), a default and a description (translation keys). Values live in the
``settings`` table, except ``business_tz``, which the store has kept in ``meta`` since its
first version (:attr:`core.store.Store.business_tz`, read by the importer).

- ``currency``: the ISO 4217 code every money figure, tier threshold and money column header
  is shown in (:mod:`core.currency`); a label, amounts are never converted.
- ``churn_window_days``: days without activity after which a member counts as churned;
  unset (``auto``) means the churn model chooses it from the data. :func:`get` gives None
  for auto, else an int in 7 … 730.
- ``spend_basis``: paid spend over the trailing 12 months or the whole lifetime decides the
  tier. Changing it recomputes every tier as of the last day with data, as approving a tier
  rule change does, in the same transaction as the change and its audit row.
- ``business_tz``: the IANA time zone of days, weeks and hours; fixed once data is loaded
  (every stored day would otherwise mean another calendar day).

:func:`set_setting` is for admins (``Capability.MANAGE_SETTINGS``, checked here with the
refusal audited); the command line calls it with ``role=None``, trusted like any shell
access to the store file, as the importer is. Every change is audited with before and after.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import duckdb

from core import audit, i18n
from core.config import DEFAULT_BUSINESS_TZ
from core.currency import CURRENCIES, DEFAULT_CURRENCY
from core.permissions import Capability
from core.store import Store
from core.tier_rules import SPEND_BASES

CHURN_WINDOW_MIN_DAYS = 7
CHURN_WINDOW_MAX_DAYS = 730
AUTO = "auto"
CLI_ACTOR = "cli"


class SettingError(ValueError):
    """A setting key or value that cannot be used; ``code`` is a translation key and the
    message is the English text (one line, shown as is by the command line)."""

    def __init__(self, code: str, **values: object):
        self.code = code
        self.values = values
        super().__init__(i18n.t(code, "en", **values))


def _currency(value: Any) -> str:
    code = str(value).strip().upper()
    if code not in CURRENCIES:
        raise SettingError(
            "settings.error.currency", value=str(value), codes=", ".join(sorted(CURRENCIES))
        )
    return code


def _churn_window(value: Any) -> int | None:
    if value is None or str(value).strip().lower() in ("", AUTO):
        return None
    text = str(value).strip()
    try:
        days = int(text)
    except ValueError:
        days = None
    if days is None or not CHURN_WINDOW_MIN_DAYS <= days <= CHURN_WINDOW_MAX_DAYS:
        raise SettingError(
            "settings.error.churn_window",
            value=text,
            low=CHURN_WINDOW_MIN_DAYS,
            high=CHURN_WINDOW_MAX_DAYS,
        )
    return days


def _spend_basis(value: Any) -> str:
    basis = str(value).strip()
    if basis not in SPEND_BASES:
        raise SettingError("settings.error.spend_basis", value=basis, bases=", ".join(SPEND_BASES))
    return basis


def _time_zone(value: Any) -> str:
    zone = str(value).strip()
    if zone not in zoneinfo.available_timezones():
        raise SettingError("settings.error.business_tz", value=zone)
    return zone


@dataclass(frozen=True)
class Setting:
    key: str
    validate: Callable[[Any], Any]  # text or value → canonical value, or SettingError
    default: Any  # the value while unset (None: auto)
    description: str  # translation key

    def label(self, lang: str) -> str:
        return i18n.t(f"settings.{self.key}", lang)


SETTINGS: dict[str, Setting] = {
    s.key: s
    for s in (
        Setting("currency", _currency, DEFAULT_CURRENCY, "settings.currency.help"),
        Setting("churn_window_days", _churn_window, None, "settings.churn_window_days.help"),
        Setting("spend_basis", _spend_basis, "trailing_12m", "settings.spend_basis.help"),
        Setting("business_tz", _time_zone, DEFAULT_BUSINESS_TZ, "settings.business_tz.help"),
    )
}
_IN_META = frozenset({"business_tz"})


def setting(key: str) -> Setting:
    """The registered :class:`Setting` named ``key``, else :class:`SettingError`."""
    found = SETTINGS.get(key)
    if found is None:
        raise SettingError("settings.error.unknown", name=str(key), keys=", ".join(SETTINGS))
    return found


def _stored(cur: duckdb.DuckDBPyConnection, key: str) -> str | None:
    table = "meta" if key in _IN_META else "settings"
    row = cur.execute(
        f"select value from {table} where key = $k",  # noqa: S608 (table from the two above)
        {"k": key},
    ).fetchone()
    return None if row is None else row[0]


def _read(cur: duckdb.DuckDBPyConnection, key: str) -> Any:
    spec = setting(key)
    text = _stored(cur, key)
    return spec.default if text is None else spec.validate(text)


def get(store: Store, key: str) -> Any:
    """The value of setting ``key``: ``currency`` a code, ``churn_window_days`` None (auto)
    or an int, ``spend_basis`` and ``business_tz`` text."""
    cur = store.cursor()
    try:
        return _read(cur, key)
    finally:
        cur.close()


def all_settings(store: Store) -> dict[str, Any]:
    """Every setting's value, in registry order."""
    cur = store.cursor()
    try:
        return {key: _read(cur, key) for key in SETTINGS}
    finally:
        cur.close()


def as_text(value: Any) -> str:
    """A value as the command line shows and takes it (None is ``auto``)."""
    return AUTO if value is None else str(value)


def _write(cur: duckdb.DuckDBPyConnection, key: str, value: Any) -> None:
    table = "meta" if key in _IN_META else "settings"
    if value is None:
        cur.execute(f"delete from {table} where key = $k", {"k": key})  # noqa: S608 (as above)
    else:  # one upsert: a key deleted and inserted again in one transaction can trip DuckDB
        cur.execute(
            f"insert or replace into {table} values ($k, $v)",  # noqa: S608 (as above)
            {"k": key, "v": str(value)},
        )


def set_setting(store: Store, key: str, value: Any, actor: str, role: str | None) -> Any:
    """Set ``key`` to ``value`` (validated) and return the new value; admins only.

    The change, its consequences (``spend_basis``: every tier recomputed, each move in the
    tier history) and its audit row (before, after) commit together. Setting the current
    value changes and records nothing. ``business_tz`` is refused once an import has
    loaded data.
    """
    spec = setting(key)
    if role is not None:
        audit.require(store, actor, role, Capability.MANAGE_SETTINGS, "setting.set", key)
    new = spec.validate(value)
    with store.transaction() as cur:
        old = _read(cur, key)
        if new == old:
            return new
        if key == "business_tz":
            loaded = _first_loaded_import(cur)
            if loaded is not None:
                raise SettingError("settings.error.tz_after_import", zone=old, import_id=loaded)
        _write(cur, key, new)
        after: dict[str, Any] = {key: new}
        if key == "spend_basis":
            after.update(_recompute_tiers(cur, actor, old, new))
        audit.record(
            cur,
            actor=actor,
            role=role,
            action="setting.set",
            target=key,
            before={key: old},
            after=after,
        )
    return new


def _first_loaded_import(cur: duckdb.DuckDBPyConnection) -> int | None:
    return cur.execute("select min(import_id) from imports where status = 'loaded'").fetchone()[0]


def business_tz_locked(store: Store) -> bool:
    """Whether an import has loaded data, so the business time zone can no longer change."""
    cur = store.cursor()
    try:
        return _first_loaded_import(cur) is not None
    finally:
        cur.close()


def _recompute_tiers(cur: duckdb.DuckDBPyConnection, actor: str, old: str, new: str) -> dict:
    """Every tier under the new spend basis as of the end of the last day with data (what
    applying a tier rule change does); nothing to do in a store without data."""
    from core.refresh import recompute_tiers

    last_day = cur.execute("select max(day) from member_day").fetchone()[0]
    if last_day is None:
        return {"moved": 0}
    end = datetime.combine(last_day + timedelta(days=1), datetime.min.time())
    moved = recompute_tiers(
        cur, end, actor=actor, note=f"setting spend_basis {old} → {new}", spend_basis=new
    )
    return {"moved": moved, "as_of": last_day.isoformat()}

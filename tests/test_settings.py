"""Store settings (core/settings.py, ``python -m core.cli config``): defaults, validation,
admin-only writes with their audit rows, the spend-basis recompute and the time zone fixed
after the first import.

Spend-basis fixture: member A signed up 2024-01-01 and paid ¥1,500 on 2024-02-01 and ¥100 on
2025-06-01 (the last day with data). Over the trailing 12 months ending 2025-06-01 A spent
¥100 → normal (bronze needs ¥500); over the lifetime ¥1,600 → silver (≥ ¥1,000, < ¥2,000).
Member B paid ¥600 on 2025-05-01: bronze under both bases, so B never moves.
"""

from __future__ import annotations

import json

import pytest

from core import audit, cli, i18n, settings
from core.ingest import import_dir
from core.permissions import PermissionDenied
from core.store import close_store, open_store

MEMBERS = "member_id,signup_at\nA,2024-01-01\nB,2025-04-01\n"
ORDERS = (
    "order_id,member_id,paid_at,amount\n"
    "O1,A,2024-02-01 10:00:00,1500\n"
    "O2,A,2025-06-01 10:00:00,100\n"
    "O3,B,2025-05-01 10:00:00,600\n"
)
EVENTS = (
    "member_id,event_time,event_type\nA,2025-06-01 09:00:00,login\nB,2025-05-01 09:00:00,login\n"
)


@pytest.fixture()
def empty_store(tmp_path):
    path = tmp_path / "new.duckdb"
    yield open_store(path)
    close_store(path)


@pytest.fixture()
def imported_store(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for name, text in {"members.csv": MEMBERS, "orders.csv": ORDERS, "events.csv": EVENTS}.items():
        (folder / name).write_text(text, encoding="utf-8")
    path = tmp_path / "shop.duckdb"
    store = open_store(path)
    import_dir(store, folder)
    yield store
    close_store(path)


def tiers(store) -> dict[str, str]:
    return dict(store.cursor().execute("select member_id, tier from members").fetchall())


def setting_rows(store):
    return store.df(
        "select actor, role, target, before_json, after_json from audit_log "
        "where action = 'setting.set' order by audit_id"
    )


def test_defaults_of_a_new_store(empty_store):
    assert settings.all_settings(empty_store) == {
        "currency": "CNY",
        "churn_window_days": None,
        "spend_basis": "trailing_12m",
        "business_tz": "Asia/Shanghai",
    }


@pytest.mark.parametrize(
    ("key", "value", "stored"),
    [
        ("currency", "usd", "USD"),
        ("currency", " EUR ", "EUR"),
        ("churn_window_days", "56", 56),
        ("churn_window_days", 7, 7),
        ("churn_window_days", "730", 730),
        ("business_tz", "America/New_York", "America/New_York"),
    ],
)
def test_valid_values_are_stored_canonically(empty_store, key, value, stored):
    assert settings.set_setting(empty_store, key, value, "boss", "admin") == stored
    assert settings.get(empty_store, key) == stored


def test_churn_window_auto_clears_the_value(empty_store):
    settings.set_setting(empty_store, "churn_window_days", "90", "boss", "admin")
    assert settings.get(empty_store, "churn_window_days") == 90
    settings.set_setting(empty_store, "churn_window_days", "auto", "boss", "admin")
    assert settings.get(empty_store, "churn_window_days") is None
    assert empty_store.scalar("select count(*) from settings where key = 'churn_window_days'") == 0


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("currency", "RMB", "currency RMB is not a supported ISO 4217 code"),
        ("currency", "", "is not a supported ISO 4217 code"),
        ("churn_window_days", "6", "churn window 6 is not valid"),
        ("churn_window_days", "731", "churn window 731 is not valid"),
        ("churn_window_days", "4.5", "churn window 4.5 is not valid"),
        ("spend_basis", "monthly", "spend basis monthly is not valid"),
        ("business_tz", "UTC+8", "UTC+8 is not an IANA time zone name"),
        ("colour", "red", "no setting named colour"),
    ],
)
def test_bad_values_are_refused_with_a_clear_message(empty_store, key, value, message):
    with pytest.raises(settings.SettingError) as error:
        settings.set_setting(empty_store, key, value, "boss", "admin")
    assert message in str(error.value)
    assert "\n" not in str(error.value)
    assert error.value.code in i18n.CATALOGUE
    assert setting_rows(empty_store).empty


@pytest.mark.parametrize("role", ["viewer", "analyst", "support", "operator", "nobody"])
def test_only_admins_may_set_and_refusals_are_audited(empty_store, role):
    with pytest.raises(PermissionDenied):
        settings.set_setting(empty_store, "currency", "USD", "someone", role)
    assert settings.get(empty_store, "currency") == "CNY"
    denied = empty_store.df("select actor, role, target, after_json from audit_log")
    assert denied.to_dict("records") == [
        {
            "actor": "someone",
            "role": role,
            "target": "currency",
            "after_json": json.dumps(
                {"attempted": "setting.set", "needs": "manage_settings"}, separators=(",", ":")
            ),
        }
    ]


def test_a_change_is_audited_with_before_and_after(empty_store):
    settings.set_setting(empty_store, "currency", "USD", "boss", "admin")
    settings.set_setting(empty_store, "currency", "USD", "boss", "admin")  # no change: no row
    rows = setting_rows(empty_store).to_dict("records")
    assert rows == [
        {
            "actor": "boss",
            "role": "admin",
            "target": "currency",
            "before_json": '{"currency":"CNY"}',
            "after_json": '{"currency":"USD"}',
        }
    ]
    assert audit.verify_chain(empty_store).ok


def test_spend_basis_change_recomputes_tiers_in_the_same_transaction(imported_store):
    assert tiers(imported_store) == {"A": "normal", "B": "bronze"}
    settings.set_setting(imported_store, "spend_basis", "lifetime", "boss", "admin")
    assert tiers(imported_store) == {"A": "silver", "B": "bronze"}
    moves = imported_store.df(
        "select m.member_id, h.from_tier, h.to_tier, h.reason, h.actor, h.note "
        "from tier_history h join members m using (member_key) "
        "where h.actor = 'boss' order by h.changed_at"
    )
    assert moves.to_dict("records") == [
        {
            "member_id": "A",
            "from_tier": "normal",
            "to_tier": "silver",
            "reason": "rule_recompute",
            "actor": "boss",
            "note": "setting spend_basis trailing_12m → lifetime",
        }
    ]
    after = json.loads(setting_rows(imported_store)["after_json"].iloc[-1])
    assert after == {"spend_basis": "lifetime", "moved": 1, "as_of": "2025-06-01"}
    # the tier rules read the same setting
    from core import tier_rules

    assert tier_rules.current_rules(imported_store).spend_basis == "lifetime"
    settings.set_setting(imported_store, "spend_basis", "trailing_12m", "boss", "admin")
    assert tiers(imported_store) == {"A": "normal", "B": "bronze"}


def test_a_failed_audit_row_undoes_the_spend_basis_change(imported_store, monkeypatch):
    def broken(*args, **kwargs):
        raise audit.AuditError("disk full")

    monkeypatch.setattr(settings.audit, "record", broken)
    with pytest.raises(audit.AuditError):
        settings.set_setting(imported_store, "spend_basis", "lifetime", "boss", "admin")
    assert settings.get(imported_store, "spend_basis") == "trailing_12m"
    assert tiers(imported_store) == {"A": "normal", "B": "bronze"}


def test_business_tz_is_fixed_after_the_first_import(imported_store):
    with pytest.raises(settings.SettingError) as error:
        settings.set_setting(imported_store, "business_tz", "Europe/Berlin", "boss", "admin")
    assert str(error.value) == (
        "the business time zone can only change before the first import: import #1 already "
        "loaded data in Asia/Shanghai"
    )
    assert imported_store.business_tz == "Asia/Shanghai"


def test_business_tz_set_before_import_is_what_the_importer_uses(tmp_path):
    path = tmp_path / "ny.duckdb"
    assert cli.main(["config", "business_tz", "America/New_York", "--db", str(path)]) == 0
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "members.csv").write_text(
        "member_id,signup_at\nA,2025-03-01T03:00:00Z\n", encoding="utf-8"
    )
    store = open_store(path)
    import_dir(store, folder)
    # 03:00 UTC is 22:00 the day before in New York (EST, UTC-5)
    assert str(store.scalar("select signup_at from members")) == "2025-02-28 22:00:00"
    close_store(path)


def test_cli_prints_all_one_and_sets_one(empty_store, capsys):
    db = str(empty_store.path)
    assert cli.main(["config", "--db", db]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[:2] for line in lines] == [
        ["currency", "CNY"],
        ["churn_window_days", "auto"],
        ["spend_basis", "trailing_12m"],
        ["business_tz", "Asia/Shanghai"],
    ]
    assert cli.main(["config", "currency", "usd", "--db", db]) == 0
    assert capsys.readouterr().out == "currency: CNY → USD\n"
    assert cli.main(["config", "currency", "--db", db]) == 0
    assert capsys.readouterr().out == "USD\n"
    rows = setting_rows(empty_store)
    assert rows[["actor", "role"]].to_dict("records") == [{"actor": "cli", "role": None}]


def test_cli_errors_are_one_line(empty_store, capsys):
    db = str(empty_store.path)
    assert cli.main(["config", "churn_window_days", "forever", "--db", db]) == 1
    err = capsys.readouterr().err
    assert err == (
        "error: churn window forever is not valid: a whole number of days 7–730, or auto\n"
    )

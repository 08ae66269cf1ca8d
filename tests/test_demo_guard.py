"""Demo accounts never reach real use (issue 13.8): the app builds the demo store only at the
default path or when asked, and real data imported into a demo store ends the demo."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from core import audit, auth, demo, i18n
from core.config import DEFAULT_DB_PATH, PROJECT_ROOT
from core.ingest import import_dir
from core.store import close_store, open_store
from tests.fixtures_app import COOKIE_KEY

APP = str(PROJECT_ROOT / "app.py")
MEMBERS_CSV = """member_id,signup_at,nickname,gender,phone,region,channel,device,status
R1,2026-06-01 10:00:00,阿真,F,13900000001,广东,wechat,ios,active
"""


@pytest.fixture(autouse=True)
def fast_bcrypt(monkeypatch):
    monkeypatch.setattr(auth, "BCRYPT_ROUNDS", 4)


@pytest.fixture()
def builds(monkeypatch):
    """Stand-in for the demo builder: records the paths it was asked to build."""
    asked = []

    def build(path, **kwargs):
        asked.append(path)
        raise OSError("demo builder not run in this test")

    monkeypatch.setattr(demo, "build_demo_store", build)
    return asked


def test_demo_is_built_only_at_the_default_path_or_when_asked(tmp_path, monkeypatch):
    monkeypatch.delenv(demo.DEMO_ENV_VAR, raising=False)
    assert demo.should_build_demo(DEFAULT_DB_PATH)
    assert not demo.should_build_demo(tmp_path / "prod.duckdb")
    monkeypatch.setenv(demo.DEMO_ENV_VAR, "1")
    assert demo.should_build_demo(tmp_path / "prod.duckdb")
    monkeypatch.setenv(demo.DEMO_ENV_VAR, "0")
    assert not demo.should_build_demo(tmp_path / "prod.duckdb")


def test_a_new_store_elsewhere_asks_for_the_first_admin(tmp_path, monkeypatch, builds):
    path = tmp_path / "typo" / "prod.duckdb"
    monkeypatch.setenv("MEMBERLENS_DB", str(path))
    monkeypatch.setenv(auth.COOKIE_KEY_ENV_VAR, COOKIE_KEY)
    monkeypatch.delenv(demo.DEMO_ENV_VAR, raising=False)
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    assert builds == []
    assert at.title[0].value == i18n.t("setup.title", "zh")
    store = open_store(path)
    assert not store.is_demo() and not auth.has_accounts(store)
    close_store(path)


def test_memberlens_demo_asks_for_the_demo_anywhere(tmp_path, monkeypatch, builds):
    path = tmp_path / "wanted.duckdb"
    monkeypatch.setenv("MEMBERLENS_DB", str(path))
    monkeypatch.setenv(demo.DEMO_ENV_VAR, "1")
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert [str(p) for p in builds] == [str(path)]
    assert at.error  # the stand-in builder failed, and said so
    close_store(path)


def empty_demo_store(path):
    """A store marked demo with its demo accounts (members come from the imports below)."""
    close_store(path)
    store = open_store(path)
    with store.transaction() as cur:
        store.set_meta(cur, "demo", "true")
    auth.create_demo_accounts(store)
    return store


def demo_store_with_accounts(tmp_path):
    store = empty_demo_store(tmp_path / "demo.duckdb")
    auth.create_account(store, "admin", "boss", "boss-password-1", "admin", actor="admin")
    return store


def test_real_data_imported_into_a_demo_store_ends_the_demo(tmp_path):
    store = demo_store_with_accounts(tmp_path)
    folder = tmp_path / "real"
    folder.mkdir()
    (folder / "members.csv").write_text(MEMBERS_CSV, encoding="utf-8")
    import_dir(store, folder, actor="boss", role="admin")
    # the same transaction as the import: the import's own row comes right before
    actions = list(store.df("select action from audit_log order by audit_id")["action"])
    assert actions[-2:] == ["import.loaded", "account.demo_end"]
    assert not store.is_demo()
    assert [a.username for a in auth.list_accounts(store)] == ["boss"]
    assert not auth.authenticate(store, "admin", auth.DEMO_ACCOUNTS["admin"][1]).ok
    assert store.meta(demo.DEMO_ENDED_META_KEY)
    row = store.df(
        "select actor, role, after_json, reason from audit_log where action = 'account.demo_end'"
    ).iloc[0]
    assert (row["actor"], row["role"]) == ("boss", "admin")
    assert json.loads(row["after_json"]) == {
        "demo": False,
        "removed_accounts": sorted(auth.DEMO_ACCOUNTS),
    }
    assert audit.verify_chain(store).ok
    close_store(store.path)


def test_a_refused_strict_import_leaves_the_demo_as_it_was(tmp_path):
    store = demo_store_with_accounts(tmp_path)
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "members.csv").write_text(MEMBERS_CSV + "R2,not a date,x,F,1,广东,wechat,ios,\n")
    report = import_dir(store, folder, strict=True, actor="boss", role="admin")
    assert report.status == "rejected"
    assert store.is_demo() and len(auth.list_accounts(store)) == 6
    close_store(store.path)


def test_the_admin_is_told_why_the_demo_accounts_are_gone(tmp_path, monkeypatch):
    store = empty_demo_store(tmp_path / "ended.duckdb")
    folder = tmp_path / "real"
    folder.mkdir()
    (folder / "members.csv").write_text(MEMBERS_CSV, encoding="utf-8")
    import_dir(store, folder, actor="admin", role="admin")
    monkeypatch.setenv("MEMBERLENS_DB", str(store.path))
    monkeypatch.setenv(auth.COOKIE_KEY_ENV_VAR, COOKIE_KEY)
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    assert at.title[0].value == i18n.t("setup.title", "zh")  # no account left: first admin
    assert any("演示" in w.value and "真实数据" in w.value for w in at.warning)
    close_store(store.path)


def test_a_real_admin_signed_in_sees_why_the_demo_ended(tmp_path, monkeypatch):
    import time

    store = demo_store_with_accounts(tmp_path)
    folder = tmp_path / "real"
    folder.mkdir()
    (folder / "members.csv").write_text(MEMBERS_CSV, encoding="utf-8")
    import_dir(store, folder, actor="boss", role="admin")
    monkeypatch.setenv("MEMBERLENS_DB", str(store.path))
    monkeypatch.setenv(auth.COOKIE_KEY_ENV_VAR, COOKIE_KEY)
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state["ml_session"] = {"username": "boss", "issued_at": time.time()}
    at.run()
    assert not at.exception
    assert any("真实数据" in w.value for w in at.sidebar.warning)
    close_store(store.path)

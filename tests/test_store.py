"""Store: schema versioning and upgrade, transactions, one clear message when the file is busy."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import core.store as store_module
from core.store import (
    StoreError,
    StoreInUseError,
    close_store,
    latest_schema_version,
    open_store,
)

ROOT = Path(__file__).resolve().parent.parent


def test_new_store_has_latest_schema_and_default_tiers(tmp_path):
    store = open_store(tmp_path / "s.duckdb")
    try:
        assert store.schema_version == latest_schema_version()
        tiers = store.df("select tier_code, threshold, discount from tiers order by rank")
        assert tiers.to_dict("list") == {
            "tier_code": ["normal", "bronze", "silver", "gold"],
            "threshold": [0, 500, 1000, 2000],
            "discount": [1.0, 0.9, 0.85, 0.8],
        }
        assert store.business_tz == "Asia/Shanghai"
    finally:
        close_store(store.path)


def test_open_store_is_one_connection_per_process(tmp_path):
    first = open_store(tmp_path / "s.duckdb")
    try:
        assert open_store(tmp_path / "s.duckdb") is first
    finally:
        close_store(first.path)


def test_older_store_is_upgraded_on_open(tmp_path, monkeypatch):
    only_v1 = tmp_path / "schema"
    only_v1.mkdir()
    (only_v1 / "001_init.sql").write_text(
        (store_module.SCHEMA_DIR / "001_init.sql").read_text(encoding="utf-8"), encoding="utf-8"
    )
    path = tmp_path / "old.duckdb"
    monkeypatch.setattr(store_module, "SCHEMA_DIR", only_v1)
    old = open_store(path)
    assert old.schema_version == 1
    with old.transaction() as cur:
        cur.execute("insert into campaigns values ('C1', 'x', '2025-01-01', '2025-01-02', null)")
    close_store(path)

    later = tmp_path / "schema2"
    later.mkdir()
    for sql in store_module.SCHEMA_DIR.glob("*.sql"):
        (later / sql.name).write_text(sql.read_text(encoding="utf-8"), encoding="utf-8")
    (later / "900_note.sql").write_text(
        "create table upgrade_note (x integer);\ninsert into upgrade_note values (7);\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(store_module, "SCHEMA_DIR", later)
    upgraded = open_store(path)
    try:
        assert upgraded.schema_version == 900
        assert upgraded.scalar("select x from upgrade_note") == 7
        assert upgraded.scalar("select count(*) from campaigns") == 1  # data kept
    finally:
        close_store(path)


def test_failed_migration_leaves_the_store_at_its_version(tmp_path, monkeypatch):
    path = tmp_path / "s.duckdb"
    close_store(open_store(path).path)
    broken = tmp_path / "schema"
    broken.mkdir()
    for sql in store_module.SCHEMA_DIR.glob("*.sql"):
        (broken / sql.name).write_text(sql.read_text(encoding="utf-8"), encoding="utf-8")
    (broken / "901_broken.sql").write_text(
        "create table half_done (x integer);\nthis is not sql;\n", encoding="utf-8"
    )
    monkeypatch.setattr(store_module, "SCHEMA_DIR", broken)
    with pytest.raises(Exception, match="syntax"):
        open_store(path)
    monkeypatch.undo()
    store = open_store(path)
    try:
        assert store.schema_version == latest_schema_version()
        assert (
            store.scalar(
                "select count(*) from information_schema.tables where table_name = 'half_done'"
            )
            == 0
        )
    finally:
        close_store(path)


def test_transaction_rolls_back_every_statement(tmp_path):
    store = open_store(tmp_path / "s.duckdb")
    try:
        with pytest.raises(RuntimeError):
            with store.transaction() as cur:
                cur.execute(
                    "insert into campaigns values ('C1', 'a', '2025-01-01', '2025-01-02', null)"
                )
                cur.execute("insert into channel_costs values ('x', '2025-01-01', 5)")
                raise RuntimeError("boom")
        assert store.scalar("select count(*) from campaigns") == 0
        assert store.scalar("select count(*) from channel_costs") == 0
    finally:
        close_store(store.path)


def test_second_process_gets_a_clear_message(tmp_path):
    path = tmp_path / "busy.duckdb"
    close_store(open_store(path).path)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import sys, time
                from core.store import open_store
                open_store({str(path)!r})
                print("ready", flush=True)
                time.sleep(60)
                """
            ),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(StoreInUseError) as caught:
            open_store(path)
        assert caught.value.pid == holder.pid
        assert f"the store is in use by process {holder.pid}" in str(caught.value)
        cli = subprocess.run(
            [sys.executable, "-m", "core.cli", "info", "--db", str(path)],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        assert cli.returncode == 1
        assert cli.stderr.strip().splitlines() == [
            f"error: the store is in use by process {holder.pid}: {path} "
            "(stop that process, e.g. the running app, or use another --db)"
        ]
        assert "Traceback" not in cli.stderr
    finally:
        holder.kill()
        holder.wait()


def test_a_migration_numbered_below_one_already_applied_still_runs(tmp_path, monkeypatch):
    first = tmp_path / "schema1"
    first.mkdir()
    (first / "001_init.sql").write_text(
        (store_module.SCHEMA_DIR / "001_init.sql").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (first / "004_late.sql").write_text("create table late (x integer);\n", encoding="utf-8")
    monkeypatch.setattr(store_module, "SCHEMA_DIR", first)
    path = tmp_path / "s.duckdb"
    assert open_store(path).schema_version == 4
    close_store(path)
    (first / "003_early.sql").write_text(
        "create table early (x integer);\ninsert into early values (3);\n", encoding="utf-8"
    )
    store = open_store(path)
    try:
        assert store.scalar("select x from early") == 3
        assert store.schema_version == 4
        versions = store.df("select version from schema_migrations order by 1")["version"]
        assert list(versions) == [1, 3, 4]
    finally:
        close_store(path)


def test_read_only_and_writable_requests_share_one_connection(tmp_path):
    path = tmp_path / "s.duckdb"
    close_store(open_store(path).path)
    reader = open_store(path, read_only=True)
    assert reader.read_only
    writer = open_store(path)  # replaces the reader: DuckDB allows one configuration
    assert not writer.read_only
    assert open_store(path, read_only=True) is writer
    close_store(path)


def test_app_memory_limit_is_applied_and_checked(tmp_path, monkeypatch):
    from core.config import app_memory_limit

    store = open_store(tmp_path / "limited.duckdb")
    monkeypatch.delenv("MEMBERLENS_MEMORY_LIMIT", raising=False)
    assert app_memory_limit() == "2GB"
    monkeypatch.setenv("MEMBERLENS_MEMORY_LIMIT", "1500MB")
    store.limit_memory(app_memory_limit())
    assert store.scalar("select current_setting('memory_limit')") == "1.3 GiB"  # 1500 MB
    with pytest.raises(StoreError, match="not a size"):
        store.limit_memory("2GB'; drop table members; --")

"""The DuckDB store: one file, one connection per process, versioned schema.

Every query runs on a cursor of the process's single connection; every multi-statement write
runs inside :meth:`Store.transaction`. Opening a store made by an older version applies the
missing migrations from ``sql/schema/`` in order, each in its own transaction.
"""

from __future__ import annotations

import os
import re
import stat
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from core.config import DEFAULT_BUSINESS_TZ, SQL_DIR, resolve_db_path
from core.sqlfiles import sql_text

SCHEMA_DIR = SQL_DIR / "schema"


class StoreError(Exception):
    """A store problem a user can act on; the message is shown as is."""


class StoreInUseError(StoreError):
    """Another process holds the store's file lock."""

    def __init__(self, path: Path, pid: int | None):
        self.path = path
        self.pid = pid
        who = f"process {pid}" if pid else "another process"
        super().__init__(
            f"the store is in use by {who}: {path} "
            "(stop that process, e.g. the running app, or use another --db)"
        )


def _migrations() -> list[tuple[int, Path]]:
    found = []
    for path in sorted(SCHEMA_DIR.glob("*.sql")):
        match = re.match(r"(\d+)_", path.name)
        if match:
            found.append((int(match.group(1)), path))
    return found


def latest_schema_version() -> int:
    return max(version for version, _ in _migrations())


def _split_statements(script: str) -> list[str]:
    """Split a migration script on semicolons that end a line (scripts hold no procedures)."""
    lines = [line for line in script.splitlines() if not line.strip().startswith("--")]
    parts = re.split(r";\s*(?:\n|$)", "\n".join(lines))
    return [part.strip() for part in parts if part.strip()]


class Store:
    """One DuckDB file. Use :func:`open_store` rather than constructing directly."""

    def __init__(self, path: Path, read_only: bool = False):
        self.path = path
        self.read_only = read_only
        self._lock = threading.RLock()
        if not read_only:
            path.parent.mkdir(parents=True, exist_ok=True)
        elif not path.exists():
            raise StoreError(f"no store at {path}")
        try:
            self.con = duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            message = str(exc)
            if "lock" in message.lower():
                match = re.search(r"PID (\d+)", message)
                raise StoreInUseError(path, int(match.group(1)) if match else None) from None
            raise StoreError(f"cannot open the store {path}: {message}") from None
        except duckdb.Error as exc:
            raise StoreError(f"cannot open the store {path}: {exc}") from None
        self.con.execute("set preserve_insertion_order = true")
        if not read_only:
            self._migrate()

    # -- connection ------------------------------------------------------------------------

    def limit_memory(self, limit: str) -> None:
        """Cap DuckDB's memory for this process (e.g. ``"2GB"``); larger queries spill."""
        if not re.fullmatch(r"\d+(\.\d+)?\s*[KMGT]i?B", limit.strip(), flags=re.IGNORECASE):
            raise StoreError(f"memory limit {limit!r} is not a size such as 2GB or 1500MB")
        self.con.execute(f"set memory_limit = '{limit.strip()}'")

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor on the process's connection; cheap, one per query or thread."""
        return self.con.cursor()

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor inside ``begin … commit``; any exception rolls the whole block back."""
        cur = self.con.cursor()
        cur.execute("begin transaction")
        try:
            yield cur
        except BaseException:
            cur.execute("rollback")
            raise
        else:
            cur.execute("commit")
        finally:
            cur.close()

    def close(self) -> None:
        self.con.close()

    # -- queries ---------------------------------------------------------------------------

    def df(self, sql: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
        cur = self.cursor()
        try:
            return cur.execute(sql, params or {}).df()
        finally:
            cur.close()

    def query(self, name: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
        """Run ``sql/<name>.sql`` with bound ``$params`` and return a DataFrame."""
        return self.df(sql_text(name), params)

    def scalar(self, sql: str, params: dict[str, Any] | None = None) -> Any:
        cur = self.cursor()
        try:
            row = cur.execute(sql, params or {}).fetchone()
            return row[0] if row else None
        finally:
            cur.close()

    # -- schema ----------------------------------------------------------------------------

    @property
    def schema_version(self) -> int:
        value = self.scalar("select value from meta where key = 'schema_version'")
        return int(value) if value is not None else 0

    def meta(self, key: str, default: str | None = None) -> str | None:
        value = self.scalar("select value from meta where key = $key", {"key": key})
        return default if value is None else value

    def set_meta(self, cur: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
        cur.execute(
            "insert or replace into meta values ($key, $value)", {"key": key, "value": value}
        )

    @property
    def business_tz(self) -> str:
        return self.meta("business_tz", DEFAULT_BUSINESS_TZ) or DEFAULT_BUSINESS_TZ

    def _migrate(self) -> None:
        """Apply every migration in ``sql/schema`` that this store has not applied yet.

        Applied versions are recorded one by one (``schema_migrations``), so a migration that
        lands with a lower number than one already applied is still applied; a store from
        before that table existed counts every version up to its ``schema_version``.
        """
        with self.transaction() as cur:
            cur.execute(
                "create table if not exists meta (key varchar primary key, value varchar not null)"
            )
            cur.execute(
                "create table if not exists schema_migrations ("
                "version integer primary key, name varchar not null, applied_at timestamp)"
            )
            applied = {
                row[0] for row in cur.execute("select version from schema_migrations").fetchall()
            }
            recorded = cur.execute("select value from meta where key = 'schema_version'").fetchone()
            if not applied and recorded:
                for version, path in _migrations():
                    if version <= int(recorded[0]):
                        cur.execute(
                            "insert into schema_migrations values ($v, $n, null)",
                            {"v": version, "n": path.name},
                        )
                        applied.add(version)
        for version, path in _migrations():
            if version in applied:
                continue
            with self.transaction() as cur:
                for statement in _split_statements(path.read_text(encoding="utf-8")):
                    cur.execute(statement)
                cur.execute(
                    "insert into schema_migrations values ($v, $n, $t)",
                    {"v": version, "n": path.name, "t": datetime.now(UTC).replace(tzinfo=None)},
                )
                newest = max(applied | {version})
                self.set_meta(cur, "schema_version", str(newest))
                if version == 1:
                    self.set_meta(cur, "business_tz", DEFAULT_BUSINESS_TZ)
                    self.set_meta(cur, "created_at", datetime.now(UTC).isoformat())
            applied.add(version)
        self._build_pending_rollups()

    def _build_pending_rollups(self) -> None:
        """Build the rollup tables a migration created (``rollup_pending:<table>`` in meta),
        so an existing store has them filled before any page reads them."""
        from core import rollups  # rollups reads sql/ only; imported late to keep store light

        pending = self.df("select key from meta where key like 'rollup_pending:%'")["key"]
        if pending.empty:
            return
        order = {rollup.table: index for index, rollup in enumerate(rollups.ROLLUPS)}
        tables = sorted(
            (key.removeprefix("rollup_pending:") for key in pending),
            key=lambda table: order.get(table, len(order)),
        )  # registry order: member_week and member_month are built from member_day
        with self.transaction() as cur:
            for table in tables:
                key = f"rollup_pending:{table}"
                rollups.build_table(cur, table)
                cur.execute("delete from meta where key = $k", {"k": key})

    # -- facts used everywhere -------------------------------------------------------------

    def is_demo(self) -> bool:
        return self.meta("demo") == "true"

    def last_event_day(self) -> date | None:
        """The default as-of date: the last day with activity, an event or an order (not the
        wall clock)."""
        return self.scalar("select max(day) from member_day")

    def table_counts(self) -> dict[str, int]:
        names = [
            "members",
            "events",
            "orders",
            "tiers",
            "benefits",
            "tier_history",
            "channel_costs",
            "campaigns",
            "imports",
            "import_rejects",
            "member_day",
        ]
        # Table names are this fixed allow-list, never user input.
        sql = " union all ".join(
            f"select '{name}' as t, count(*) as n from {name}"  # noqa: S608
            for name in names
        )
        return {row[0]: int(row[1]) for row in self.cursor().execute(sql).fetchall()}


_open: dict[tuple[Path, bool], Store] = {}
_open_lock = threading.Lock()


def open_store(path: str | Path | None = None, read_only: bool = False) -> Store:
    """The process's single :class:`Store` for ``path`` (created and migrated if needed)."""
    resolved = resolve_db_path(path)
    with _open_lock:
        writable = _open.get((resolved, False))
        if writable is not None:
            return writable  # a writable store serves readers too: one connection per file
        if read_only:
            store = _open.get((resolved, True))
            if store is None:
                store = _open[(resolved, True)] = Store(resolved, read_only=True)
            return store
        # DuckDB refuses a second connection to one file with another configuration.
        stale = _open.pop((resolved, True), None)
        if stale is not None:
            stale.close()
        store = _open[(resolved, False)] = Store(resolved)
        return store


def close_store(path: str | Path | None = None) -> None:
    """Close and forget the process's store for ``path`` (tests and the CLI use this)."""
    resolved = resolve_db_path(path)
    with _open_lock:
        for key in [k for k in _open if k[0] == resolved]:
            _open.pop(key).close()


COMPACT_DUE_META_KEY = "compact_due"  # set by an erasure, cleared by compact_store


def compact_store(path: str | Path | None = None) -> tuple[int, int]:
    """Rewrite the store into a fresh file holding its live rows only, and put it in place.

    DuckDB reuses the blocks of deleted and updated rows but never clears them, so the old
    values of an erased member stay in the file (and in its write-ahead log) until
    overwritten. The fresh copy has none of them. Needs the store to itself: stop the app
    first (another process holding it raises :class:`StoreInUseError`). Returns the file's
    size before and after, in bytes.
    """
    resolved = resolve_db_path(path)
    if not resolved.is_file():
        raise StoreError(f"no store at {resolved}")
    close_store(resolved)
    fresh = resolved.with_name(resolved.name + ".compacting")
    for leftover in (fresh, fresh.with_name(fresh.name + ".wal")):
        leftover.unlink(missing_ok=True)
    before = resolved.stat().st_size
    try:
        con = duckdb.connect(str(resolved))  # writable: its write-ahead log is folded in
    except duckdb.IOException as exc:
        message = str(exc)
        if "lock" not in message.lower():
            raise StoreError(f"cannot open the store {resolved}: {message}") from None
        match = re.search(r"PID (\d+)", message)
        raise StoreInUseError(resolved, int(match.group(1)) if match else None) from None
    try:
        con.execute("checkpoint")
        con.execute("attach $path as fresh", {"path": str(fresh)})
        con.execute(f"copy from database {_current_database(con)} to fresh")
        con.execute("delete from fresh.meta where key = $k", {"k": COMPACT_DUE_META_KEY})
        con.execute("checkpoint fresh")
        con.execute("detach fresh")
    finally:
        con.close()
    logs = [p.with_name(p.name + ".wal") for p in (fresh, resolved)]
    if any(log.exists() for log in logs):
        # both files were checkpointed and closed; a log left here would be replayed into
        # the wrong file after the rename, so the store stays as it is
        fresh.unlink(missing_ok=True)
        logs[0].unlink(missing_ok=True)
        raise StoreError(f"{resolved}: a write-ahead log remained after checkpoint; not compacted")
    os.chmod(fresh, stat.S_IMODE(resolved.stat().st_mode))
    fresh.replace(resolved)
    return before, resolved.stat().st_size


def _current_database(con: duckdb.DuckDBPyConnection) -> str:
    name = con.execute("select current_database()").fetchone()[0]
    return '"' + name.replace('"', '""') + '"'

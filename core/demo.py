"""The demo store: generated data imported through the real importer, then marked as demo.

The store is built beside its final path and moved into place only when complete, so an
interrupted build never leaves a half-made store that the app would open as if it were whole.

The app builds it only at the default path (``data/memberlens.duckdb``) or when asked
(``MEMBERLENS_DEMO=1``; the command line's ``demo``): any other store that does not exist
yet starts empty, with the one-time "create the first admin" page, so the published demo
passwords never reach a real deployment by a typo in ``MEMBERLENS_DB``. When real data is
imported into a demo store, :func:`leave_demo` removes the demo accounts and the demo flag
in the import's transaction.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import duckdb

from core import audit
from core.config import DEFAULT_DB_PATH, resolve_db_path
from core.ingest import import_dir
from core.store import Store, close_store, open_store

DEFAULT_MEMBERS = 20_000
DEFAULT_EVENTS = 1_500_000
DEFAULT_SEED = 42
DEMO_ENV_VAR = "MEMBERLENS_DEMO"
DEMO_ENDED_META_KEY = "demo_ended_at"


def should_build_demo(path: str | Path) -> bool:
    """Whether the app may build the demo store at ``path`` (which does not exist yet): only
    the default store path, or any path when ``$MEMBERLENS_DEMO`` is ``1``."""
    if os.environ.get(DEMO_ENV_VAR, "").strip().lower() in ("1", "true", "yes"):
        return True
    return Path(path).expanduser().resolve() == DEFAULT_DB_PATH.resolve()


def leave_demo(
    cur: duckdb.DuckDBPyConnection, actor: str | None, role: str | None, reason: str
) -> list[str]:
    """Make a demo store a real one, inside the caller's transaction (an import of real
    data): the demo accounts (published passwords) and their sessions, second factors and
    throttles go, the demo flag goes, and an audit row says so. Returns the removed names;
    nothing happens in a store that is not a demo.
    """
    from core.auth import DEMO_ACCOUNTS, utcnow

    flag = cur.execute("select value from meta where key = 'demo'").fetchone()
    if flag is None or flag[0] != "true":
        return []
    names = list(DEMO_ACCOUNTS)
    removed = sorted(
        row[0]
        for row in cur.execute(
            "delete from accounts where list_contains($names, username) returning username",
            {"names": names},
        ).fetchall()
    )
    cur.execute("delete from account_totp where list_contains($names, username)", {"names": names})
    now = utcnow()
    cur.execute("delete from meta where key in ('demo', 'demo_seed')")
    cur.execute(
        "insert or replace into meta values ($k, $v)",
        {"k": DEMO_ENDED_META_KEY, "v": now.isoformat(timespec="seconds")},
    )
    audit.record(
        cur,
        actor=actor,
        role=role,
        action="account.demo_end",
        target="store",
        before={"demo": True},
        after={"demo": False, "removed_accounts": removed},
        reason=reason,
        now=now,
    )
    return removed


def build_demo_store(
    path: str | Path | None = None,
    members: int = DEFAULT_MEMBERS,
    events: int = DEFAULT_EVENTS,
    seed: int = DEFAULT_SEED,
    progress: Callable[[str], None] | None = None,
    fit_models: bool = False,
) -> Store:
    """Generate demo data, import it into a new store at ``path`` and return the open store.

    With ``fit_models`` (the app's first run and ``core.cli demo``), the churn and LTV models
    are fitted as of the last day with data and the run saved, so the Churn, LTV forecast
    and Models pages have something to show at once. Refuses to overwrite an existing store.
    """
    from data.generate import generate  # numpy-heavy; only needed when building

    progress = progress or (lambda message: None)
    target = resolve_db_path(path)
    if target.exists():
        raise FileExistsError(f"a store already exists at {target}; remove it or use another --db")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".building")
    for leftover in (partial, partial.with_name(partial.name + ".wal")):
        leftover.unlink(missing_ok=True)
    if audit.configured_key() is None:
        audit.create_demo_key(target)  # the audit chain's key, beside the store (git-ignored)
    with tempfile.TemporaryDirectory(prefix="memberlens-demo-") as tmp:
        progress(f"generating {members:,} members and about {events:,} events (seed {seed})")
        generate(Path(tmp), members=members, events=events, seed=seed, progress=progress)
        store = open_store(partial)
        try:
            import_dir(
                store, tmp, actor="demo", progress=progress, reports_dir=Path(tmp) / "reports"
            )
            with store.transaction() as cur:
                store.set_meta(cur, "demo", "true")
                store.set_meta(cur, "demo_seed", str(seed))
            if fit_models:
                _fit_models(store, progress)
            store.con.execute("checkpoint")
        finally:
            close_store(partial)
    os.replace(partial, target)
    progress(f"demo store ready: {target}")
    return open_store(target)


def _fit_models(store: Store, progress: Callable[[str], None]) -> None:
    """Fit every churn/LTV model as of the last day with data and save the run."""
    from core import churn, metrics

    _, as_of = metrics.data_bounds(store)
    if as_of is None:
        return
    progress(f"fitting the churn and LTV models as of {as_of}")
    churn.save_fit(store, churn.fit_churn_models(store, as_of), "demo")

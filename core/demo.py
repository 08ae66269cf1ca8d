"""The demo store: generated data imported through the real importer, then marked as demo.

The store is built beside its final path and moved into place only when complete, so an
interrupted build never leaves a half-made store that the app would open as if it were whole.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from core import audit
from core.config import resolve_db_path
from core.ingest import import_dir
from core.store import Store, close_store, open_store

DEFAULT_MEMBERS = 20_000
DEFAULT_EVENTS = 1_500_000
DEFAULT_SEED = 42


def build_demo_store(
    path: str | Path | None = None,
    members: int = DEFAULT_MEMBERS,
    events: int = DEFAULT_EVENTS,
    seed: int = DEFAULT_SEED,
    progress: Callable[[str], None] | None = None,
) -> Store:
    """Generate demo data, import it into a new store at ``path`` and return the open store.

    Refuses to overwrite an existing store.
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
            store.con.execute("checkpoint")
        finally:
            close_store(partial)
    os.replace(partial, target)
    progress(f"demo store ready: {target}")
    return open_store(target)

"""Process-wide settings: where the store lives and which business time zone it uses.

Nothing here reads the wall clock; the as-of date of every metric is passed in explicitly.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SQL_DIR = PROJECT_ROOT / "sql"
DATA_DIR = PROJECT_ROOT / "data"
DEFAULT_DB_PATH = DATA_DIR / "memberlens.duckdb"
DB_ENV_VAR = "MEMBERLENS_DB"
DEFAULT_BUSINESS_TZ = "Asia/Shanghai"


def resolve_db_path(path: str | os.PathLike | None = None) -> Path:
    """The store path: an explicit argument, else ``$MEMBERLENS_DB``, else the default."""
    if path:
        return Path(path).expanduser().resolve()
    env = os.environ.get(DB_ENV_VAR)
    if env:
        return Path(env).expanduser().resolve()
    return DEFAULT_DB_PATH

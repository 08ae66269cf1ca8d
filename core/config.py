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
# DuckDB memory for the app process (SPEC §9: app memory under 3 GB). Queries that need
# more spill to disk (the store's .tmp folder) instead of growing the process. The CLI's
# bulk builds keep DuckDB's default (80% of RAM).
APP_MEMORY_LIMIT_ENV_VAR = "MEMBERLENS_MEMORY_LIMIT"
DEFAULT_APP_MEMORY_LIMIT = "2GB"


def app_memory_limit() -> str:
    """DuckDB's memory limit for the app: ``$MEMBERLENS_MEMORY_LIMIT`` or 2 GB."""
    return os.environ.get(APP_MEMORY_LIMIT_ENV_VAR) or DEFAULT_APP_MEMORY_LIMIT


def resolve_db_path(path: str | os.PathLike | None = None) -> Path:
    """The store path: an explicit argument, else ``$MEMBERLENS_DB``, else the default."""
    if path:
        return Path(path).expanduser().resolve()
    env = os.environ.get(DB_ENV_VAR)
    if env:
        return Path(env).expanduser().resolve()
    return DEFAULT_DB_PATH

"""Loads the queries kept in ``sql/`` (one query per file)."""

from __future__ import annotations

from functools import cache

from core.config import SQL_DIR


@cache
def sql_text(name: str) -> str:
    """Text of ``sql/<name>.sql``; ``name`` is a relative path such as ``"tiers/recompute"``.

    Names come from code, never from users; the check keeps a typo from reading outside ``sql/``.
    """
    path = (SQL_DIR / f"{name}.sql").resolve()
    if SQL_DIR.resolve() not in path.parents:
        raise ValueError(f"query name {name!r} points outside sql/")
    return path.read_text(encoding="utf-8")

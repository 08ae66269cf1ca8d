"""Shared fixtures. The demo store is built once per test session (seed 42, default size)
in a temporary folder; tests open it with ``open_store(demo_store_path)`` and must not
write to it."""

from __future__ import annotations

import pytest

from core.demo import build_demo_store
from core.store import close_store


@pytest.fixture(scope="session")
def demo_store_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    build_demo_store(path)
    close_store(path)
    return path

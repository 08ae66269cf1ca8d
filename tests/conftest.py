"""Shared fixtures. The demo store is built once per test session (seed 42, default size)
in a temporary folder; tests open it with ``open_store(demo_store_path)`` and must not
write to it."""

from __future__ import annotations

import os

import pytest

from core.demo import build_demo_store
from core.store import close_store

# The audit chain's key (core/audit.py, read when a row is written). CI sets none: the
# suite brings its own, for every test and for the app servers the browser test starts.
# Tests of a missing or different key change it with monkeypatch.
TEST_AUDIT_KEY = "test-audit-key-0123456789-abcdefghijklmnopqrstuv"
os.environ.setdefault("MEMBERLENS_AUDIT_KEY", TEST_AUDIT_KEY)  # core.audit.AUDIT_KEY_ENV_VAR


@pytest.fixture(scope="session")
def demo_store_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    build_demo_store(path)
    close_store(path)
    return path

"""A writable copy of the session demo store with one stored churn/LTV fit, made once per
test session (the fit takes a few seconds) and shared by the churn model and page tests."""

from __future__ import annotations

import shutil
import tempfile
from functools import cache
from pathlib import Path

from core import churn
from core.store import close_store, open_store
from data.generate import DEMO_END


@cache
def fitted_demo_copy(demo_store_path: Path) -> tuple[Path, churn.ChurnFit]:
    """Copy the demo store to a temporary folder, fit every model as of ``DEMO_END`` and
    store the run; returns the copy's path and the fit (the copy is closed afterwards)."""
    folder = Path(tempfile.mkdtemp(prefix="memberlens-churn-"))
    path = folder / "demo_churn.duckdb"
    shutil.copy(demo_store_path, path)
    store = open_store(path)
    fit = churn.fit_churn_models(store, DEMO_END)
    churn.save_fit(store, fit, "tests")
    close_store(path)
    return path, fit

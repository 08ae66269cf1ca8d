"""A real MemberLens server and a headless Chromium for the browser test, the page timings
and the screenshots: ``streamlit run app.py`` on a free local port over a given store, driven
by Playwright with Debian's Chromium (``apt-get install chromium chromium-driver``;
Playwright's own browser download does not work on the build machines)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from core.config import PROJECT_ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class ServerError(RuntimeError):
    """The server did not come up; the message holds its log."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Server:
    base: str  # http://127.0.0.1:PORT
    pid: int


@contextlib.contextmanager
def serve(
    store_path: Path, log_path: Path, env: dict | None = None, app_dir: Path = PROJECT_ROOT
) -> Iterator[Server]:
    """Start the app of ``app_dir`` (default: this checkout) on ``store_path``, wait for its
    health check, yield it and stop it afterwards. The server's output goes to ``log_path``."""
    port = free_port()
    environment = {**os.environ, "MEMBERLENS_DB": str(store_path), **(env or {})}
    environment.pop("MEMBERLENS_COOKIE_KEY", None)  # demo store: generated local key
    command = [
        sys.executable, "-m", "streamlit", "run", str(app_dir / "app.py"),
        "--server.port", str(port), "--server.address", "127.0.0.1",
        "--server.headless", "true", "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    with log_path.open("w") as log:
        process = subprocess.Popen(
            command, cwd=app_dir, env=environment, stdout=log, stderr=subprocess.STDOUT
        )
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_healthy(base, process, log_path)
            yield Server(base, process.pid)
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


def _wait_healthy(base: str, process: subprocess.Popen, log_path: Path, limit_s: float = 60):
    deadline = time.monotonic() + limit_s
    while True:
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise ServerError(f"server did not start:\n{log_path.read_text()}")
        time.sleep(0.3)


def launch(playwright):
    """Debian's Chromium, headless."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


def wait_until_idle(page, settle_s: float = 0.5, timeout_s: float = 60) -> float:
    """Wait until Streamlit has finished running the script: the main block has content and
    the running indicator has stayed away for ``settle_s``. Returns the seconds waited."""
    started = time.monotonic()
    quiet_since = None
    status = page.get_by_test_id("stStatusWidget")
    main = page.get_by_test_id("stMainBlockContainer")
    while time.monotonic() - started < timeout_s:
        busy = status.count() > 0 or main.count() == 0
        if busy:
            quiet_since = None
        else:
            quiet_since = quiet_since or time.monotonic()
            if time.monotonic() - quiet_since >= settle_s:
                return quiet_since - started
        time.sleep(0.05)
    raise TimeoutError(f"the page was still running after {timeout_s:.0f} s")

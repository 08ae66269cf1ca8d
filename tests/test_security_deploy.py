"""Deployment-side controls of issue 13 (Low): the locked-store message, read-only CLI
commands, localhost binding in scripts/start.sh and the TLS proxy example in docs/DEPLOY.md."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest
from streamlit.testing.v1 import AppTest

from core import audit, cli, ui
from core.config import PROJECT_ROOT
from core.store import StoreInUseError, close_store, open_store

APP = str(PROJECT_ROOT / "app.py")
DEPLOY = PROJECT_ROOT / "docs" / "DEPLOY.md"


def test_a_locked_store_shows_no_path_or_pid(tmp_path, monkeypatch, caplog):
    path = tmp_path / "secret-folder" / "prod.duckdb"
    open_store(path)
    close_store(path)
    monkeypatch.setenv("MEMBERLENS_DB", str(path))

    def locked(_path):
        raise StoreInUseError(path, 424242)

    monkeypatch.setattr(ui, "_open_store", locked)
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    shown = " ".join(e.value for e in at.error)
    assert shown and "secret-folder" not in shown and "424242" not in shown
    assert not at.text_input  # no sign-in form over a store that is not there
    assert any("424242" in record.getMessage() for record in caplog.records)


@pytest.mark.parametrize("argv", [["info"], ["audit", "verify"]])
def test_read_only_commands_open_the_store_read_only(tmp_path, monkeypatch, argv):
    path = tmp_path / "ro.duckdb"
    audit.record_now(open_store(path), actor="root", role="admin", action="member.status")
    close_store(path)
    opened = []
    real = cli.open_store

    def spy(where=None, read_only=False):
        opened.append(read_only)
        return real(where, read_only=read_only)

    monkeypatch.setattr(cli, "open_store", spy)
    assert cli.main([*argv, "--db", str(path)]) == 0
    assert opened == [True]
    close_store(path)


def run_start_script(tmp_path, env: dict) -> str:
    """scripts/start.sh with setup and streamlit replaced by stand-ins: the arguments it
    would start Streamlit with."""
    root = tmp_path / "checkout"
    (root / "scripts").mkdir(parents=True)
    (root / ".venv" / "bin").mkdir(parents=True)
    shutil.copy(PROJECT_ROOT / "scripts" / "start.sh", root / "scripts" / "start.sh")
    (root / "scripts" / "setup.sh").write_text("exit 0\n")
    fake = root / ".venv" / "bin" / "streamlit"
    fake.write_text('#!/usr/bin/env bash\necho "$@"\n')
    fake.chmod(0o755)
    clean = {k: v for k, v in os.environ.items() if k != "MEMBERLENS_ADDRESS"}
    done = subprocess.run(
        ["bash", str(root / "scripts" / "start.sh"), "--server.port", "9999"],
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout.strip()


def test_start_script_binds_to_localhost_by_default(tmp_path):
    assert run_start_script(tmp_path / "a", {}) == (
        "run app.py --server.address 127.0.0.1 --server.port 9999"
    )
    assert run_start_script(tmp_path / "b", {"MEMBERLENS_ADDRESS": "0.0.0.0"}) == (
        "run app.py --server.address 0.0.0.0 --server.port 9999"
    )


def nginx_example() -> str:
    blocks = re.findall(r"```nginx\n(.*?)```", DEPLOY.read_text(encoding="utf-8"), re.S)
    assert len(blocks) == 1
    return blocks[0]


def test_deploy_doc_has_a_complete_proxy_example():
    conf = nginx_example()
    for needed in (
        "listen 443 ssl",
        "ssl_certificate ",
        "ssl_certificate_key ",
        "proxy_pass http://memberlens",
        "server 127.0.0.1:8501",
        "proxy_set_header Upgrade $http_upgrade",
        "proxy_set_header Connection $connection_upgrade",
        "proxy_http_version 1.1",
        'add_header X-Frame-Options "DENY" always',
        "frame-ancestors 'none'",
        "proxy_cookie_flags ~ secure",
        "return 301 https://",
    ):
        assert needed in conf, needed
    assert (
        "enableXsrfProtection = true" in (PROJECT_ROOT / ".streamlit" / "config.toml").read_text()
    )


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed here")
def test_deploy_nginx_example_passes_nginx_t(tmp_path):
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=localhost", "-keyout", str(tmp_path / "key.pem"),
         "-out", str(tmp_path / "cert.pem")],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    conf = re.sub(r"ssl_certificate\s+\S+;", f"ssl_certificate {tmp_path / 'cert.pem'};",
                  nginx_example())  # fmt: skip
    conf = re.sub(r"ssl_certificate_key\s+\S+;", f"ssl_certificate_key {tmp_path / 'key.pem'};",
                  conf)  # fmt: skip
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\naccess_log off;\n{conf}\n}}\n"
    )
    done = subprocess.run(
        ["nginx", "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr

"""The operations CLI: exact interface, JSON counts, exit codes, and a killed import."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.store import close_store, open_store

ROOT = Path(__file__).resolve().parent.parent


def cli(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "-m", "core.cli", *args], cwd=ROOT, capture_output=True, text=True
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


def write_folder(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


MEMBERS = "member_id,signup_at\nA,2025-01-01\nB,2025-01-02\n"
EVENTS = (
    "member_id,event_time,event_type\n"
    "A,2025-01-03 10:00:00,login\n"
    "B,2025-01-03 11:00:00,login\n"
    "Z,2025-01-03 12:00:00,login\n"
    "A,yesterday,login\n"
)


def test_import_json_counts_add_up_and_rejects_are_kept(tmp_path):
    db = tmp_path / "s.duckdb"
    folder = write_folder(tmp_path / "in", {"members.csv": MEMBERS, "events.csv": EVENTS})
    result = cli("import", str(folder), "--db", str(db), "--json")
    counts = json.loads(result.stdout)
    assert counts == {
        "members": {"read": 2, "loaded": 2, "rejected": 0},
        "events": {"read": 4, "loaded": 2, "rejected": 2},
    }
    for table in counts.values():
        assert table["loaded"] + table["rejected"] == table["read"]
    rejects = pd.read_csv(db.parent / f"{db.name}.imports" / "000001" / "rejects.csv")
    assert list(zip(rejects.line, rejects.column_name, rejects.reason, strict=True)) == [
        (4, "member_id", "unknown member_id: Z"),
        (5, "event_time", "not a valid date/time: yesterday"),
    ]


def test_strict_import_exits_non_zero_with_one_line(tmp_path):
    db = tmp_path / "s.duckdb"
    folder = write_folder(tmp_path / "in", {"members.csv": MEMBERS, "events.csv": EVENTS})
    result = cli("import", str(folder), "--db", str(db), "--strict", check=False)
    assert result.returncode == 1
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .startswith("error: strict import refused: 2 bad rows, nothing imported")
    )
    info = json.loads(cli("info", "--db", str(db), "--json").stdout)
    assert info["tables"]["members"] == 0 and info["tables"]["events"] == 0


def test_info_and_refresh(tmp_path):
    db = tmp_path / "s.duckdb"
    folder = write_folder(tmp_path / "in", {"members.csv": MEMBERS, "events.csv": EVENTS})
    cli("import", str(folder), "--db", str(db))
    info = json.loads(cli("info", "--db", str(db), "--json").stdout)
    assert info["schema_version"] >= 1
    assert info["event_date_range"] == ["2025-01-03", "2025-01-03"]
    assert info["tables"]["members"] == 2 and info["tables"]["events"] == 2
    assert info["demo"] is False
    assert "refreshed as of 2025-01-03" in cli("refresh", "--db", str(db)).stdout


def test_env_var_selects_the_store(tmp_path):
    db = tmp_path / "env.duckdb"
    folder = write_folder(tmp_path / "in", {"members.csv": MEMBERS})
    env = {**os.environ, "MEMBERLENS_DB": str(db)}
    subprocess.run(
        [sys.executable, "-m", "core.cli", "import", str(folder)], cwd=ROOT, env=env, check=True,
        capture_output=True,
    )  # fmt: skip
    assert db.exists()


def test_errors_are_one_line(tmp_path):
    missing = cli("info", "--db", str(tmp_path / "nope.duckdb"), check=False)
    assert missing.returncode == 1
    assert missing.stderr.strip() == (
        f"error: no store at {tmp_path / 'nope.duckdb'} (create one with `python -m core.cli demo`)"
    )
    empty = cli("import", str(tmp_path), "--db", str(tmp_path / "s.duckdb"), check=False)
    assert empty.returncode == 1
    assert len(empty.stderr.strip().splitlines()) == 1
    assert empty.stderr.startswith("error: no contract files in")
    usage = cli("frobnicate", check=False)
    assert usage.returncode == 2


def test_killed_import_leaves_the_store_as_it_was(tmp_path):
    db = tmp_path / "s.duckdb"
    rng = np.random.default_rng(7)
    members = pd.DataFrame(
        {
            "member_id": [f"M{i:06d}" for i in range(50_000)],
            "signup_at": pd.Timestamp("2025-01-01"),
        }
    )
    first = tmp_path / "members"
    first.mkdir()
    members.to_parquet(first / "members.parquet")
    cli("import", str(first), "--db", str(db))
    n = 4_000_000
    events = pd.DataFrame(
        {
            "event_id": [f"E{i}" for i in range(n)],
            "member_id": members.member_id.to_numpy()[rng.integers(0, 50_000, n)],
            "event_time": pd.Timestamp("2025-01-02")
            + pd.to_timedelta(rng.integers(0, 86_400 * 300, n), unit="s"),
            "event_type": np.where(rng.random(n) < 0.5, "login", "page_view"),
        }
    )
    big = tmp_path / "big"
    big.mkdir()
    events.to_parquet(big / "events.parquet")
    store = open_store(db)
    before = store.table_counts()
    close_store(db)

    proc = subprocess.Popen(
        [sys.executable, "-m", "core.cli", "import", str(big), "--db", str(db)],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )
    progress = []
    for line in proc.stderr:
        progress.append(line)
        if "rows read" in line:  # staging is done; validation and insert are under way
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the import finished before it could be killed"
    assert any("events.parquet: 4,000,000 rows read" in line for line in progress)

    store = open_store(db)
    try:
        assert store.table_counts() == before
        assert store.scalar("select count(*) from imports") == 1
    finally:
        close_store(db)
    # and the same import then succeeds completely
    result = cli("import", str(big), "--db", str(db), "--json")
    assert json.loads(result.stdout)["events"] == {"read": n, "loaded": n, "rejected": 0}


@pytest.mark.slow
def test_demo_command_builds_a_deterministic_store(tmp_path):
    a, b = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    args = ("--members", "1500", "--events", "60000", "--seed", "3")
    cli("demo", *args, "--db", str(a))
    cli("demo", *args, "--db", str(b))
    info_a = json.loads(cli("info", "--db", str(a), "--json").stdout)
    info_b = json.loads(cli("info", "--db", str(b), "--json").stdout)
    assert info_a["demo"] is True
    assert info_a["tables"] == info_b["tables"]
    assert info_a["tables"]["members"] == 1500
    assert 54_000 <= info_a["tables"]["events"] <= 66_000
    assert info_a["tables"]["import_rejects"] == 0
    # the demo ships with its churn and LTV models fitted, so those pages are not empty
    store = open_store(a, read_only=True)
    try:
        runs = store.scalar("select count(*) from churn_model_runs where fitted_by = 'demo'")
        scored = store.scalar("select count(*) from churn_member_scores")
    finally:
        close_store(a)
    assert (runs, scored) == (1, 1500)
    again = cli("demo", *args, "--db", str(a), check=False)
    assert again.returncode == 1 and "already exists" in again.stderr


def test_generated_csv_and_parquet_files_import_to_the_same_store(tmp_path):
    from data.generate import generate

    files = tmp_path / "files"
    generate(files, members=800, events=30_000, seed=5, formats=("csv", "parquet"))
    stores = {}
    for fmt in ("csv", "parquet"):
        folder = tmp_path / fmt
        folder.mkdir()
        for path in files.glob(f"*.{fmt}"):
            (folder / path.name).symlink_to(path)
        db = tmp_path / f"{fmt}.duckdb"
        counts = json.loads(cli("import", str(folder), "--db", str(db), "--json").stdout)
        assert all(c["rejected"] == 0 and c["loaded"] == c["read"] for c in counts.values())
        stores[fmt] = db
    query = (
        "select count(*), sum(amount), sum(discount_amount), min(paid_at), max(paid_at) "
        "from orders union all select count(*), sum(coalesce(amount, 0)), "
        "sum(coalesce(duration_s, 0)), min(event_time), max(event_time) from events "
        "union all select count(*), count(distinct tier), count(phone), min(signup_at), "
        "max(signup_at) from members"
    )
    results = {}
    for fmt, db in stores.items():
        store = open_store(db)
        results[fmt] = store.cursor().execute(query).fetchall()
        results[fmt + "_tiers"] = store.df(
            "select tier, count(*) n from members group by 1 order by 1"
        ).to_dict("list")
        close_store(db)
    assert results["csv"] == results["parquet"]
    assert results["csv_tiers"] == results["parquet_tiers"]


def test_a_tiny_store_still_gets_its_churn_reports(tmp_path):
    """300 members (the fixed 30-day rule once left too few active members for its holdout
    and stopped the report with an error): every member is scored, the model report says
    which window and model."""
    db = tmp_path / "tiny.duckdb"
    cli("demo", "--members", "300", "--events", "5000", "--db", str(db))
    result = cli("report", "churn-risk", "--all", "--db", str(db))
    assert "Traceback" not in result.stderr
    rows = pd.read_csv(io.StringIO(result.stdout))
    assert len(rows) == 300 and rows["churn_probability"].between(0, 1).all()
    model = pd.read_csv(io.StringIO(cli("report", "model", "--db", str(db)).stdout))
    values = model.set_index(["model", "parameter"])["value"]
    assert int(values[("churn_window", "days")]) == rows["churn_window_days"].iloc[0] > 30
    assert values[("score", "model")] in ("logistic", "logistic_btyd", "boosting_btyd")


def test_report_with_a_saved_segment(tmp_path):
    from core import segments

    db = tmp_path / "seg.duckdb"
    cli("demo", "--members", "600", "--events", "20000", "--db", str(db))
    store = open_store(db)
    segment_id = segments.save_segment(
        store, "analyst", "analyst", "ios", segments.SegmentDefinition(devices=("ios",))
    )
    close_store(db)
    by_segment = json.loads(
        cli(
            "report", "kpis", "--db", str(db), "--segment", str(segment_id), "--format", "json"
        ).stdout
    )
    by_device = json.loads(
        cli("report", "kpis", "--db", str(db), "--device", "ios", "--format", "json").stdout
    )
    assert by_segment == by_device
    bogus = cli("report", "kpis", "--db", str(db), "--segment", "999", check=False)
    assert bogus.returncode == 1 and len(bogus.stderr.strip().splitlines()) == 1


def test_two_stores_in_one_folder_keep_separate_import_reports(tmp_path):
    folder = write_folder(tmp_path / "in", {"members.csv": MEMBERS, "events.csv": EVENTS})
    first, second = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    cli("import", str(folder), "--db", str(first))
    write_folder(folder, {"events.csv": EVENTS.replace("Z,", "Q,")})
    cli("import", str(folder), "--db", str(second))
    first_rejects = pd.read_csv(tmp_path / "a.duckdb.imports" / "000001" / "rejects.csv")
    second_rejects = pd.read_csv(tmp_path / "b.duckdb.imports" / "000001" / "rejects.csv")
    assert first_rejects.reason.iloc[0] == "unknown member_id: Z"
    assert second_rejects.reason.iloc[0] == "unknown member_id: Q"
    assert not (tmp_path / "imports").exists()


def test_kpis_report_compares_with_the_same_period_last_year(tmp_path):
    from tests.fixtures_app import add_last_year, build_small_store

    db = tmp_path / "small.duckdb"
    store = build_small_store(db)
    add_last_year(store)
    close_store(db)
    args = ("report", "kpis", "--db", str(db), "--from", "2026-06-04", "--to", "2026-06-10")
    rows = json.loads(cli(*args, "--compare", "last_year", "--format", "json").stdout)
    previous = {row["kpi"]: row["previous"] for row in rows}
    # worked out in tests/fixtures_app.py (add_last_year): 2025-06-04 … 2025-06-10
    assert previous["revenue"] == 100.0 and previous["orders"] == 2
    default = json.loads(cli(*args, "--format", "json").stdout)
    # the default is the previous 7 days, 2026-05-28 … 06-03: ¥80 (tests/test_metrics_overview.py)
    assert {row["kpi"]: row["previous"] for row in default}["revenue"] == 80.0

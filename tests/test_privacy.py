"""PIPL / GDPR (core/privacy.py): the personal-data registry covers the schema, the export
holds everything about one member, an erased member has no personal data left anywhere."""

from __future__ import annotations

import ast
import fnmatch
import io
import json
import re
import zipfile
from datetime import datetime
from pathlib import Path

import pytest

from core import approvals, audit, members, privacy
from core.members import MemberError
from core.permissions import PermissionDenied
from core.store import close_store, open_store
from tests.fixtures_admin import MEMBERS, build_admin_store

NOW = datetime(2026, 7, 1, 9, 0)


@pytest.fixture()
def store(tmp_path):
    path = tmp_path / "privacy.duckdb"
    store = build_admin_store(path)
    with store.transaction() as cur:
        cur.execute(
            "insert into import_rejects values (1, 'members', 'members.csv', 7, 'email', "
            "'bad e-mail', 'M1,2025-01-01,王小明,13800000001,xiaoming@'), "
            "(1, 'members', 'members.csv', 8, 'phone', 'bad phone', 'M2,2025-01-01,李花,1380')"
        )
    members.update_contact(store, "op", "operator", 1, {"phone": "13911112222"}, "new number")
    yield store
    close_store(path)


def schema_columns(store) -> list[tuple[str, str]]:
    return [
        tuple(row)
        for row in store.cursor()
        .execute(
            "select table_name, column_name from information_schema.columns "
            "where table_schema = 'main' order by 1, 2"
        )
        .fetchall()
    ]


def test_every_personal_looking_column_is_mapped(tmp_path):
    store = open_store(tmp_path / "schema.duckdb")
    unmapped = [
        (table, column)
        for table, column in schema_columns(store)
        if privacy.PERSONAL_LOOKING.search(column)
        and (table, column) not in privacy.PERSONAL_COLUMNS
        and (table, column) not in privacy.NOT_PERSONAL
    ]
    assert unmapped == [], "map these in core/privacy.py (PERSONAL_COLUMNS or NOT_PERSONAL)"


def test_the_check_catches_a_new_personal_column(tmp_path):
    store = open_store(tmp_path / "schema2.duckdb")
    with store.transaction() as cur:
        cur.execute("alter table orders add column shipping_address varchar")
    columns = schema_columns(store)
    flagged = [
        c
        for c in columns
        if privacy.PERSONAL_LOOKING.search(c[1])
        and c not in privacy.PERSONAL_COLUMNS
        and c not in privacy.NOT_PERSONAL
    ]
    assert flagged == [("orders", "shipping_address")]


def text_columns(store) -> list[tuple[str, str]]:
    return [
        tuple(row)
        for row in store.cursor()
        .execute(
            "select table_name, column_name from information_schema.columns "
            "where table_schema = 'main' and data_type like 'VARCHAR%' order by 1, 2"
        )
        .fetchall()
    ]


def unmapped_text_columns(columns: list[tuple[str, str]]) -> list[tuple[str, str]]:
    codes = {(table, c) for table, names in privacy.CODE_COLUMNS.items() for c in names}
    return [
        column
        for column in columns
        if column not in privacy.PERSONAL_COLUMNS
        and column not in privacy.NOT_PERSONAL
        and column not in codes
    ]


def test_every_text_column_is_mapped(tmp_path):
    """Any text column can hold a member's data (a note, a reason, a pasted line): each is
    personal (with its treatment), not personal (with the reason), or a code column."""
    store = open_store(tmp_path / "text.duckdb")
    unmapped = unmapped_text_columns(text_columns(store))
    assert unmapped == [], (
        "map these in core/privacy.py (PERSONAL_COLUMNS, NOT_PERSONAL or CODE_COLUMNS)"
    )


def test_the_check_catches_a_new_free_text_column_and_table(tmp_path):
    store = open_store(tmp_path / "text2.duckdb")
    with store.transaction() as cur:
        cur.execute("alter table orders add column courier_note varchar")
        cur.execute("create table complaints (complaint_id integer, body varchar)")
    assert unmapped_text_columns(text_columns(store)) == [
        ("complaints", "body"),
        ("orders", "courier_note"),
    ]


def test_registry_treatments_are_known_and_code_columns_are_real(tmp_path):
    assert set(privacy.PERSONAL_COLUMNS.values()) <= set(privacy.TREATMENTS)
    assert set(privacy.PERSONAL_FILES.values()) <= set(privacy.TREATMENTS)
    columns = set(text_columns(open_store(tmp_path / "text3.duckdb")))
    codes = {(table, c) for table, names in privacy.CODE_COLUMNS.items() for c in names}
    assert codes <= columns
    assert not codes & (set(privacy.PERSONAL_COLUMNS) | set(privacy.NOT_PERSONAL))
    keyed_text = {c for c, how in privacy.PERSONAL_COLUMNS.items() if how in ("null", "note")}
    assert {table for table, _ in keyed_text} <= set(privacy.MEMBER_TABLES)


# -- files ------------------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]
WRITE_METHODS = {"write_text", "write_bytes", "to_parquet", "to_excel", "to_feather"}
PATH_FIRST = {"to_csv", "to_json"}  # write a file when given a path, else return text
MOVES = {("os", "replace"), ("os", "rename"), ("shutil", "copy"), ("shutil", "copyfile"),
         ("shutil", "copy2"), ("shutil", "copytree"), ("shutil", "move")}  # fmt: skip
# SQL that writes a file (lowercase keywords, as the codebase writes SQL)
SQL_WRITES = re.compile(r"^\s*(copy\s.+\sto\s|attach\s|export\s+database\s)", re.DOTALL)


def _sql_text(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    return None


def _writes_a_file(node: ast.AST) -> bool:
    text = _sql_text(node)
    if text is not None:
        return bool(SQL_WRITES.search(text))
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    if name in WRITE_METHODS:
        return True
    if name in PATH_FIRST:
        return bool(node.args) or any(k.arg == "path_or_buf" for k in node.keywords)
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        if (func.value.id, name) in MOVES:
            return True
    if name in ("replace", "rename") and len(node.args) == 1 and not node.keywords:
        return True  # Path.replace / Path.rename (str.replace takes two arguments)
    if name in ("open", "fdopen"):
        modes = [a.value for a in node.args if isinstance(a, ast.Constant)]
        modes += [k.value.value for k in node.keywords if k.arg == "mode"]
        return any(
            isinstance(m, str) and re.fullmatch(r"[rwaxbt+]+", m) and set(m) & set("wax+")
            for m in modes
        )
    return False


def file_writers(source: str, module: str) -> set[str]:
    """``module.function`` (or ``module.Class.method``) of every function that writes a file."""
    found = set()
    for top in ast.parse(source).body:
        functions = [top] if isinstance(top, ast.FunctionDef | ast.AsyncFunctionDef) else []
        prefix = module
        if isinstance(top, ast.ClassDef):
            prefix = f"{module}.{top.name}"
            functions = [f for f in top.body if isinstance(f, ast.FunctionDef)]
        for function in functions:
            if any(_writes_a_file(node) for node in ast.walk(function)):
                found.add(f"{prefix}.{function.name}")
    return found


def test_every_function_that_writes_a_file_is_mapped():
    found = set()
    for path in sorted([*ROOT.joinpath("core").glob("*.py"), *ROOT.joinpath("pages").glob("*.py")]):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        found |= file_writers(path.read_text(encoding="utf-8"), module)
    assert found == set(privacy.FILE_WRITERS), (
        "map where these write in core/privacy.py FILE_WRITERS (and the location in "
        "PERSONAL_FILES or NOT_PERSONAL_FILES)"
    )


def test_the_check_catches_a_new_file_writer():
    source = """
def keep_upload(folder, data, frame):
    (folder / "upload.csv").write_bytes(data)

def dump(frame, path):
    frame.to_csv(path, index=False)

def as_text(frame):
    return frame.to_csv(index=False)

def append_log(path, line):
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(line)

def read(path):
    with open(path, "r") as handle:
        return handle.read()

def quote(name):
    return name.replace('"', '""')

def move(partial, target):
    partial.replace(target)

class Saver:
    def save(self, cur, table):
        cur.execute(f"copy {table} to 'members.csv'")

    def mirror(self, cur):
        cur.execute("attach 'mirror.duckdb' as mirror")
"""
    assert file_writers(source, "core.x") == {
        "core.x.keep_upload",
        "core.x.dump",
        "core.x.append_log",
        "core.x.move",
        "core.x.Saver.save",
        "core.x.Saver.mirror",
    }


def unmapped_files(folder: Path, store_name: str) -> list[str]:
    patterns = [
        p.replace("{store}", store_name)
        for p in [*privacy.PERSONAL_FILES, *privacy.NOT_PERSONAL_FILES]
    ]
    return sorted(
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*")
        if path.is_file()
        and not any(fnmatch.fnmatchcase(path.relative_to(folder).as_posix(), p) for p in patterns)
    )


def test_every_file_beside_the_store_is_mapped(tmp_path):
    """Import (with rejects), edit, export and erase a member: every file in the store's
    folder afterwards is a mapped location."""
    from core.ingest import import_dir

    folder = tmp_path / "store"
    folder.mkdir()
    path = folder / "files.duckdb"
    store = build_admin_store(path)
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    (incoming / "members.csv").write_text(
        "member_id,signup_at,phone\nM1,not a date,13800000001\nM2,2025-01-01,13800000002\n",
        encoding="utf-8",
    )
    import_dir(store, incoming)
    members.update_contact(store, "op", "operator", 1, {"phone": "13911112222"}, "new number")
    privacy.export_member(store, "sup", "support", 1, now=NOW)
    erase(store)
    store.con.execute("checkpoint")
    assert (folder / "files.duckdb.imports").is_dir()
    assert unmapped_files(folder, path.name) == []
    # and a file nobody mapped is caught
    (folder / "files.duckdb.imports" / "000001" / "members.raw.csv").write_text("M1,王小明\n")
    assert unmapped_files(folder, path.name) == ["files.duckdb.imports/000001/members.raw.csv"]
    close_store(path)


def test_every_table_with_member_rows_is_exported(tmp_path):
    store = open_store(tmp_path / "schema3.duckdb")
    keyed = {table for table, column in schema_columns(store) if column == "member_key"}
    assert keyed == set(privacy.MEMBER_TABLES)


def test_registry_names_real_columns(tmp_path):
    columns = set(schema_columns(open_store(tmp_path / "schema4.duckdb")))
    assert set(privacy.PERSONAL_COLUMNS) <= columns
    assert set(privacy.NOT_PERSONAL) <= columns


def test_export_holds_every_table_about_the_member(store):
    data = privacy.export_member(store, "sup", "support", 1, now=NOW)
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = set(archive.namelist())
    assert {f"{t}.csv" for t in privacy.MEMBER_TABLES if t != "members"} <= names
    assert {"member.json", "audit_log.csv", "README.txt"} <= names
    member = json.loads(archive.read("member.json"))
    assert (member["member_id"], member["phone"], member["name"]) == ("M1", "13911112222", "王小明")
    orders = archive.read("orders.csv").decode()
    assert "A1" in orders and "A2" in orders and "B1" not in orders
    assert "member.contact" in archive.read("audit_log.csv").decode()
    entry = store.df("select target, after_json from audit_log where action = 'privacy.export'")
    assert entry.target.iloc[0] == "M1"
    assert json.loads(entry.after_json.iloc[0])["rows"]["orders"] == 2


@pytest.mark.parametrize("role", ["viewer", "analyst", "operator"])
def test_export_refused_without_pii_rights(store, role):
    with pytest.raises(PermissionDenied):
        privacy.export_member(store, "x", role, 1)


def erase(store, member_key=1):
    request_id = privacy.request_erasure(store, "op", "operator", member_key, "DSAR #42", NOW)
    approvals.approve(store, "boss", "admin", request_id, now=NOW)
    return request_id


def test_erasure_needs_approval(store):
    request_id = privacy.request_erasure(store, "root", "admin", 1, "DSAR #42", NOW)
    assert store.scalar("select phone from members where member_key = 1") == "13911112222"
    with pytest.raises(approvals.ApprovalError):
        approvals.approve(store, "root", "admin", request_id, now=NOW)
    with pytest.raises(PermissionDenied):
        approvals.approve(store, "op", "operator", request_id, now=NOW)
    assert store.scalar("select phone from members where member_key = 1") == "13911112222"
    with pytest.raises(PermissionDenied):
        privacy.request_erasure(store, "s", "support", 1, "DSAR", NOW)


def test_erased_member_has_no_personal_data_left_anywhere(store):
    values = [v for v in MEMBERS[0][2:] if v] + ["13911112222", "139****2222", "138****0001"]
    values += ["小*", "王**", "x***@example.com"]
    erase(store)
    for table, column in schema_columns(store):
        hits = store.cursor().execute(
            f'select count(*) from "{table}" where '  # noqa: S608 (schema names)
            + " or ".join(
                f'contains(cast("{column}" as varchar), $v{i})' for i in range(len(values))
            ),
            {f"v{i}": v for i, v in enumerate(values)},
        )
        assert hits.fetchone()[0] == 0, (table, column)
    row = store.df("select * from members where member_key = 1").iloc[0]
    for column in privacy.MEMBER_FIELDS:
        assert row[column] is None or str(row[column]) in ("NaT", "None", "nan"), column
    # the other members keep their data, and the aggregates are unchanged
    assert store.scalar("select phone from members where member_key = 2") == "13800000002"
    assert store.scalar("select sum(amount) from orders where member_key = 1") == 2500
    assert store.scalar("select count(*) from tier_history where member_key = 1") >= 1
    assert store.scalar("select raw_text from import_rejects where line = 8").startswith("M2")


def test_erasure_keeps_the_audit_chain_verifiable(store):
    request_id = erase(store)
    assert audit.verify_chain(store).ok
    redacted = store.df(
        "select audit_id, after_json from audit_log "
        "where target = 'M1' and action = 'member.contact'"
    )
    marker = {"redacted": "erased", "request_id": request_id}
    assert json.loads(redacted.after_json.iloc[0]) == marker
    # the audit.redact row says which rows and fields, for which approved request
    record = json.loads(
        store.scalar("select after_json from audit_log where action = 'audit.redact'")
    )
    assert record["request_id"] == request_id
    listed = {r["audit_id"]: r["fields"] for r in record["rows"]}
    assert listed[int(redacted.audit_id.iloc[0])] == ["after", "before", "reason"]


def test_erased_member_cannot_be_edited_or_erased_again(store):
    erase(store)
    with pytest.raises(MemberError):
        members.update_contact(store, "op", "operator", 1, {"phone": "13900000000"}, "re-add")
    with pytest.raises(MemberError):
        privacy.request_erasure(store, "op", "operator", 1, "again", NOW)


def test_reimporting_a_file_does_not_bring_an_erased_member_back(store, tmp_path):
    from core.ingest import import_dir

    erase(store)
    folder = tmp_path / "again"
    folder.mkdir()
    (folder / "members.csv").write_text(
        "member_id,signup_at,nickname,phone\n"
        "M1,2025-01-01,小明,13800000001\n"
        "M2,2025-01-01,李花,13800000002\n",
        encoding="utf-8",
    )
    (folder / "events.csv").write_text(
        "member_id,event_time,event_type,keyword\n"
        "M1,2026-06-30 10:00:00,search,口红\n"
        "M2,2026-06-30 10:00:00,search,口红\n",
        encoding="utf-8",
    )
    report = import_dir(store, folder, reports_dir=tmp_path / "reports")
    assert report.counts() == {
        "members": {"read": 2, "loaded": 1, "rejected": 1},
        "events": {"read": 2, "loaded": 1, "rejected": 1},
    }
    reasons = list(report.rejects["reason"])
    assert (
        reasons
        == ["member was erased on 2026-07-01 (PIPL/GDPR request); their data is not imported again"]
        * 2
    )
    assert store.scalar("select phone from members where member_key = 1") is None
    assert store.scalar("select nickname from members where member_key = 1") is None
    assert (
        store.scalar("select count(*) from events where member_key = 1 and keyword = '口红'") == 0
    )

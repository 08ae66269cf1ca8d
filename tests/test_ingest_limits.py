"""Importer limits and odd files (issue 13, the "Low" items): too many columns, empty files,
mixed line endings, temporary copies, over-long values."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from core import i18n
from core.contract import ADDRESS_MAX_LENGTH, TEXT_MAX_LENGTH
from core.ingest import MAX_COLUMNS, ImportRefused, import_dir, import_temp_root
from core.store import close_store, open_store

MEMBERS_CSV = "member_id,signup_at,nickname\nM1,2025-01-01,小明\nM2,2025-01-02,小红\n"


@pytest.fixture
def store(tmp_path):
    s = open_store(tmp_path / "store.duckdb")
    yield s
    close_store(s.path)


def folder_with(tmp_path: Path, files: dict[str, bytes]) -> Path:
    folder = tmp_path / f"in{len(list(tmp_path.glob('in*')))}"
    folder.mkdir()
    for name, content in files.items():
        (folder / name).write_bytes(content)
    return folder


def import_bytes(store, tmp_path, files: dict[str, bytes], **kwargs):
    return import_dir(store, folder_with(tmp_path, files), reports_dir=tmp_path / "r", **kwargs)


# -- 1. too many columns ---------------------------------------------------------------------


def test_a_file_with_too_many_columns_is_refused_from_its_header(store, tmp_path):
    header = ",".join(["member_id", "signup_at", *(f"c{i}" for i in range(MAX_COLUMNS))])
    content = (header + "\n" + "M1,2025-01-01" + "," * MAX_COLUMNS + "\n").encode()
    started = time.perf_counter()
    with pytest.raises(ImportRefused) as refused:
        import_bytes(store, tmp_path, {"members.csv": content})
    assert time.perf_counter() - started < 5
    assert str(refused.value) == (
        f"members.csv: {MAX_COLUMNS + 2:,} columns; at most {MAX_COLUMNS:,} can be imported"
    )
    assert refused.value.code == "import.error.too_many_columns"
    assert store.scalar("select count(*) from imports") == 0


def test_a_parquet_file_with_too_many_columns_is_refused(store, tmp_path):
    import pandas as pd

    folder = tmp_path / "wide"
    folder.mkdir()
    wide = {"member_id": ["M1"], "signup_at": ["2025-01-01"]}
    wide |= {f"c{i}": [None] for i in range(MAX_COLUMNS)}
    pd.DataFrame(wide).to_parquet(folder / "members.parquet")
    with pytest.raises(ImportRefused, match=f"members.parquet: {MAX_COLUMNS + 2:,} columns"):
        import_dir(store, folder, reports_dir=tmp_path / "r")
    assert store.scalar("select count(*) from imports") == 0


def test_a_file_at_the_column_limit_is_read(store, tmp_path):
    header = ",".join(["member_id", "signup_at", *(f"c{i}" for i in range(MAX_COLUMNS - 2))])
    content = (header + "\n" + "M1,2025-01-01" + "," * (MAX_COLUMNS - 2) + "\n").encode()
    report = import_bytes(store, tmp_path, {"members.csv": content})
    assert report.counts() == {"members": {"read": 1, "loaded": 1, "rejected": 0}}


def test_a_quoted_comma_in_the_header_is_not_a_column(store, tmp_path):
    header = ",".join(["member_id", "signup_at", *(f'"c,{i}"' for i in range(MAX_COLUMNS - 2))])
    content = (header + "\nM1,2025-01-01" + "," * (MAX_COLUMNS - 2) + "\n").encode()
    report = import_bytes(store, tmp_path, {"members.csv": content})
    assert report.counts()["members"]["loaded"] == 1


# -- 2. empty, header-only and BOM-only files ------------------------------------------------


@pytest.mark.parametrize(
    "content", [b"member_id,signup_at\n", b"\xef\xbb\xbfmember_id,signup_at\r\n"]
)
def test_a_header_only_file_loads_with_a_zero_rows_warning(store, tmp_path, content):
    report = import_bytes(store, tmp_path, {"members.csv": content})
    assert report.status == "loaded"
    assert report.files["members"].warnings == ["import.warning.no_rows"]
    assert report.warnings("en") == ["members.csv: 0 rows; nothing was loaded into members"]
    assert report.warnings("zh") == ["members.csv：0 行，members 表没有导入任何数据"]
    assert report.to_dict()["files"]["members"]["warnings"] == ["import.warning.no_rows"]


def test_a_file_with_rows_has_no_warning(store, tmp_path):
    report = import_bytes(store, tmp_path, {"members.csv": MEMBERS_CSV.encode()})
    assert report.files["members"].warnings == []
    assert report.warnings("en") == []


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf", b"\r\n\n  \n"])
def test_an_empty_file_is_refused_and_nothing_is_imported(store, tmp_path, content):
    files = {"members.csv": MEMBERS_CSV.encode(), "events.csv": content}
    with pytest.raises(ImportRefused) as refused:
        import_bytes(store, tmp_path, files)
    assert str(refused.value) == (
        "events.csv: the file is empty (no header line); nothing was imported"
    )
    assert refused.value.code == "import.error.empty_file"
    assert store.scalar("select count(*) from members") == 0
    assert store.scalar("select count(*) from imports") == 0


def test_the_cli_prints_the_zero_rows_warning(store, tmp_path, capsys):
    from core import cli

    path = store.path
    close_store(path)
    folder = folder_with(tmp_path, {"members.csv": b"member_id,signup_at\n"})
    assert cli.main(["import", str(folder), "--db", str(path)]) == 0
    err = capsys.readouterr().err
    assert "warning: members.csv: 0 rows; nothing was loaded into members" in err


# -- 3. mixed line endings -------------------------------------------------------------------


def test_mixed_crlf_and_lf_line_endings_are_accepted(store, tmp_path):
    content = (
        b"member_id,signup_at,nickname\r\nM1,2025-01-01,a\nM2,2025-01-02,b\r\nM3,2025-01-03,c\n"
    )
    report = import_bytes(store, tmp_path, {"members.csv": content})
    assert report.counts() == {"members": {"read": 3, "loaded": 3, "rejected": 0}}
    assert store.df("select member_id, nickname from members order by 1").to_dict("list") == {
        "member_id": ["M1", "M2", "M3"],
        "nickname": ["a", "b", "c"],
    }


def test_mixed_line_endings_in_a_gbk_file_are_accepted(store, tmp_path):
    text = "member_id,signup_at,nickname\r\nM1,2025-01-01,小明\nM2,2025-01-02,小红\r\n"
    report = import_bytes(store, tmp_path, {"members.csv": text.encode("gbk")})
    assert report.counts()["members"]["loaded"] == 2
    assert store.scalar("select nickname from members where member_id = 'M2'") == "小红"


def test_mixed_line_endings_keep_line_numbers_of_rejects(store, tmp_path):
    content = b"member_id,signup_at\r\nM1,2025-01-01\nM2,not a date\r\nM3,2025-01-03\n"
    report = import_bytes(store, tmp_path, {"members.csv": content})
    assert [(int(r.line), r.column_name) for r in report.rejects.itertuples()] == [(3, "signup_at")]


# -- 4. temporary copies ---------------------------------------------------------------------


def test_temporary_copies_are_made_beside_the_store_and_removed(store, tmp_path, monkeypatch):
    from core import ingest

    seen: list[Path] = []
    original = ingest._copy_as_utf8

    def spy(path, encoding, tmpdir, normalise_newlines):
        seen.append(Path(tmpdir))
        return original(path, encoding, tmpdir, normalise_newlines)

    monkeypatch.setattr(ingest, "_copy_as_utf8", spy)
    import_bytes(store, tmp_path, {"members.csv": MEMBERS_CSV.encode("gbk")})
    root = import_temp_root(store.path)
    assert len(seen) == 1 and seen[0].parent == root
    assert list(root.iterdir()) == []


def test_a_killed_imports_leftover_copy_is_removed_by_the_next_import(store, tmp_path):
    root = import_temp_root(store.path)
    leftover = root / f"import-{os.getpid() + 1}-abc123"
    leftover.mkdir(parents=True)
    (leftover / "members.utf8.csv").write_text("M9,王小明,13800000009\n", encoding="utf-8")
    loose = root / "members.utf8.csv"
    loose.write_text("M9,王小明\n", encoding="utf-8")
    import_bytes(store, tmp_path, {"members.csv": MEMBERS_CSV.encode()})
    assert list(root.iterdir()) == []


def test_uploads_are_written_beside_the_store_and_removed(store):
    from core.ingest import import_uploads

    root = import_temp_root(store.path)
    (root / "upload-1-zzz").mkdir(parents=True)
    (root / "upload-1-zzz" / "members.csv").write_bytes(MEMBERS_CSV.encode())
    report = import_uploads(store, {"members.csv": MEMBERS_CSV.encode()}, "admin", "boss")
    assert report.counts()["members"]["loaded"] == 2
    assert list(root.iterdir()) == []


# -- 5. over-long values ---------------------------------------------------------------------


def test_a_value_longer_than_the_limit_is_rejected_with_line_column_and_reason(store, tmp_path):
    long_nickname = "长" * (TEXT_MAX_LENGTH + 1)
    fine = "好" * TEXT_MAX_LENGTH
    content = (
        "member_id,signup_at,nickname,address\n"
        f"M1,2025-01-01,{fine},{'地' * ADDRESS_MAX_LENGTH}\n"
        f"M2,2025-01-02,{long_nickname},\n"
        f"M3,2025-01-03,x,{'地' * (ADDRESS_MAX_LENGTH + 1)}\n"
    ).encode()
    report = import_bytes(store, tmp_path, {"members.csv": content})
    assert report.counts() == {"members": {"read": 3, "loaded": 1, "rejected": 2}}
    assert [(int(r.line), r.column_name, r.reason) for r in report.rejects.itertuples()] == [
        (3, "nickname", f"longer than {TEXT_MAX_LENGTH:,} characters ({TEXT_MAX_LENGTH + 1:,})"),
        (4, "address", f"longer than {ADDRESS_MAX_LENGTH:,} characters "
                       f"({ADDRESS_MAX_LENGTH + 1:,})"),
    ]  # fmt: skip
    assert store.scalar("select length(nickname) from members") == TEXT_MAX_LENGTH


def test_a_one_megabyte_nickname_is_rejected(store, tmp_path):
    content = f"member_id,signup_at,nickname\nM1,2025-01-01,{'x' * 1_000_000}\n".encode()
    report = import_bytes(store, tmp_path, {"members.csv": content})
    assert report.counts()["members"] == {"read": 1, "loaded": 0, "rejected": 1}
    assert report.rejects.loc[0, "reason"] == (
        f"longer than {TEXT_MAX_LENGTH:,} characters (1,000,000)"
    )


def test_over_long_event_values_from_parquet_are_rejected(store, tmp_path):
    import pandas as pd

    members = import_bytes(store, tmp_path, {"members.csv": MEMBERS_CSV.encode()})
    assert members.status == "loaded"
    folder = tmp_path / "pq"
    folder.mkdir()
    pd.DataFrame(
        {
            "member_id": ["M1", "M2"],
            "event_time": pd.to_datetime(["2025-01-05 10:00", "2025-01-05 11:00"]),
            "event_type": ["search", "search"],
            "keyword": ["ok", "k" * (TEXT_MAX_LENGTH + 1)],
        }
    ).to_parquet(folder / "events.parquet")
    report = import_dir(store, folder, reports_dir=tmp_path / "r")
    assert report.counts()["events"] == {"read": 2, "loaded": 1, "rejected": 1}
    assert report.rejects.loc[0, "column_name"] == "keyword"


def test_every_new_message_is_in_both_languages():
    for key in (
        "import.error.too_many_columns",
        "import.error.empty_file",
        "import.warning.no_rows",
    ):
        assert set(i18n.CATALOGUE[key]) == {"zh", "en"}

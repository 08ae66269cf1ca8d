"""Importer for the data contract (SPEC §2): CSV (UTF-8, UTF-8 with BOM, GBK) and Parquet.

Each file is staged (a CSV file in a temporary table of text, a Parquet file as a view of the
file itself), every value is converted and checked in one SQL pass driven by
:mod:`core.contract`, and each row is then either loaded or rejected with its line, column and
reason. Events from Parquet, the large case, are checked by an aggregate pass and inserted
straight from the file: only bad rows are ever copied. One import is one transaction, derived
data included: a failure or a killed process leaves the store exactly as it was.

Modes
-----
lenient (default)
    Good rows are loaded; bad rows go to ``import_rejects`` and to ``rejects.csv`` beside the
    import's ``report.json`` (``<store dir>/<store file name>.imports/<import_id>/``).
strict
    Any bad row means nothing is loaded; the report still lists every bad row.

In both modes ``read == loaded + rejected`` for every file, where ``loaded`` counts rows that
are in the store after the import: inserted, updated, or already present unchanged (a
re-import of the same file loads everything and inserts nothing).

Limits (docs/SECURITY.md): a CSV header of more than ``MAX_COLUMNS`` columns, or a file with
no header line at all, refuses the import before DuckDB reads the file; a file of 0 rows loads
with a warning (``FileReport.warnings``); a text value longer than its column's limit
(:mod:`core.contract`) is a rejected row. Temporary copies (a GBK file as UTF-8, a file whose
line endings mix CRLF and LF, uploads) live under :func:`import_temp_root`, beside the store.

Line numbers count records: the header is line 1 of a CSV file, the first data row line 2
(a quoted field that spans several lines counts once). For Parquet, ``line`` is the 1-based
row number.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import json
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from core import currency, exports, rollups, settings
from core.contract import CONTRACTS, Column, TableContract
from core.redaction import line_fields, redact_line_values
from core.store import Store, StoreError

Progress = Callable[[str], None]

SUPPORTED_SUFFIXES = (".csv", ".parquet")
TIMESTAMP_FORMATS = [
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d",
    "%Y%m%d",
    "%Y%m%d %H:%M:%S",
]
MONTH_FORMATS = ["%Y-%m", "%Y/%m", "%Y%m"]
# A timestamp that ends in an explicit offset: converted to the business time zone.
OFFSET_PATTERN = r"\d{2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|z|[+-]\d{2}(:?\d{2})?)$"


# A file's header may name at most this many columns (the widest contract table has 17):
# checked on the header line alone, before DuckDB reads the file (issue 13, item 1).
MAX_COLUMNS = 500
MAX_HEADER_BYTES = 1 << 20


class ImportRefused(StoreError):
    """An import that cannot proceed at all (unreadable file, unknown table, …).

    The message is English (command line, logs); ``code``, when given, is a translation key
    that ``values`` fill, for the app (:func:`core.ui.attempt`).
    """

    def __init__(self, message: str, code: str | None = None, **values: object):
        super().__init__(message)
        self.code = code
        self.values = values


@dataclass
class FileReport:
    table: str
    file: str
    read: int = 0
    loaded: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    encoding: str | None = None
    ignored_columns: list[str] = field(default_factory=list)
    # translation keys (core.i18n), filled with the file and table: "import.warning.no_rows"
    warnings: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    import_id: int
    mode: str
    status: str  # loaded / rejected
    files: dict[str, FileReport]
    rejects: pd.DataFrame
    report_path: Path | None = None
    rejects_path: Path | None = None
    seconds: float = 0.0

    def counts(self) -> dict[str, dict[str, int]]:
        """``{"<table>": {"read": n, "loaded": n, "rejected": n}}`` as the CLI prints it."""
        return {
            t: {"read": f.read, "loaded": f.loaded, "rejected": f.rejected}
            for t, f in self.files.items()
        }

    def warnings(self, lang: str) -> list[str]:
        """Each file's warnings (a file of 0 rows) in ``lang``, naming the file."""
        from core import i18n

        return [
            i18n.t(code, lang, file=f.file, table=f.table)
            for f in self.files.values()
            for code in f.warnings
        ]

    def to_dict(self) -> dict:
        return {
            "import_id": self.import_id,
            "mode": self.mode,
            "status": self.status,
            "seconds": round(self.seconds, 3),
            "files": {t: asdict(f) for t, f in self.files.items()},
            "rejects_csv": str(self.rejects_path) if self.rejects_path else None,
        }


# -- locating and decoding files -----------------------------------------------------------


def find_contract_files(directory: str | Path) -> dict[str, Path]:
    """The contract files in ``directory``: ``<table>.csv`` or ``<table>.parquet``."""
    directory = Path(directory)
    if not directory.is_dir():
        raise ImportRefused(f"{directory} is not a directory")
    found: dict[str, Path] = {}
    for table in CONTRACTS:
        candidates = [directory / f"{table}{s}" for s in SUPPORTED_SUFFIXES]
        present = [p for p in candidates if p.is_file()]
        if len(present) > 1:
            names = " and ".join(p.name for p in present)
            raise ImportRefused(f"{directory} holds both {names}; keep one")
        if present:
            found[table] = present[0]
    if not found:
        expected = ", ".join(f"{t}.csv|.parquet" for t in CONTRACTS)
        raise ImportRefused(f"no contract files in {directory} (expected any of {expected})")
    return found


def detect_encoding(path: Path, chunk_size: int = 1 << 24) -> str:
    """``utf-8`` (a BOM is fine) or ``gb18030`` (a superset of GBK), checked over the whole file."""
    return _inspect_csv(path, chunk_size)[0]


def _inspect_csv(path: Path, chunk_size: int = 1 << 24) -> tuple[str, bool]:
    """The file's encoding (see :func:`detect_encoding`) and whether its lines end in a mix
    of CRLF and LF, which DuckDB's reader refuses: found in the same pass over the file.

    In GBK and GB18030, as in UTF-8, the bytes of CR and LF are never part of a character."""
    for encoding in ("utf-8", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        crlf = newlines = 0
        last = b""
        try:
            with path.open("rb") as handle:
                while chunk := handle.read(chunk_size):
                    decoder.decode(chunk)
                    newlines += chunk.count(b"\n")
                    crlf += chunk.count(b"\r\n") + (last == b"\r" and chunk[:1] == b"\n")
                    last = chunk[-1:]
                decoder.decode(b"", final=True)
            return encoding, 0 < crlf < newlines
        except UnicodeDecodeError:
            continue
    raise ImportRefused(f"{path.name}: not UTF-8 or GBK text; save it as UTF-8 and retry")


def _header_columns(path: Path) -> int:
    """How many columns the header line of a CSV file names (0: the file has no header line:
    empty, a BOM alone, or blank lines), read from that line alone.

    The count follows CSV quoting (``"a,b"`` is one column); a header line longer than
    ``MAX_HEADER_BYTES`` is refused as it stands.
    """
    with path.open("rb") as handle:
        line = handle.readline(MAX_HEADER_BYTES + 1)
        if line.startswith(codecs.BOM_UTF8):
            line = line[len(codecs.BOM_UTF8) :]
        while line and not line.strip():  # blank lines before the header: is there one?
            line = handle.readline(MAX_HEADER_BYTES + 1)
    if not line.strip():
        return 0
    if len(line) > MAX_HEADER_BYTES:
        raise ImportRefused(
            f"{path.name}: header line longer than {MAX_HEADER_BYTES:,} bytes; "
            f"at most {MAX_COLUMNS:,} columns can be imported",
            code="import.error.header_too_long",
            file=path.name,
            limit=MAX_COLUMNS,
        )
    # latin-1 maps each byte to one character: commas and quotes are found whatever the
    # file's encoding (in UTF-8 and GBK they are never part of a character)
    return len(next(csv.reader([line.decode("latin-1").rstrip("\r\n")])))


def _check_shape(path: Path) -> None:
    """Refuse a file with no header line or too many columns before DuckDB reads its rows."""
    if path.suffix == ".parquet":
        try:
            import pyarrow.parquet as pq

            columns = len(pq.read_schema(path).names)
        except Exception:  # not Parquet: DuckDB's own message says so, as before
            return
    else:
        columns = _header_columns(path)
        if columns == 0:
            raise ImportRefused(
                f"{path.name}: the file is empty (no header line); nothing was imported",
                code="import.error.empty_file",
                file=path.name,
            )
    if columns > MAX_COLUMNS:
        raise ImportRefused(
            f"{path.name}: {columns:,} columns; at most {MAX_COLUMNS:,} can be imported",
            code="import.error.too_many_columns",
            file=path.name,
            count=columns,
            limit=MAX_COLUMNS,
        )


def _copy_as_utf8(path: Path, encoding: str, tmpdir: Path, normalise_newlines: bool) -> Path:
    """A UTF-8 copy of ``path`` in the import's working folder; with ``normalise_newlines``
    every line ends in LF (CR LF and a lone CR too, also inside quoted values)."""
    target = tmpdir / f"{path.stem}.utf8.csv"
    with (
        path.open("r", encoding=encoding, newline=None if normalise_newlines else "") as src,
        target.open("w", encoding="utf-8", newline="") as dst,
    ):
        while chunk := src.read(1 << 22):
            dst.write(chunk)
    return target


# -- the importer's working folder -----------------------------------------------------------

# Working folders of the imports running in this process. Only one process at a time holds
# a store open for writing (DuckDB's file lock), so any other folder under the store's
# ``import_temp_root`` was left by an import that was killed.
_ACTIVE_FOLDERS: set[Path] = set()
_ACTIVE_LOCK = threading.Lock()


def import_temp_root(store_path: Path) -> Path:
    """Where imports put temporary copies (a GBK file as UTF-8, normalised line endings,
    uploaded files): ``<store dir>/<store file name>.imports/tmp/``, one folder per import."""
    return import_reports_dir(store_path) / "tmp"


def remove_stale_copies(store_path: Path) -> int:
    """Remove what killed imports left under :func:`import_temp_root`; how many entries."""
    root = import_temp_root(store_path)
    if not root.is_dir():
        return 0
    removed = 0
    with _ACTIVE_LOCK:
        for entry in root.iterdir():
            if entry in _ACTIVE_FOLDERS:
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
            removed += 1
    return removed


@contextmanager
def _working_folder(store_path: Path, kind: str) -> Iterator[Path]:
    """A new folder under :func:`import_temp_root` (mode 0700), removed when the block ends;
    stale folders of killed imports are removed first."""
    remove_stale_copies(store_path)
    root = import_temp_root(store_path)
    root.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=f"{kind}-{os.getpid()}-", dir=root))
    with _ACTIVE_LOCK:
        _ACTIVE_FOLDERS.add(folder)
    try:
        yield folder
    finally:
        with _ACTIVE_LOCK:
            _ACTIVE_FOLDERS.discard(folder)
        shutil.rmtree(folder, ignore_errors=True)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 24):
            digest.update(chunk)
    return digest.hexdigest()


# -- SQL building (identifiers only from the contract; values always bound) ----------------


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _text(raw: str) -> str:
    return f"nullif(trim(cast({raw} as varchar)), '')"


NUMERIC_TYPES = {
    "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
    "UINTEGER", "UBIGINT", "FLOAT", "DOUBLE",
}  # fmt: skip


def _typed_expr(
    col: Column, raw: str, stage_type: str, money_tokens: tuple[str, ...] = ("¥", "￥")
) -> tuple[str, str]:
    """``(typed value, text value)`` expressions for one contract column.

    The text value is what the file said (null when empty); a row is bad for a column when
    the text is present and the typed value is null. Typed Parquet columns take a fast path.
    ``money_tokens`` are the store currency's marks an amount may carry
    (:func:`core.currency.amount_decorations`, an allow-list, so they are inlined as
    literals: chained ``replace`` is three times faster than a regular expression).
    """
    stage_type = stage_type.upper()
    t = _text(raw)
    if col.kind == "text":
        return t, t
    if col.kind == "lower":
        return f"lower({t})", t
    if col.kind == "upper":
        return f"upper({t})", t
    if col.kind == "timestamp":
        if stage_type.startswith("TIMESTAMP WITH TIME ZONE"):
            return f"timezone($tz, {raw})", raw
        if stage_type.startswith("TIMESTAMP") or stage_type == "DATE":
            return f"cast({raw} as timestamp)", raw
        typed = (
            f"case when regexp_matches({t}, '{OFFSET_PATTERN}') "
            f"then timezone($tz, try_cast({t} as timestamptz)) "
            f"else coalesce(try_cast({t} as timestamp), try_strptime({t}, $ts_formats)) end"
        )
        return typed, t
    if col.kind == "date":
        if stage_type == "DATE" or stage_type.startswith("TIMESTAMP"):
            return f"cast({raw} as date)", raw
        typed = (
            f"coalesce(try_cast({t} as date), cast(try_cast({t} as timestamp) as date), "
            f"cast(try_strptime({t}, $ts_formats) as date))"
        )
        return typed, t
    if col.kind == "month":
        if stage_type == "DATE" or stage_type.startswith("TIMESTAMP"):
            return f"cast(date_trunc('month', {raw}) as date)", raw
        typed = (
            f"cast(date_trunc('month', coalesce(try_cast({t} as date), "
            f"try_strptime({t}, $month_formats))) as date)"
        )
        return typed, t
    numeric = stage_type.startswith("DECIMAL") or stage_type in NUMERIC_TYPES
    target = {"money": "decimal(18, 2)", "double": "double", "int": "integer"}[col.kind]
    if numeric:
        return f"try_cast({raw} as {target})", raw
    if col.kind == "money":
        for token in (*money_tokens, ","):
            literal = token.replace("'", "''")
            t = f"replace({t}, '{literal}', '')"
        return f"try_cast(trim({t}) as {target})", _text(raw)
    return f"try_cast({t} as {target})", t


_KIND_WORDS = {
    "timestamp": "a valid date/time",
    "date": "a valid date",
    "month": "a valid month (YYYY-MM or a date)",
    "money": "a valid amount",
    "double": "a number",
    "int": "a whole number",
}
ERROR_TYPE = "struct(col varchar, reason varchar)"
# An event's identity: the first 64 bits of the md5 of its text, i.e. exactly DuckDB's
# ``md5_number_lower`` (which stores hold), computed without that macro's round trip through
# a 128-character bit string (4-5x slower, a third of an import's time at millions of rows).
UID_EXPR = "cast(md5_number({text}) >> 64 as ubigint)"
# Tables checked in one pass and loaded straight from a Parquet file (tens of millions of rows).
STREAMED = ("events",)
# Which typed column(s) identify a row; duplicates within a file are rejected on this key.
KEY_EXPR = {
    "members": "member_id",
    "events": "event_uid",
    "orders": "order_id",
    "channel_costs": "channel || '|' || cast(month as varchar)",
    "campaigns": "campaign_id",
}


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _err(column: str, reason_sql: str) -> str:
    return f"cast({{'col': {_lit(column)}, 'reason': {reason_sql}}} as {ERROR_TYPE})"


Check = tuple[str, str, str]  # (condition that makes the row bad, column, reason SQL)


def _when(condition: str, column: str, reason_sql: str) -> Check:
    return condition, column, reason_sql


def _error_list(checks: list[Check]) -> str:
    """The row's list of errors; built only for rows where some check fails (cheap for the
    millions of good rows: DuckDB evaluates a ``case`` branch only on the rows it selects)."""
    if not checks:
        return f"cast([] as {ERROR_TYPE}[])"
    any_bad = " or ".join(f"coalesce({c}, false)" for c, _, _ in checks)
    items = ", ".join(f"case when {c} then {_err(col, r)} end" for c, col, r in checks)
    return (
        f"case when {any_bad} then list_filter([{items}], lambda e: e is not null) "
        f"else cast([] as {ERROR_TYPE}[]) end"
    )


def _column_checks(col: Column, typed: str, text: str, raw: str) -> list[Check]:
    shown = f"left(cast({text} as varchar), 60)"
    checks = []
    if col.required:
        checks.append(_when(f"{text} is null", col.name, _lit("required value missing")))
    if col.kind in _KIND_WORDS:
        reason = f"{_lit('not ' + _KIND_WORDS[col.kind] + ': ')} || {shown}"
        checks.append(_when(f"{text} is not null and {typed} is null", col.name, reason))
    if col.kind in ("timestamp", "date"):
        reason = f"'date out of range (1900-2100): ' || {shown}"
        checks.append(_when(f"year({typed}) not between 1900 and 2100", col.name, reason))
    if col.allowed:
        allowed = ", ".join(_lit(v) for v in col.allowed)
        reason = f"{_lit('must be one of ' + '/'.join(col.allowed) + ', got ')} || {shown}"
        checks.append(_when(f"{typed} not in ({allowed})", col.name, reason))
    if col.non_negative:
        checks.append(_when(f"{typed} < 0", col.name, f"'must not be negative: ' || {shown}"))
    limit = col.length_limit
    if limit is not None:
        # strlen of the value as read (bytes, kept with the string: no scan, no trim) is never
        # less than the trimmed value's length in characters, so only the rare long values
        # are trimmed and counted (millions of event rows pay one comparison per column)
        words = _lit(f"longer than {limit:,} characters (")
        reason = f"{words} || format('{{:,}}', length({text})) || ')'"
        long_raw = f"strlen(cast({raw} as varchar)) > {limit}"
        checks.append(_when(f"{long_raw} and length({text}) > {limit}", col.name, reason))
    if col.pattern:
        # the same pattern the edit form uses (core.contract.value_problem)
        reason = f"{_lit('not ' + col.pattern_words + ': ')} || {shown}"
        checks.append(
            _when(
                f"length({text}) <= {limit} and not regexp_full_match({text}, {_lit(col.pattern)})",
                col.name,
                reason,
            )
        )
    return checks


def _raw_line_expr(stage_columns: list[str]) -> str:
    """The row as a CSV line, rebuilt from the file's own values (for the rejects report)."""
    parts = []
    for name in stage_columns:
        v = f"cast({_ident(name)} as varchar)"
        parts.append(
            f"case when {v} is null then '' "
            f"when regexp_matches({v}, '[\",\\n\\r]') "
            f"then '\"' || replace({v}, '\"', '\"\"') || '\"' else {v} end"
        )
    # one flat call, not a chain of ||: a chain of 500 columns passes DuckDB's expression
    # depth limit (1000); no part is null, so concat_ws keeps every separator
    return f"concat_ws(',', {', '.join(parts)})" if parts else "''"


# -- one file --------------------------------------------------------------------------------


@dataclass
class _Staged:
    contract: TableContract
    path: Path
    columns: dict[str, tuple[str, str]]  # contract name -> (stage column, stage type)
    stage_columns: list[str]
    parse_errors: pd.DataFrame  # line, column_name, reason, raw_text
    ignored: list[str]
    encoding: str | None
    row_index: str  # SQL for a stage row's 0-based position in the file
    rows: int
    # Streamed tables only (see STREAMED): the checking pass's figures and the select of the
    # typed good-row values that the load reads straight from the stage.
    summary: dict = field(default_factory=dict)
    typed_sql: str = ""


def _stage_file(
    cur: duckdb.DuckDBPyConnection, contract: TableContract, path: Path, tmpdir: Path
) -> _Staged:
    _drop_stage(cur)
    encoding = None
    parse_errors = pd.DataFrame(columns=["line", "column_name", "reason", "raw_text"])
    try:
        if path.suffix == ".parquet":
            # A view, not a copy: Parquet is typed and seekable, so the file itself is the stage.
            literal = "'" + str(path).replace("'", "''") + "'"
            cur.execute(
                "create temp view _stage as select * "
                f"from read_parquet({literal}, file_row_number = true)"
            )
        else:
            encoding, mixed_newlines = _inspect_csv(path)
            source = path
            if encoding != "utf-8" or mixed_newlines:
                source = _copy_as_utf8(path, encoding, tmpdir, mixed_newlines)
            for name in ("_csv_rejects", "_csv_scans"):
                cur.execute(f"drop table if exists {name}")
            cur.execute(
                "create temp table _stage as select * from read_csv($p, all_varchar = true, "
                "header = true, store_rejects = true, rejects_table = '_csv_rejects', "
                "rejects_scan = '_csv_scans')",
                {"p": str(source)},
            )
            parse_errors = cur.execute(
                "select line, column_name, error_type || ': ' || error_message as reason, "
                "csv_line as raw_text from _csv_rejects order by line"
            ).df()
    except duckdb.Error as exc:
        first = str(exc).splitlines()[0]
        raise ImportRefused(f"{path.name}: cannot read the file: {first}") from None

    stage_columns, by_name = [], {}
    for name, col_type, *_ in cur.execute("describe _stage").fetchall():
        if path.suffix == ".parquet" and name == "file_row_number":
            continue
        stage_columns.append(name)
        by_name.setdefault(name.strip().lstrip("\ufeff").lower(), (name, col_type))
    names = {c.name for c in contract.columns}
    columns = {n: by_name[n] for n in names if n in by_name}
    ignored = [n for n in stage_columns if n.strip().lstrip("\ufeff").lower() not in names]
    if path.suffix == ".parquet":
        rows = cur.execute("select count(*) from _stage").fetchone()[0]
        row_index = "file_row_number"
    else:
        rows, base = cur.execute("select count(*), coalesce(min(rowid), 0) from _stage").fetchone()
        row_index = f"(rowid - {base})"
    return _Staged(
        contract, path, columns, stage_columns, parse_errors, ignored, encoding, row_index, rows
    )


def _drop_stage(cur: duckdb.DuckDBPyConnection) -> None:
    kind = cur.execute(
        "select table_type from information_schema.tables where table_name = '_stage'"
    ).fetchone()
    if kind:
        cur.execute("drop view _stage" if kind[0] == "VIEW" else "drop table _stage")


def _line_expr(staged: _Staged, rid: str) -> str:
    """Line number of stage row ``rid``, counting the lines the CSV reader rejected."""
    offset = 1 if staged.path.suffix == ".parquet" else 2
    index = rid
    if staged.parse_errors.empty:
        return f"({index} + {offset})"
    return (
        f"({index} + {offset} + (select count(*) from _parse_lines p "
        f"where p.good_before <= {index}))"
    )


def _validate(cur: duckdb.DuckDBPyConnection, staged: _Staged, params: dict) -> None:
    """Check every stage row; create ``_rejected`` (``_rid``, ``_line``, ``_errors``) with the
    bad rows.

    Tables in :data:`STREAMED` (events) are checked in one aggregate pass over the stage and
    nothing but their bad rows is materialised: the load then reads the stage again through
    ``staged.typed_sql``. Other tables get ``_typed``: every stage row with converted values,
    line number and errors, which their loaders read.
    """
    contract = staged.contract
    cur.execute("drop table if exists _parse_lines")
    if not staged.parse_errors.empty:
        lines = sorted({int(x) for x in staged.parse_errors["line"]})
        # good rows before the i-th rejected line (0-based i) = line_i - 2 - i
        frame = pd.DataFrame({"good_before": [line - 2 - i for i, line in enumerate(lines)]})
        cur.register("_parse_lines_df", frame)
        cur.execute("create temp table _parse_lines as select * from _parse_lines_df")
        cur.unregister("_parse_lines_df")

    selects, row_checks = [], []
    for col in contract.columns:
        if col.name in staged.columns:
            stage_name, stage_type = staged.columns[col.name]
            typed, text = _typed_expr(col, _ident(stage_name), stage_type, params["money_tokens"])
            row_checks += _column_checks(col, typed, text, _ident(stage_name))
            if contract.name == "members" and col.name == "tier":
                reason = f"'unknown tier: ' || {typed}"
                row_checks.append(_when(f"not list_contains($tiers, {typed})", "tier", reason))
        else:
            typed = "null"
            if col.required:
                row_checks.append(
                    _when("true", col.name, _lit(f"missing required column {col.name}"))
                )
        cast_to = {
            "timestamp": "timestamp",
            "date": "date",
            "month": "date",
            "money": "decimal(18, 2)",
            "double": "double",
            "int": "integer",
        }.get(col.kind, "varchar")
        selects.append(f"cast({typed} as {cast_to}) as {col.name}")

    post_checks = []
    if contract.name == "campaigns":
        post_checks.append(
            _when("k.end_date < k.start_date", "end_date", _lit("end_date is before start_date"))
        )
    extra_cols = ""
    if contract.name == "events":
        content = " || '|' || ".join(
            f"coalesce(cast({c.name} as varchar), '')"
            for c in contract.columns
            if c.name != "event_id"
        )
        uid_text = (
            f"case when event_id is not null then 'id:' || event_id else 'row:' || {content} end"
        )
        extra_cols = f", {UID_EXPR.format(text=uid_text)} as event_uid"
        first_line = _line_expr(staged, "d.first_rid")
        dup_reason = (
            f"case when k.event_id is not null then 'duplicate event_id (first on line ' || "
            f"{first_line} || ')' else 'duplicate of line ' || {first_line} || "
            f"' (same content; give each event an event_id to keep both)' end"
        )
        dup_column = "event_id"
    else:
        key_name = "/".join(contract.key)
        dup_reason = (
            f"'duplicate {key_name} (first on line ' || {_line_expr(staged, 'd.first_rid')} || ')'"
        )
        dup_column = contract.key[0]
    dup_error = _err(dup_column, dup_reason)

    member_col, member_join, erased = "", "", "false"
    if contract.references_member:
        member_col = ", m.member_key"
        member_join = "left join members m on m.member_id = k.member_id"
        post_checks.append(
            _when(
                "k.member_id is not null and m.member_key is null",
                "member_id",
                "'unknown member_id: ' || k.member_id",
            )
        )
    if contract.references_member or contract.name == "members":
        # An erased member (PIPL/GDPR) stays erased: no row of a file brings data back.
        if contract.name == "members":
            member_join = "left join members m on m.member_id = k.member_id"
        member_join += " left join erased_members er on er.member_key = m.member_key"
        erased = "er.member_key is not null"
        post_checks.append(
            _when(
                "er.member_key is not null",
                "member_id",
                "'member was erased on ' || strftime(er.erased_at, '%Y-%m-%d') "
                "|| ' (PIPL/GDPR request); their data is not imported again'",
            )
        )
    typed_with_errors = f"""
        with projected as (
            select {staged.row_index} as _rid, {", ".join(selects)},
                {_error_list(row_checks)} as _row_errors
            from _stage
        ),
        keyed as (
            select *{extra_cols} from projected
        ),
        keyed_with_key as (
            select *, {KEY_EXPR[contract.name]} as _key from keyed
        )
        select k.* exclude (_row_errors){member_col},
            {_line_expr(staged, "k._rid")} as _line,
            k._row_errors || {_error_list(post_checks)} as _errors,
            {erased} as _erased
        from keyed_with_key k
        {member_join}
    """
    if contract.name in STREAMED and staged.path.suffix == ".parquet":
        _validate_streamed(cur, staged, params, typed_with_errors, dup_error)
        # The good rows' values for the load: no error lists, no erased-member probe (rows
        # of erased or unknown members are in _rejected and excluded by row number).
        staged.typed_sql = f"""
            with projected as (
                select {staged.row_index} as _rid, {", ".join(selects)} from _stage
            )
            select k.*{member_col}
            from (select *{extra_cols} from projected) k
            left join members m on m.member_id = k.member_id
        """
        return
    _exec(cur, f"create or replace temp table _typed as {typed_with_errors}", params)
    # Duplicates within the file: every occurrence after the first is rejected. Found on the
    # typed table and written to the few affected rows only, so no second full copy is made.
    cur.execute(
        "create or replace temp table _dups as select _key, min(_rid) as first_rid from _typed "
        "where _key is not null group by _key having count(*) > 1"
    )
    if cur.execute("select count(*) from _dups").fetchone()[0]:
        cur.execute(
            f"update _typed k set _errors = k._errors || [{dup_error}] from _dups d "
            "where d._key = k._key and k._rid <> d.first_rid"
        )
    cur.execute("drop table _dups")
    cur.execute(
        "create or replace temp table _rejected as "
        "select _rid, _line, _errors, _erased from _typed where len(_errors) > 0"
    )
    if contract.name == "events":
        staged.summary = _event_ranges(cur, "select * from _typed", params)


def _event_ranges(cur, typed: str, params: dict) -> dict:
    """The file's event_id range and the time range of its rows without an event_id."""
    id_lo, id_hi, row_lo, row_hi = _exec(
        cur,
        f"""
        with _typed as ({typed})
        select min(event_id), max(event_id), min(event_time) filter (where event_id is null),
            max(event_time) filter (where event_id is null)
        from _typed
        """,
        params,
    ).fetchone()
    return {"id_lo": id_lo, "id_hi": id_hi, "row_lo": row_lo, "row_hi": row_hi}


def _validate_streamed(cur, staged: _Staged, params: dict, typed: str, dup_error: str) -> None:
    """Events from Parquet: one pass counts bad rows and duplicates and finds the ranges the
    load needs to judge overlap with the store; bad rows (usually none) are materialised only
    if present. (A CSV stage is all text: converting it twice would cost more than the one
    typed copy, so CSV takes the ``_typed`` path.)"""
    # Rows with an event_id share a uid exactly when they share the event_id, so they are
    # counted on it (no md5, and the columns that only feed the content hash are not read);
    # rows without one are counted on their uid, in a second pass over just those rows.
    bad, dups, id_lo, id_hi, row_lo, row_hi, by_content = _exec(
        cur,
        f"""
        with _typed as ({typed})
        select count(*) filter (where len(_errors) > 0),
            count(event_id) - count(distinct event_id),
            min(event_id), max(event_id),
            min(event_time) filter (where event_id is null),
            max(event_time) filter (where event_id is null),
            count(*) filter (where event_id is null)
        from _typed
        """,
        params,
    ).fetchone()
    if by_content:
        dups += _count(
            cur,
            f"with _typed as ({typed}) select count(*) - count(distinct _key) from _typed "
            "where event_id is null",
            params,
        )
    staged.summary = {"id_lo": id_lo, "id_hi": id_hi, "row_lo": row_lo, "row_hi": row_hi}
    cur.execute(
        "create or replace temp table _rejected "
        f"(_rid bigint, _line bigint, _errors {ERROR_TYPE}[], _erased boolean)"
    )
    if not bad and not dups:
        return
    dup_join, dup_errors, dup_rows = "", "", "false"
    if dups:
        # Every occurrence after the first is rejected (bad first occurrences included).
        _exec(
            cur,
            f"create or replace temp table _dups as with _typed as ({typed}) "
            "select _key, min(_rid) as first_rid from _typed where _key is not null "
            "group by _key having count(*) > 1",
            params,
        )
        dup_join = "left join _dups d on d._key = k._key and k._rid <> d.first_rid"
        dup_errors = f" || case when d._key is not null then [{dup_error}] else [] end"
        dup_rows = "d._key is not null"
    _exec(
        cur,
        f"""
        insert into _rejected
        select k._rid, k._line, k._errors{dup_errors}, k._erased
        from ({typed}) k {dup_join}
        where len(k._errors) > 0 or {dup_rows}
        """,
        params,
    )
    cur.execute("drop table if exists _dups")


def _collect_rejects(cur: duckdb.DuckDBPyConnection, staged: _Staged) -> pd.DataFrame:
    """One row per (bad row, reason): table, file, line, column, reason, raw_text.

    A line about an erased member (PIPL/GDPR) keeps no raw text, and its reasons do not
    quote its values: the line is rejected, and nothing of it is stored or written."""
    found = cur.execute(
        f"""
        with bad as (
            select _rid, _line, _erased, unnest(_errors) as e,
                generate_subscripts(_errors, 1) as i
            from _rejected
        )
        select b._line as line, b.e.col as column_name, b.e.reason as reason,
            {_raw_line_expr(staged.stage_columns)} as raw_text, b._erased
        from bad b join (select {staged.row_index} as _rid, * from _stage) s on s._rid = b._rid
        order by b._line, b.i
        """
    ).df()
    found = _without_erased_lines(found, found.pop("_erased").astype(bool))
    parse_errors = staged.parse_errors
    about_members = staged.contract.name == "members" or staged.contract.references_member
    if about_members and not parse_errors.empty:
        erased_ids = {
            row[0]
            for row in cur.execute(
                "select m.member_id from erased_members e join members m using (member_key)"
            ).fetchall()
        }
        about = parse_errors["raw_text"].map(
            lambda raw: bool(erased_ids & set(line_fields(raw))) if isinstance(raw, str) else False
        )
        parse_errors = _without_erased_lines(parse_errors.copy(), about.astype(bool))
    frames = [f for f in (parse_errors, found) if not f.empty]
    if not frames:
        return pd.DataFrame(columns=["table", "file", "line", "column_name", "reason", "raw_text"])
    rejects = pd.concat(frames, ignore_index=True).sort_values("line", kind="stable")
    rejects["line"] = rejects["line"].astype("Int64")
    rejects.insert(0, "file", staged.path.name)
    rejects.insert(0, "table", staged.contract.name)
    return rejects.reset_index(drop=True)


def _without_erased_lines(rejects: pd.DataFrame, erased: pd.Series) -> pd.DataFrame:
    """``rejects`` with the rows flagged in ``erased`` stripped of their raw text and of
    the values their reasons quote."""
    if erased.any():
        rejects = rejects.astype({"raw_text": object, "reason": object})
        rejects.loc[erased, "reason"] = [
            redact_line_values(reason, raw)
            for reason, raw in zip(
                rejects.loc[erased, "reason"], rejects.loc[erased, "raw_text"], strict=True
            )
        ]
        rejects.loc[erased, "raw_text"] = None
    return rejects


# -- loading good rows, per table --------------------------------------------------------------


def _exec(cur: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None):
    """Execute with just the parameters the statement names (DuckDB refuses extras)."""
    names = set(re.findall(r"\$(\w+)", sql))
    return cur.execute(sql, {k: v for k, v in (params or {}).items() if k in names})


def _count(cur: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None) -> int:
    return int(_exec(cur, sql, params).fetchone()[0])


def _present(staged: _Staged, names: list[str]) -> list[str]:
    return [n for n in names if n in staged.columns]


def _load_members(cur, staged: _Staged, params: dict) -> tuple[int, int, int]:
    updatable = _present(
        staged,
        [
            "signup_at", "nickname", "name", "gender", "birth_date", "phone", "email",
            "region", "city", "channel", "device", "status", "growth_points",
            "last_login_at", "address",
        ],
    )  # fmt: skip
    cur.execute(
        "create or replace temp table _good as "
        "select g.*, m.member_key as existing_key from _typed g "
        "left join members m on m.member_id = g.member_id where len(g._errors) = 0"
    )
    changed = (
        " or ".join(f"(g.{c} is not null and g.{c} is distinct from m.{c})" for c in updatable)
        or "false"
    )
    updated = 0
    if updatable:
        updated = _count(
            cur,
            f"select count(*) from _good g join members m on m.member_key = g.existing_key "
            f"where {changed}",
        )
        if updated:
            sets = ", ".join(f"{c} = coalesce(g.{c}, m.{c})" for c in updatable)
            _exec(
                cur,
                f"update members m set {sets}, updated_at = $now from _good g "
                f"where m.member_key = g.existing_key and ({changed})",
                params,
            )
    existing = _count(cur, "select count(*) from _good where existing_key is not null")
    inserted = _count(
        cur,
        """
        insert into members (member_key, member_id, signup_at, nickname, name, gender,
            birth_date, phone, email, region, city, channel, device, status, tier,
            growth_points, last_login_at, address, import_id, updated_at)
        select nextval('member_key_seq'), member_id, signup_at, nickname, name, gender,
            birth_date, phone, email, region, city, channel, device,
            coalesce(status, 'active'), coalesce(tier, 'normal'), growth_points,
            last_login_at, address, $import_id, $now
        from (select * from _good where existing_key is null order by signup_at, member_id)
        """,
        params,
    )
    _exec(
        cur,
        """
        insert into tier_history (member_key, from_tier, to_tier, changed_at, reason, actor)
        select m.member_key, null, m.tier, m.signup_at, 'signup', $actor
        from members m where m.import_id = $import_id
            and m.member_key not in (select existing_key from _good where existing_key is not null)
        """,
        params,
    )
    return inserted, updated, existing - updated


def _load_events(cur, staged: _Staged, params: dict) -> tuple[int, int, int]:
    """Insert the good rows: from Parquet straight from the file, from CSV from ``_typed``.

    Re-import is idempotent on ``event_uid``; the anti-join against stored events runs only
    when some stored event could share a uid with the file: one with an ``event_id`` inside
    the file's ``event_id`` range, or one without an ``event_id`` inside the time range of the
    file's rows without one (their uid hashes the row's content, event_time included).
    """
    summary = staged.summary
    rejected = _count(cur, "select count(*) from _rejected")
    good = staged.rows - rejected
    overlaps = []
    if summary["id_lo"] is not None:
        overlaps.append("exists (select 1 from events where event_id between $id_lo and $id_hi)")
    if summary["row_lo"] is not None:
        overlaps.append(
            "exists (select 1 from events "
            "where event_id is null and event_time between $row_lo and $row_hi)"
        )
    overlap = bool(overlaps) and bool(
        _exec(cur, "select " + " or ".join(overlaps), summary).fetchone()[0]
    )
    where, source = [], staged.typed_sql
    if not source:  # CSV: the typed copy made by _validate
        source = "select * from _typed"
        where.append("len(g._errors) = 0")
    elif rejected:
        where.append("g._rid not in (select _rid from _rejected)")
    if overlap:
        where.append("not exists (select 1 from events e where e.event_uid = g.event_uid)")
    inserted = _count(
        cur,
        f"""
        insert into events (member_key, event_time, event_type, event_uid, event_id,
            session_id, device, page, duration_s, keyword, category, item_id, amount,
            coupon_id, campaign, import_id)
        select member_key, event_time, event_type, event_uid, event_id, session_id, device,
            page, duration_s, keyword, category, item_id, amount, coupon_id, campaign,
            $import_id
        from ({source}) g
        {"where " + " and ".join(where) if where else ""}
        """,
        params,
    )
    # Without the anti-join every good row must have been inserted; the caller's
    # read = loaded + rejected check then catches a row lost on the way.
    return inserted, 0, (good - inserted) if overlap else 0


def _load_orders(cur, staged: _Staged, params: dict) -> tuple[int, int, int]:
    cur.execute(
        """
        create or replace temp table _good as
        select g.*, o.order_id is not null as is_existing,
            case when g.member_key <> o.member_key or g.paid_at <> o.paid_at
                then o.paid_at end as moved_from,
            o.order_id is not null and (
                g.member_key <> o.member_key or g.paid_at <> o.paid_at or g.amount <> o.amount
                or coalesce(g.discount_amount, 0) <> o.discount_amount
                or coalesce(g.status, 'paid') <> o.status
                or g.coupon_id is distinct from o.coupon_id
                or g.category is distinct from o.category) as is_changed
        from _typed g
        left join (select * from orders where source = 'file') o on o.order_id = g.order_id
        where len(g._errors) = 0
        """
    )
    updated = _count(cur, "select count(*) from _good where is_changed")
    if updated:
        # an order moved to another day or member leaves its old day: rebuild from there
        moved_from = cur.execute("select min(moved_from) from _good").fetchone()[0]
        rollups.mark_dirty_from(cur, moved_from.date() if moved_from else None)
        _exec(
            cur,
            """
            update orders o set member_key = g.member_key, paid_at = g.paid_at,
                amount = g.amount, discount_amount = coalesce(g.discount_amount, 0),
                status = coalesce(g.status, 'paid'), coupon_id = g.coupon_id,
                category = g.category, import_id = $import_id
            from _good g where o.source = 'file' and o.order_id = g.order_id and g.is_changed
            """,
            params,
        )
    unchanged = _count(cur, "select count(*) from _good where is_existing and not is_changed")
    inserted = _count(
        cur,
        """
        insert into orders (order_id, member_key, paid_at, amount, discount_amount, coupon_id,
            category, status, source, import_id)
        select order_id, member_key, paid_at, amount, coalesce(discount_amount, 0), coupon_id,
            category, coalesce(status, 'paid'), 'file', $import_id
        from _good where not is_existing order by paid_at
        """,
        params,
    )
    return inserted, updated, unchanged


def _load_keyed(cur, staged: _Staged, params: dict) -> tuple[int, int, int]:
    """channel_costs and campaigns: small tables, upserted on their key."""
    table = staged.contract.name
    names = [c.name for c in staged.contract.columns]
    key = staged.contract.key
    on = " and ".join(f"t.{k} = g.{k}" for k in key)
    same = " and ".join(f"t.{c} is not distinct from g.{c}" for c in names)
    cur.execute(
        f"create or replace temp table _good as select g.*, "
        f"exists (select 1 from {table} t where {on}) as is_existing, "
        f"exists (select 1 from {table} t where {same}) as is_same "
        f"from _typed g where len(g._errors) = 0"
    )
    updated = _count(cur, "select count(*) from _good where is_existing and not is_same")
    unchanged = _count(cur, "select count(*) from _good where is_same")
    inserted = _count(cur, "select count(*) from _good where not is_existing")
    cols = ", ".join(names)
    cur.execute(
        f"insert or replace into {table} ({cols}) select {cols} from _good where not is_same"
    )
    return inserted, updated, unchanged


_LOADERS = {
    "members": _load_members,
    "events": _load_events,
    "orders": _load_orders,
    "channel_costs": _load_keyed,
    "campaigns": _load_keyed,
}


@contextmanager
def _progress_of(cur, label: str, progress: Progress, every: float = 2.0) -> Iterator[None]:
    """Report the running statement's percentage every few seconds (long steps only)."""
    stop = threading.Event()

    def watch() -> None:
        last = None
        while not stop.wait(every):
            try:
                done = cur.query_progress()
            except duckdb.Error:
                return
            if done >= 0 and round(done) != last:
                last = round(done)
                progress(f"{label}: {last}%")

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        yield
    finally:
        stop.set()
        watcher.join()


def _import_one(
    cur, table: str, path: Path, params: dict, tmpdir: Path, progress: Progress
) -> tuple[FileReport, pd.DataFrame]:
    started = time.perf_counter()
    contract = CONTRACTS[table]
    staged = _stage_file(cur, contract, path, tmpdir)
    parse_lines = staged.parse_errors["line"].nunique() if not staged.parse_errors.empty else 0
    report = FileReport(
        table,
        path.name,
        read=staged.rows + int(parse_lines),
        encoding=staged.encoding,
        ignored_columns=staged.ignored,
        warnings=[] if staged.rows or parse_lines else ["import.warning.no_rows"],
    )
    progress(f"{path.name}: {report.read:,} rows read ({time.perf_counter() - started:.1f} s)")
    with _progress_of(cur, f"{path.name}: checking rows", progress):
        _validate(cur, staged, params)
    rejects = _collect_rejects(cur, staged)
    bad_rows = _count(cur, "select count(*) from _rejected")
    report.rejected = bad_rows + int(parse_lines)
    with _progress_of(cur, f"{path.name}: loading rows", progress):
        inserted, updated, unchanged = _LOADERS[table](cur, staged, params)
    report.inserted, report.updated, report.unchanged = inserted, updated, unchanged
    report.loaded = inserted + updated + unchanged
    if report.loaded + report.rejected != report.read:
        raise ImportRefused(
            f"{path.name}: internal count mismatch (read {report.read}, loaded {report.loaded}, "
            f"rejected {report.rejected}); nothing imported"
        )
    _drop_stage(cur)
    for name in ("_typed", "_good", "_rejected"):
        cur.execute(f"drop table if exists {name}")
    progress(
        f"{path.name}: {report.loaded:,} loaded ({inserted:,} new, {updated:,} updated, "
        f"{unchanged:,} already present), {report.rejected:,} rejected "
        f"({time.perf_counter() - started:.1f} s)"
    )
    return report, rejects


# -- the import --------------------------------------------------------------------------------


def import_files(
    store: Store,
    files: dict[str, Path],
    strict: bool = False,
    actor: str = "cli",
    progress: Progress | None = None,
    reports_dir: Path | None = None,
    role: str | None = None,
) -> ImportReport:
    """Import contract files (``{table: path}``) in one transaction and refresh derived data.

    Returns the report; in strict mode with any bad row the report's status is ``rejected``
    and nothing but the import log and its rejects was written. From the app, ``role`` is the
    signed-in user's role and only admins may import (a refusal is audited); the command
    line (``role`` None) is trusted like any shell access to the store file.
    """
    if role is not None:
        from core import audit
        from core.permissions import Capability

        audit.require(store, actor, role, Capability.IMPORT_DATA, "import", None)
    from core.refresh import refresh  # refresh imports nothing from here; avoids a cycle

    progress = progress or (lambda message: None)
    unknown = set(files) - set(CONTRACTS)
    if unknown:
        raise ImportRefused(f"unknown table(s): {', '.join(sorted(unknown))}")
    ordered = [(t, Path(files[t])) for t in CONTRACTS if t in files]
    for _, path in ordered:
        if path.suffix not in SUPPORTED_SUFFIXES:
            raise ImportRefused(f"{path.name}: only .csv and .parquet files can be imported")
        if not path.is_file():
            raise ImportRefused(f"{path}: no such file")
    for _, path in ordered:
        _check_shape(path)
    started = time.perf_counter()
    started_at = datetime.now(UTC).replace(tzinfo=None)
    mode = "strict" if strict else "lenient"
    import_id = int(store.scalar("select coalesce(max(import_id), 0) + 1 from imports"))
    tiers = [r[0] for r in store.cursor().execute("select tier_code from tiers").fetchall()]
    params = {
        "import_id": import_id,
        "actor": actor,
        "now": started_at,
        "tz": store.business_tz,
        "ts_formats": TIMESTAMP_FORMATS,
        "month_formats": MONTH_FORMATS,
        "tiers": tiers,
        # not a SQL parameter: the store currency's marks, stripped from amounts
        "money_tokens": currency.amount_decorations(settings.get(store, "currency")),
    }
    file_reports: dict[str, FileReport] = {}
    all_rejects: list[pd.DataFrame] = []
    hashes = {t: _sha256(p) for t, p in ordered}

    class _StrictRejected(Exception):
        pass

    status = "loaded"
    with _working_folder(store.path, "import") as tmp:
        try:
            with store.transaction() as cur:
                cur.execute("set enable_progress_bar = true")
                cur.execute("set enable_progress_bar_print = false")
                for table, path in ordered:
                    report, rejects = _import_one(cur, table, path, params, Path(tmp), progress)
                    file_reports[table] = report
                    if not rejects.empty:
                        all_rejects.append(rejects)
                if strict and any(r.rejected for r in file_reports.values()):
                    raise _StrictRejected
                progress("refreshing derived data")
                refresh(store, cur=cur, progress=progress, incremental=True)
                _log_import(cur, import_id, started_at, ordered, mode, "loaded", actor,
                            file_reports, hashes, all_rejects, role)  # fmt: skip
                from core.demo import leave_demo  # real data into a demo store: no demo now

                leave_demo(cur, actor, role, f"real data imported (import {import_id})")
        except _StrictRejected:
            status = "rejected"
            for report in file_reports.values():
                report.inserted = report.updated = report.unchanged = report.loaded = 0
            with store.transaction() as cur:
                _log_import(cur, import_id, started_at, ordered, mode, "rejected", actor,
                            file_reports, hashes, all_rejects, role)  # fmt: skip
    rejects = (
        pd.concat(all_rejects, ignore_index=True)
        if all_rejects
        else pd.DataFrame(columns=["table", "file", "line", "column_name", "reason", "raw_text"])
    )
    result = ImportReport(
        import_id, mode, status, file_reports, rejects, seconds=time.perf_counter() - started
    )
    _write_report(result, reports_dir or import_reports_dir(store.path))
    return result


def import_reports_dir(store_path: Path) -> Path:
    """Where a store keeps its import reports: ``<store dir>/<store file name>.imports/``.

    The folder is named after the store's file, so two stores in one folder never share
    (or overwrite) each other's ``report.json`` and ``rejects.csv``."""
    store_path = Path(store_path)
    return store_path.parent / f"{store_path.name}.imports"


def import_uploads(
    store: Store,
    uploads: dict[str, bytes],
    role: str,
    actor: str,
    strict: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Import files uploaded in the app: ``{file name: content}``, each named after its
    contract table (``members.csv``, ``events.parquet``, …). Admins only (audited)."""
    from core import audit
    from core.permissions import Capability

    audit.require(store, actor, role, Capability.IMPORT_DATA, "import", None)
    files: dict[str, Path] = {}
    with _working_folder(store.path, "upload") as tmp:
        for name, content in uploads.items():
            path = Path(name)
            table, suffix = path.stem.lower(), path.suffix.lower()
            if table not in CONTRACTS or suffix not in SUPPORTED_SUFFIXES:
                expected = ", ".join(f"{t}.csv|.parquet" for t in CONTRACTS)
                raise ImportRefused(f"{path.name}: name the file after its table ({expected})")
            if table in files:
                raise ImportRefused(f"two files for {table}; upload one")
            target = Path(tmp) / f"{table}{suffix}"
            target.write_bytes(content)
            files[table] = target
        return import_files(store, files, strict=strict, actor=actor, progress=progress, role=role)


def import_dir(store: Store, directory: str | Path, **kwargs) -> ImportReport:
    """Import every contract file found in ``directory`` (see :func:`import_files`)."""
    return import_files(store, find_contract_files(directory), **kwargs)


def _log_import(cur, import_id, started_at, ordered, mode, status, actor, reports, hashes,
                rejects, role=None) -> None:  # fmt: skip
    source = ", ".join(str(p) for _, p in ordered)
    cur.execute(
        "insert into imports values ($id, $started, $finished, $source, $mode, $status, $actor)",
        {
            "id": import_id,
            "started": started_at,
            "finished": datetime.now(UTC).replace(tzinfo=None),
            "source": source,
            "mode": mode,
            "status": status,
            "actor": actor,
        },
    )
    for table, report in reports.items():
        cur.execute(
            "insert into import_files values ($id, $table, $file, $sha, $read, $loaded, "
            "$inserted, $updated, $unchanged, $rejected)",
            {
                "id": import_id,
                "table": table,
                "file": report.file,
                "sha": hashes.get(table),
                "read": report.read,
                "loaded": report.loaded,
                "inserted": report.inserted,
                "updated": report.updated,
                "unchanged": report.unchanged,
                "rejected": report.rejected,
            },
        )
    for frame in rejects:
        frame = frame.assign(import_id=import_id)[
            ["import_id", "table", "file", "line", "column_name", "reason", "raw_text"]
        ]
        cur.register("_rejects_df", frame)
        cur.execute("insert into import_rejects select * from _rejects_df")
        cur.unregister("_rejects_df")
    from core import audit  # the import's audit row, in the import's own transaction

    audit.record(
        cur,
        actor=actor,
        role=role,
        action=f"import.{status}",
        target=f"import:{import_id}",
        after={
            "mode": mode,
            "files": {t: Path(p).name for t, p in ordered},
            "rows": {t: r.loaded for t, r in reports.items()},
            "rejected": {t: r.rejected for t, r in reports.items()},
        },
    )


def _write_report(report: ImportReport, reports_dir: Path) -> None:
    folder = reports_dir / f"{report.import_id:06d}"
    folder.mkdir(parents=True, exist_ok=True)
    if not report.rejects.empty:
        report.rejects_path = folder / "rejects.csv"
        # a person opens it in a spreadsheet to fix the rows: formulas neutralised
        report.rejects_path.write_bytes(exports.csv_bytes(report.rejects, bom=False))
    report.report_path = folder / "report.json"
    report.report_path.write_text(
        json.dumps(report.to_dict(), ensure_ascii=False, indent=2), encoding="utf-8"
    )

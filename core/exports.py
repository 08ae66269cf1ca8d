"""Files people open in a spreadsheet: every CSV and XLSX MemberLens writes goes through here.

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return (or
their full-width forms, which some East Asian spreadsheet versions also read as a formula)
would run as a formula in Excel, LibreOffice or WPS: ``=HYPERLINK("http://…","ch")`` from a
nickname becomes a live link that sends the sheet's data away. Following the OWASP CSV
injection guidance, :func:`safe_frame` prefixes such cells with a single quote, which the
spreadsheet shows as text. Numbers stay numbers: numeric columns are not touched, and a text
cell that is just a number (``-12.5``, ``+86``) is left as it is, since a spreadsheet reads
it as that number and nothing else.

Use :func:`csv_bytes` / :func:`csv_text` for CSV and :func:`xlsx_bytes` for Excel; no other
module calls ``to_csv`` or ``to_excel`` for a file a person downloads (a test checks).
"""

from __future__ import annotations

import io
import re

import pandas as pd

FORMULA_START: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def neutralise(value: object) -> object:
    """``value`` with a leading ``'`` when it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and column names cannot start a formula."""
    safe = frame.copy()
    for column in safe.columns:
        series = safe[column]
        if isinstance(series.dtype, pd.CategoricalDtype):
            series = series.astype(object)
        if series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
            safe[column] = series.map(neutralise, na_action="ignore")
    safe.columns = [neutralise(column) for column in safe.columns]
    return safe


def csv_text(frame: pd.DataFrame) -> str:
    """``frame`` as CSV text (no index), formulas neutralised."""
    return safe_frame(frame).to_csv(index=False)


def csv_bytes(frame: pd.DataFrame, bom: bool = True) -> bytes:
    """``frame`` as CSV bytes: UTF-8 with a byte-order mark (so Excel reads Chinese text
    right) unless ``bom`` is false."""
    return csv_text(frame).encode("utf-8-sig" if bom else "utf-8")


def xlsx_bytes(frame: pd.DataFrame) -> bytes:
    """``frame`` as one Excel sheet (needs ``openpyxl``): neutralised text is stored as
    text, never as a formula; numbers as numbers."""
    buffer = io.BytesIO()
    safe_frame(frame).to_excel(buffer, index=False, engine="openpyxl")
    return buffer.getvalue()

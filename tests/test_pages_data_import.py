"""The Data page's import result (issue 13, Low items 1 and 2): a file of 0 rows is a
warning beside the counts, an empty or too-wide file a refusal in the user's language.

AppTest has no file-upload element: the page's ``st.file_uploader`` is replaced by one that
returns the files, and the form's submit button is clicked."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import streamlit as st

from core import i18n
from core.ingest import MAX_COLUMNS
from tests.test_pages_admin import form_button, open_page
from tests.test_pages_admin import store as page_store  # noqa: F401 (the page fixture)


def upload(monkeypatch, files: dict[str, bytes]):
    fakes = [SimpleNamespace(name=n, getvalue=lambda c=c: c) for n, c in files.items()]
    monkeypatch.setattr(st, "file_uploader", lambda *args, **kwargs: fakes)
    at = open_page("data", "admin")
    form_button(at, "data_upload").click().run()
    assert not at.exception, at.exception
    return at


def test_a_header_only_file_is_a_zero_rows_warning(page_store, monkeypatch):  # noqa: F811
    at = upload(monkeypatch, {"campaigns.csv": b"campaign_id,start_date,end_date\n"})
    expected = i18n.t("import.warning.no_rows", "zh", file="campaigns.csv", table="campaigns")
    assert expected in [w.value.replace("\\", "") for w in at.warning]
    assert not at.error


@pytest.mark.parametrize(
    ("content", "code", "values"),
    [
        (b"", "import.error.empty_file", {}),
        (
            (",".join(f"c{i}" for i in range(MAX_COLUMNS + 1)) + "\n").encode(),
            "import.error.too_many_columns",
            {"count": MAX_COLUMNS + 1, "limit": MAX_COLUMNS},
        ),
    ],
)
def test_an_empty_or_too_wide_file_is_refused_in_the_users_language(
    page_store,  # noqa: F811
    monkeypatch,
    content,
    code,
    values,
):
    at = upload(monkeypatch, {"campaigns.csv": content})
    expected = i18n.t(code, "zh", file="campaigns.csv", **values)
    assert [e.value.replace("\\", "") for e in at.error] == [expected]


# two new paid orders of members of the store (tests/fixtures_admin.py)
ORDERS_CSV = """order_id,member_id,paid_at,amount,status
NEW1,M1,2026-06-20 12:00:00,100,paid
NEW2,M2,2026-06-21 12:00:00,50,paid
"""


def row_count(at, table: str) -> int:
    """The rows of ``table`` in the row-count table at the top of the Data page."""
    counts = at.dataframe[0].value
    name = i18n.t(f"label.table.{table}", "zh")
    shown = counts.loc[counts[i18n.t("data.table", "zh")] == name, i18n.t("data.rows", "zh")]
    return int(str(shown.iloc[0]).replace(",", ""))


def test_the_counts_show_the_import_at_once(page_store, monkeypatch):  # noqa: F811
    """Issue 14.11: after an import the counts at the top of the page (read before the
    import ran) show the new rows in the same click, and the result stays below."""
    before = page_store.table_counts()["orders"]
    at = upload(monkeypatch, {"orders.csv": ORDERS_CSV.encode()})
    assert page_store.table_counts()["orders"] == before + 2
    assert row_count(at, "orders") == before + 2
    assert row_count(at, "imports") == page_store.table_counts()["imports"] >= 1
    done = [s.value for s in at.success]
    assert any(text.startswith(i18n.t("data.upload_done", "zh", import_id="")[:4]) for text in done)

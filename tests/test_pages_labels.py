"""The page sweep of issue 14 (labels, not codes; no raw column name reaches a user).

Every role (viewer, analyst, support, operator, admin) opens every page it may open
(``core.permissions``), in zh and in en, through AppTest on the hand-made stores of the
other page tests. A page fails the sweep on:

- a table header that is a snake_case column name;
- a table cell equal to a known raw code (channel, device, tag, tier, member status, funnel
  step, the "all" group), any snake_case cell (``tier_history``), or raw JSON (an audit
  row's before/after as stored); a column of identifiers an admin types and reads as such
  (:data:`IDENTIFIER_COLUMNS`: the benefit code, shown beside the benefit's names) is not
  checked for codes;
- a money column (its header names the currency) without a number format, or a column of
  dates drawn as date-times (``00:00:00``);
- "None" shown as text (a cell, or any visible text equal to "None");
- in the zh UI only, an untranslated string: a visible text (title, header, caption,
  markdown, info/warning/error/success, button and widget labels, help and options, table
  headers and text cells, metric labels, tab and expander labels, chart titles) that
  contains an English catalogue text which is not the zh text, or three lowercase English
  words in a row (a sentence the code wrote, such as a stored English summary).

The rule for "an English catalogue text" (:data:`ENGLISH_ONLY`): each en text whose zh
text differs is cut at its ``{placeholders}``; a piece counts when it has at least
:data:`MIN_LETTERS` ASCII letters and does not appear in any zh text (so "ID", "RFM",
"DuckDB", "MemberLens", names and numbers, which the zh catalogue itself uses, never
count). A piece matches a visible text case-sensitively and only as whole words. A time
zone's IANA name (``America/Mexico_City``, an option of the store's time zone) is a name,
not a text, and is not checked.

Stores are built once per module and only read (the pages a role opens do not change the
data the next page shows); the tests that change a store build their own.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Dataframe

from core import approvals, auth, i18n, labels, members, metrics, permissions, privacy, segments
from core.config import PROJECT_ROOT
from core.store import close_store, open_store
from data.generate import CHANNELS, DEVICES
from tests.fixtures_admin import build_admin_store
from tests.fixtures_analytics import build_analytics_store
from tests.fixtures_app import COOKIE_KEY, add_accounts, app_store
from tests.fixtures_segments import build_tagged_segments_store

APP = str(PROJECT_ROOT / "app.py")
RAW_CODES = {
    *CHANNELS,
    *DEVICES,
    *segments.TAGS,
    *metrics.FUNNEL_STEPS,
    *("normal", "bronze", "silver", "gold"),
    *members.STATUSES,
    "all",  # the whole-population group of a breakdown
}
# a code as the code has it (tier_history, browse_no_order): snake_case with an underscore
RAW_CELL = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)+$")
# a money header names the currency: 收入（¥）, Revenue (¥)
MONEY_HEADER = re.compile(r"[（(](¥|\$|€|£|[A-Z]{3})[）)]$")
# columns whose codes are identifiers on purpose (the admin types them), by header key
IDENTIFIER_COLUMNS = ("col.benefit_code",)
# a value stored as JSON (an audit row's before/after) shown as it is stored
RAW_JSON = re.compile(r'^[\[{].*"\s*:.*[\]}]$')
# a column name as the code has it: lowercase (snake_case) words, perhaps with a currency
RAW_HEADER = re.compile(r"^[a-z][a-z0-9_]*( \(.+\))?$")
PERIOD = {"from": "2026-06-01", "to": "2026-06-16"}
MIN_LETTERS = 4
# three lowercase English words in a row: a sentence the code wrote, not a name
ENGLISH_WORDS = re.compile(r"(?<![\w@./-])[a-z]{2,}(?: [a-z]{2,}){2,}(?![\w@.-])")
PLACEHOLDER = re.compile(r"\{[^{}]*\}")
# a time zone's IANA name (America/Mexico_City) is a name, not a text to translate
TIME_ZONE_NAME = re.compile(r"^[A-Z][A-Za-z]+(/[A-Za-z0-9_+-]+)+$")

# each page opens on the store whose data it shows (and with these link parameters)
GROUPS: dict[str, tuple] = {
    "analytics": (
        build_analytics_store,
        [
            "overview",
            "channels",
            "tiers",
            "demographics",
            "activity",
            "retention",
            "ltv",
            "funnel",
            "paths",
            "hours",
        ],
        PERIOD,
    ),
    "segments": (
        build_tagged_segments_store,
        [
            "segments",
            "member_list",
            "member_profile",
            "alerts",
            "churn",
            "ltv_forecast",
            "models",
        ],
        {},
    ),
    "admin": (
        lambda path: with_history(build_admin_store(path)),
        ["audit", "data", "approvals", "accounts", "tier_rules", "members", "account"],
        {},
    ),
}
PAGE_QUERY = {"member_profile": {"member": "B_IN"}}


def with_history(store):
    """The admin store with what the audit log and the approvals page show: a status change,
    a tier override, two pending requests and a refused self-approval."""
    when = datetime(2026, 7, 1, 9, 0)
    members.set_status(store, "admin", "admin", 2, "frozen", "投诉", now=when)
    members.override_tier(store, "admin", "admin", 3, "gold", "补偿", now=when)
    listed = members.request_member_list_export(
        store, "admin", "admin", [1, 2], "高价值", "回访", date(2026, 6, 30), now=when
    )
    privacy.request_erasure(store, "admin", "admin", 4, "会员要求", now=when)
    with contextlib.suppress(approvals.ApprovalError, permissions.PermissionDenied):
        approvals.approve(store, "admin", "admin", listed, now=when)
    return store


def _english_only() -> list[str]:
    zh_texts = [entry.get("zh", "") for entry in i18n.CATALOGUE.values()]
    zh_all = "\n".join(zh_texts)
    pieces = set()
    for entry in i18n.CATALOGUE.values():
        en, zh = entry.get("en", ""), entry.get("zh", "")
        if en == zh:
            continue
        for piece in PLACEHOLDER.split(en.replace("{{", "{").replace("}}", "}")):
            piece = piece.strip(" \t\n:：,.;·—-–…()（）\"'/")
            if sum(ch.isascii() and ch.isalpha() for ch in piece) < MIN_LETTERS:
                continue
            if piece in zh_all:
                continue
            pieces.add(piece)
    return sorted(pieces, key=len, reverse=True)


ENGLISH_ONLY = _english_only()
ENGLISH_PATTERN = re.compile(
    "|".join(rf"(?<![A-Za-z]){re.escape(piece)}(?![A-Za-z])" for piece in ENGLISH_ONLY)
)


def open_app(username: str, query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["ml_session"] = {"username": username, "issued_at": time.time()}
    if query:
        at.query_params.update(query)
    at.run()
    assert not at.exception, at.exception
    return at


def visit(at: AppTest, page: str, query: dict | None = None) -> AppTest:
    at.query_params.clear()
    at.query_params.update(query or {})
    at.switch_page(f"pages/{page}.py").run()
    return at


def open_page(page: str, query: dict | None = None, username: str = "admin") -> AppTest:
    at = visit(open_app(username, query), page, query)
    assert not at.exception, at.exception
    return at


def headers(table) -> list[str]:
    """The headers a person sees: the column_config label, else the column name."""
    config = json.loads(table.proto.columns or "{}")
    shown = []
    for column in table.value.columns:
        entry = config.get(f"name:{column}") or config.get(str(column)) or {}
        shown.append(str(entry.get("label") or column))
    return shown


def _walk(node) -> Iterator:
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _walk(child)


def _chart_titles(spec: object) -> Iterator[str]:
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key == "title" and isinstance(value, str):
                yield value
            elif key == "title" and isinstance(value, list):
                yield from (str(item) for item in value)
            else:
                yield from _chart_titles(value)
    elif isinstance(spec, list):
        for item in spec:
            yield from _chart_titles(item)


def _untitled_tooltips(spec: object) -> Iterator[str]:
    """The fields of tooltip entries without a title: Vega-Lite shows the column's name."""
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key == "tooltip":
                entries = value if isinstance(value, list) else [value]
                for entry in entries:
                    if isinstance(entry, dict) and "field" in entry and "title" not in entry:
                        yield str(entry["field"])
            else:
                yield from _untitled_tooltips(value)
    elif isinstance(spec, list):
        for item in spec:
            yield from _untitled_tooltips(item)


def untitled_tooltips(at: AppTest) -> list[str]:
    found = []
    for node in _walk(at._tree):
        spec = getattr(getattr(node, "proto", None), "spec", None)
        if isinstance(spec, str) and spec.startswith("{"):
            found += [
                f"tooltip without a title: {f!r}" for f in _untitled_tooltips(json.loads(spec))
            ]
    return found


TEXT_FIELDS = ("label", "body", "help", "placeholder", "caption", "value", "delta")


def visible_texts(at: AppTest) -> list[tuple[str, str]]:
    """(where, text) for every text a person reads on the page, the sidebar included."""
    found: list[tuple[str, str]] = []
    for node in _walk(at._tree):
        proto = getattr(node, "proto", None)
        if proto is None or not hasattr(proto, "DESCRIPTOR"):
            continue
        kind = getattr(node, "type", type(node).__name__)
        fields = proto.DESCRIPTOR.fields_by_name
        if isinstance(node, Dataframe):
            found += [(f"{kind} header", header) for header in headers(node)]
            frame = node.value
            for column in frame.columns:
                if frame[column].dtype == object:
                    cells = frame[column].dropna().astype(str).unique()
                    found += [(f"{kind} cell", cell) for cell in cells]
            continue
        if "spec" in fields and isinstance(proto.spec, str) and proto.spec:
            try:
                spec = json.loads(proto.spec)
            except ValueError:
                spec = {}
            found += [(f"{kind} title", title) for title in _chart_titles(spec)]
            continue
        for name in TEXT_FIELDS:
            if name in fields and fields[name].type == fields[name].TYPE_STRING:
                text = getattr(proto, name)
                if isinstance(text, str) and text:
                    found.append((f"{kind} {name}", text))
        if "options" in fields:
            for option in proto.options:
                if isinstance(option, str):
                    found.append((f"{kind} option", option))
                elif hasattr(option, "label"):
                    found.append((f"{kind} option", option.label))
        for block in ("tab", "expandable"):
            if block in fields and proto.WhichOneof("type") == block:
                found.append((block, getattr(proto, block).label))
    return found


def formats_missing(table) -> list[str]:
    """A money column (its header names the currency) without a number format, or a column
    of dates drawn as date-times (``2026-06-01 00:00:00``)."""
    config = json.loads(table.proto.columns or "{}")
    found = []
    for column, shown in zip(table.value.columns, headers(table), strict=True):
        entry = config.get(f"name:{column}") or config.get(str(column)) or {}
        kind = entry.get("type_config") or {}
        values = table.value[column]
        if MONEY_HEADER.search(shown) and values.dtype.kind in "fi" and not kind.get("format"):
            found.append(f"money without a format in {shown!r}")
        if str(values.dtype).startswith("datetime64"):
            known = values.dropna()
            dates = len(known) and (known == known.dt.normalize()).all()
            if dates and not kind.get("format"):
                found.append(f"dates drawn with 00:00:00 in {shown!r}")
    return found


def problems(at: AppTest, lang: str = "en") -> list[str]:
    found = untitled_tooltips(at)
    for table in at.dataframe:
        found += formats_missing(table)
        for header in headers(table):
            if RAW_HEADER.match(header):
                found.append(f"header {header!r}")
        frame = table.value
        # a missing value is drawn as "None" unless the table has a placeholder
        blank = table.proto.HasField("placeholder") and table.proto.placeholder != "None"
        identifiers = {i18n.t(key, lang) for key in IDENTIFIER_COLUMNS}
        for column, shown in zip(frame.columns, headers(table), strict=True):
            if frame[column].isna().any() and not blank:
                found.append(f"None in column {column!r}")
            for value in frame[column].dropna().astype(str).unique():
                coded = value in RAW_CODES or RAW_CELL.match(value)
                if coded and shown not in identifiers:
                    found.append(f"code {value!r} in column {column!r}")
                if value == "None":
                    found.append(f"None in column {column!r}")
                if RAW_JSON.match(value):
                    found.append(f"JSON {value[:40]!r} in column {column!r}")
    for where, text in visible_texts(at):
        if text.strip() == "None":
            found.append(f"None as {where}")
        if lang == "zh" and not TIME_ZONE_NAME.match(text):
            match = ENGLISH_PATTERN.search(text) or ENGLISH_WORDS.search(text)
            if match:
                found.append(f"English {match.group(0)!r} in {where}: {text[:80]!r}")
    return sorted(set(found))


def set_language(store, lang: str, username: str = "admin") -> None:
    auth.set_language(store, username, lang)


@pytest.fixture(scope="module")
def sweep_stores(tmp_path_factory) -> Iterator[dict[str, Path]]:
    """The three stores of the sweep, built once for the module; only read by the sweep."""
    folder = tmp_path_factory.mktemp("sweep")
    paths = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(auth, "BCRYPT_ROUNDS", 4)
        for group, (build, _pages, _query) in GROUPS.items():
            path = folder / f"{group}.duckdb"
            add_accounts(build(path))
            paths[group] = path
        yield paths
    for path in paths.values():
        close_store(path)


def test_the_sweep_covers_every_page():
    swept = {page for _build, pages, _query in GROUPS.values() for page in pages}
    assert swept == {spec.key for spec in permissions.PAGES if spec.exists}
    assert len(ENGLISH_ONLY) > 500  # the rule keeps most of the catalogue
    assert "Sign out" in ENGLISH_ONLY and "ID" not in ENGLISH_ONLY


def test_the_untranslated_check_finds_english_in_zh_text():
    assert ENGLISH_PATTERN.search("会员 Sign out 了")
    assert not ENGLISH_PATTERN.search("会员 ID 与 RFM 分群")
    assert not ENGLISH_PATTERN.search("退出登录")


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
@pytest.mark.parametrize("role", [role.value for role in permissions.ROLES])
@pytest.mark.parametrize("group", list(GROUPS))
def test_every_page_of_every_role_shows_labels_in_its_language(
    sweep_stores, monkeypatch, group, role, lang
):
    """Each role opens each page of the group it may open; the problems are listed by page."""
    build, pages, query = GROUPS[group]
    mine = [page for page in pages if permissions.can_open(role, page)]
    if not mine:
        pytest.skip(f"{role} opens no page of the {group} group")
    monkeypatch.setattr(auth, "BCRYPT_ROUNDS", 4)
    monkeypatch.setenv("MEMBERLENS_DB", str(sweep_stores[group]))
    monkeypatch.setenv(auth.COOKIE_KEY_ENV_VAR, COOKIE_KEY)
    set_language(open_store(sweep_stores[group]), lang, role)
    at = open_app(role, query)
    denied = i18n.t("access.denied", lang, role=i18n.t(f"role.{role}", lang))
    found = {}
    for page in mine:
        page_query = {**query, **PAGE_QUERY.get(page, {})}
        visit(at, page, page_query)
        if at.exception:
            found[page] = [f"exception {at.exception[0].message}"]
            continue
        if any(error.value == denied for error in at.error):
            found[page] = ["refused"]
            continue
        page_problems = problems(at, lang)
        if page_problems:
            found[page] = page_problems
    assert found == {}, json.dumps(found, ensure_ascii=False, indent=1)


@pytest.fixture()
def analytics_store(tmp_path, monkeypatch):
    with app_store(tmp_path, monkeypatch, build_analytics_store, "labels.duckdb") as store:
        yield store


@pytest.fixture()
def admin_store(tmp_path, monkeypatch):
    with app_store(tmp_path, monkeypatch, build_admin_store, "labels.duckdb") as store:
        yield store


def test_the_admins_region_label_shows_on_the_admin_pages(admin_store):
    set_language(admin_store, "zh")
    labels.set_code_label(admin_store, "region", "浙江", None, "Zhejiang", "admin", "admin")
    at = open_page("members")
    assert problems(at, "zh") == []


def test_the_channel_table_shows_the_admins_label(analytics_store):
    set_language(analytics_store, "zh")
    labels.set_code_label(
        analytics_store, "channel", "wechat", "微信服务号", None, "admin", "admin"
    )
    at = open_page("channels", PERIOD)
    channels = at.dataframe[0].value[i18n.t("col.channel", "zh")].tolist()
    assert "微信服务号" in channels
    assert "抖音" in channels


def test_an_admin_sets_a_channel_label_on_the_data_page(admin_store):
    set_language(admin_store, "zh")
    at = open_page("data")
    at.selectbox(key="labels_code").select("wechat")
    at.text_input(key="labels_zh").input("微信服务号")
    at.text_input(key="labels_en").input("WeChat OA")
    save = [button for button in at.button if button.label == i18n.t("labels.save", "zh")]
    save[0].click().run()
    assert not at.exception and not at.error
    assert labels.label("channel", "wechat", "zh", admin_store) == "微信服务号"
    assert labels.label("channel", "wechat", "en", admin_store) == "WeChat OA"
    row = admin_store.df("select actor, target from audit_log where action = 'label.set'")
    assert row.values.tolist() == [["admin", "channel:wechat"]]


def _unformatted_app():
    import pandas as pd
    import streamlit as st

    frame = pd.DataFrame({"收入（¥）": [1234.5], "日期": pd.to_datetime(["2026-06-01"])})
    st.dataframe(frame)
    st.dataframe(
        frame,
        column_config={
            "收入（¥）": st.column_config.NumberColumn(format="¥%,.2f"),
            "日期": st.column_config.DateColumn(format="YYYY-MM-DD"),
        },
    )


def test_the_sweep_finds_money_and_dates_without_formats():
    at = AppTest.from_function(_unformatted_app).run()
    assert formats_missing(at.dataframe[0]) == [
        "money without a format in '收入（¥）'",
        "dates drawn with 00:00:00 in '日期'",
    ]
    assert formats_missing(at.dataframe[1]) == []

"""The translation catalogue (core/locales/zh.toml and en.toml): both languages hold the
same keys and fill the same placeholders, and the code uses every key.

A key is in use when the source (app.py, core/, pages/, data/) holds a string literal equal
to it, or when it starts with one of ``DYNAMIC_PREFIXES``: keys the code builds at run time
from a code, such as ``t(f"churn.action.{action}")``. Each prefix must be the fixed head of
an f-string in the source and must cover a key that no literal names, so the list cannot go
stale. A key under a prefix counts as used without proof that its code still occurs; the
prefixes stay narrow (``churn.action.``, not ``churn.``) to keep that blind spot small.
"""

from __future__ import annotations

import ast
import shutil
import string
from functools import cache
from pathlib import Path

import pytest

from core import i18n

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("app.py", "core", "pages", "data")

# Keys whose text is empty on purpose, in every language.
INTENTIONALLY_EMPTY = {
    # the note after the churn definition for a window the caller gave (core/churn.py,
    # source "given"): nothing to say about how it was chosen
    "churn.window.given",
}

# Key prefixes completed at run time, and the codes that complete them.
DYNAMIC_PREFIXES = {
    "action.": "alert actions (pages/alerts.py)",
    "analytics.window.": "period windows of the analytics filter (core/ui.py)",
    "approvals.kind.": "approval request kinds (pages/approvals.py)",
    "approvals.status.": "approval request states (pages/approvals.py)",
    "audit.group.": "audit action groups (pages/audit.py)",
    "by.": "retention cohort bases (pages/retention.py)",
    "churn.action.": "suggested churn actions (pages/churn.py, pages/member_profile.py)",
    "churn.by.": "Kaplan-Meier groupings (pages/churn.py)",
    "churn.window.": "how the churn window was chosen (pages/churn.py, pages/models.py)",
    "col.": "column headers by column name (pages/channels.py, churn.py, member_list.py)",
    "data_kind.": "import data kinds (core/ui.py, core/cli.py)",
    "dimension.": "break-down dimensions (pages/funnel.py, ltv.py, retention.py)",
    "filters.": "the filter bar's list parameters (core/ui.py)",
    "funnel.step.": "funnel steps (pages/funnel.py)",
    "funnel.unit.": "funnel units (pages/funnel.py)",
    "hours.group.": "time-of-day member groups (pages/hours.py)",
    "kind.": "alert rule kinds (pages/alerts.py)",
    "labels.kind.": "the kinds of code an admin may label (pages/data.py)",
    "kpi.": "overview KPI cards (core/ui.py)",
    "label.": "labels of codes: channel, device, gender, covariate, audit action (core/labels.py)",
    "lifecycle.": "lifecycle stages (pages/activity.py)",
    "ltvf.by.": "LTV forecast groupings (pages/ltv_forecast.py)",
    "member_list.source.": "member list sources (pages/member_list.py)",
    "members.error.": "member field refusals (core/members.py)",
    "members.field.": "editable member fields (pages/members.py, pages/approvals.py)",
    "members.status.": "member states (pages/members.py)",
    "metric.": "retention metrics (pages/retention.py)",
    "mode.": "retention modes (pages/retention.py)",
    "models.col.": "model comparison columns (core/models_view.py)",
    "models.kind.": "model kinds (core/models_view.py)",
    "models.left_out.": "what a model left out, by model and reason (core/models_view.py)",
    "models.model.": "model names (core/models_view.py, pages/models.py)",
    "models.part.": "parts of the churn score (core/models_view.py)",
    "models.reason.": "why a model was not fitted (core/models_view.py, pages/*)",
    "models.selected_by.": "how the score model was chosen (pages/models.py)",
    "models.step.": "model fit progress steps (pages/models.py)",
    "param.": "tag rule thresholds (pages/segments.py)",
    "role.": "role names (core/ui.py, pages/account.py, pages/accounts.py)",
    "segments.group.": "segment comparison groups (pages/segments.py)",
    "settings.": "store setting labels (core/settings.py)",
    "shape.missing.": "notes for a chart whose data kind is absent (core/data_shape.py)",
    "status.": "alert states (pages/alerts.py)",
    "tag.": "tag names (pages/alerts.py, member_list.py, member_profile.py, segments.py)",
    "tier_rules.basis.": "tier spend bases (pages/tier_rules.py, pages/data.py)",
    "unit.": "period units (core/ui.py, pages/activity.py, retention.py, tiers.py)",
    "weekday.": "ISO weekdays 1-7 (pages/hours.py)",
}


def read_texts() -> dict[str, dict[str, object]]:
    """Each language's file as written: language to (key to text)."""
    return {lang: i18n.read_locale(lang) for lang in i18n.LANGUAGES}


def one_sided_keys(texts: dict[str, dict[str, object]]) -> list[str]:
    """``key: missing from <lang>.toml`` for every key some file has and another lacks."""
    every = set().union(*texts.values())
    return [
        f"{key}: missing from {lang}.toml"
        for lang, table in texts.items()
        for key in sorted(every - set(table))
    ]


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


@cache
def source_strings() -> tuple[frozenset[str], frozenset[str]]:
    """The string literals in the source, and the fixed heads of its f-strings
    (``f"churn.action.{code}"`` has the head ``churn.action.``)."""
    literals: set[str] = set()
    heads: set[str] = set()
    for name in SOURCES:
        path = ROOT / name
        for file in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            tree = ast.parse(file.read_text(encoding="utf-8"), filename=str(file))
            parts: set[int] = set()
            for node in ast.walk(tree):
                if isinstance(node, ast.JoinedStr):
                    parts.update(id(value) for value in node.values)
                    first = node.values[0] if node.values else None
                    if isinstance(first, ast.Constant) and isinstance(first.value, str):
                        heads.add(first.value)
            for node in ast.walk(tree):
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    if id(node) not in parts:
                        literals.add(node.value)
    return frozenset(literals), frozenset(heads)


def unused_keys(keys, literals, prefixes) -> list[str]:
    """The keys that no literal names and no dynamic prefix covers."""
    return [key for key in keys if key not in literals and not key.startswith(tuple(prefixes))]


# -- both languages complete -------------------------------------------------------------


def test_both_files_hold_the_same_keys():
    assert one_sided_keys(read_texts()) == []


def test_a_key_added_to_one_file_only_is_named(tmp_path, monkeypatch):
    for lang in i18n.LANGUAGES:
        shutil.copy(i18n.LOCALES / f"{lang}.toml", tmp_path / f"{lang}.toml")
    with (tmp_path / "zh.toml").open("a", encoding="utf-8") as file:
        file.write('"overview.only_in_chinese" = "只有中文"\n')
    monkeypatch.setattr(i18n, "LOCALES", tmp_path)

    assert one_sided_keys(read_texts()) == ["overview.only_in_chinese: missing from en.toml"]


def test_every_text_is_a_string_and_none_is_empty_by_accident():
    for lang, table in read_texts().items():
        for key, text in table.items():
            assert isinstance(text, str), f"{key} in {lang}.toml is not a string"
            assert (text == "") == (key in INTENTIONALLY_EMPTY), f"{key} in {lang}.toml"


def test_the_intentionally_empty_keys_exist():
    assert INTENTIONALLY_EMPTY <= set(i18n.CATALOGUE)


def test_both_languages_fill_the_same_placeholders():
    texts = read_texts()
    differing = {
        key: (placeholders(texts["zh"][key]), placeholders(texts["en"][key]))
        for key in texts["zh"].keys() & texts["en"].keys()
        if placeholders(texts["zh"][key]) != placeholders(texts["en"][key])
    }
    assert differing == {}


def test_placeholders_are_read_as_format_fields():
    assert placeholders("已提交审批请求 #{id}，请等待{by}审批。{{literal}}") == {"id", "by"}


# -- the module reads the files ----------------------------------------------------------


def test_the_catalogue_is_both_files_key_by_key():
    texts = read_texts()
    assert i18n.CATALOGUE == {
        key: {lang: texts[lang][key] for lang in i18n.LANGUAGES} for key in texts["zh"]
    }


def test_texts_keep_their_newlines_quotes_and_braces():
    assert (
        i18n.t(
            "approvals.details",
            "en",
            summary="tier rules",
            reason="audit",
            expires="09:00",
            zone="Asia/Shanghai",
        )
        == "What: tier rules\n\nReason: audit\n\nExpires 09:00 (Asia/Shanghai)"
    )
    assert 'audit_key = "…"' in i18n.t("startup.audit_key", "zh", problem="x")
    assert i18n.t("approvals.done", "en", id=7) == "Request #7 done."


# -- every key in use --------------------------------------------------------------------


def test_every_key_is_used_by_the_code():
    literals, _ = source_strings()
    assert unused_keys(i18n.CATALOGUE, literals, DYNAMIC_PREFIXES) == []


def test_an_unused_key_is_named():
    literals, _ = source_strings()
    keys = ["churn.title", "churn.action.vip_care", "overview.nobody_uses_this"]
    assert unused_keys(keys, literals, DYNAMIC_PREFIXES) == ["overview.nobody_uses_this"]


@pytest.mark.parametrize("prefix", sorted(DYNAMIC_PREFIXES))
def test_each_dynamic_prefix_is_built_in_an_f_string(prefix):
    _, heads = source_strings()
    assert prefix in heads


@pytest.mark.parametrize("prefix", sorted(DYNAMIC_PREFIXES))
def test_each_dynamic_prefix_covers_a_key_no_literal_names(prefix):
    literals, _ = source_strings()
    assert [key for key in i18n.CATALOGUE if key.startswith(prefix) and key not in literals]

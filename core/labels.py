"""Labels for codes: the one place where a stored code becomes the words a person reads.

``label(kind, code, lang, store)`` names one code; ``label_frame(frame, {column: kind},
lang, store)`` names a table's code columns. The texts are in the translation catalogue
(``label.<kind>.<code>``, ``tag.<code>``, ``churn.action.<code>``, ``members.status.<code>``);
tier names come from the ``tiers`` table; channel and region labels an admin set in the
app (``code_labels``, :func:`set_code_label`) win over the catalogue. A code without a
label is shown as itself, an empty cell (None, NaN) as blank text.

CLI reports (``core/reports.py``) keep codes and machine headers: they are the contract.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping

import pandas as pd

from core import audit, i18n
from core.permissions import Capability
from core.store import Store

KINDS: tuple[str, ...] = (
    "channel",
    "device",
    "gender",
    "age_band",
    "status",
    "tier",
    "region",
    "tag",
    "tags",
    "tiers",
    "action",
    "covariate",
    "drivers",
    "audit_action",
    "role",
    "funnel_step",
    "group",
    "table",
    "access_event",
    "audit_outcome",
    "step",  # a path step's event type or pseudo-step (core/paths.py); pages stay as named
)
EDITABLE_KINDS: tuple[str, ...] = ("channel", "region")
"""Kinds whose labels are data an admin may set in the app."""

# kinds that hold a "|"- or ","-joined list of codes, and the kind of each code
_LISTS = {"drivers": "covariate", "tags": "tag", "tiers": "tier"}
_LIST_SEPARATOR = {"zh": "、", "en": ", "}
MAX_LABEL_CHARS = 40


class LabelError(ValueError):
    """A code label that may not be stored; ``code`` is its translation key."""

    def __init__(self, code: str, **values: object):
        super().__init__(code)
        self.code = code
        self.values = values


def _blank(code: object) -> bool:
    if code is None:
        return True
    if isinstance(code, float) and math.isnan(code):
        return True
    return code is pd.NA or code is pd.NaT or (isinstance(code, str) and code == "")


def _key(kind: str, code: str) -> str:
    """The catalogue key of a code; some kinds have keys older than this module."""
    if kind == "tag":
        return f"tag.{code}"
    if kind == "action":
        return f"churn.action.{code}"
    if kind == "status":
        return f"members.status.{code}"
    if kind == "role":
        return f"role.{code}"
    if kind == "funnel_step":
        return f"funnel.step.{code}"
    if kind == "access_event":  # as core.auth records it: account_create → account.create
        group, _, name = (
            code.partition("_") if code.startswith("account_") else ("access", "", code)
        )
        return f"label.audit_action.{group}.{name}"
    return f"label.{kind}.{code}"


def _catalogue(kind: str, code: str, lang: str) -> str | None:
    key = _key(kind, code)
    return i18n.t(key, lang) if key in i18n.CATALOGUE else None


def stored_labels(store: Store | None, kind: str, lang: str) -> dict[str, str]:
    """The labels the store holds for ``kind`` in ``lang``: tier names from ``tiers``, the
    admin's channel and region labels from ``code_labels``; nothing for other kinds."""
    if store is None:
        return {}
    column = "name_zh" if lang == "zh" else "name_en"
    if kind == "tier":
        frame = store.df(f"select tier_code as code, {column} as label from tiers")  # noqa: S608
    elif kind in EDITABLE_KINDS:
        column = "label_zh" if lang == "zh" else "label_en"
        frame = store.df(
            f"select code, {column} as label from code_labels "  # noqa: S608 (column above)
            f"where kind = $kind and {column} is not null and {column} <> ''",
            {"kind": kind},
        )
    else:
        return {}
    return dict(zip(frame["code"], frame["label"], strict=True))


def _covariate(code: str, lang: str, known: Mapping[str, Mapping[str, str]]) -> str:
    """``log_monetary_365`` → 近一年消费额（对数）; ``channel=free_trial`` → 渠道：免费试用."""
    column, equals, level = code.partition("=")
    if not equals:
        return _catalogue("covariate", code, lang) or code
    name = _catalogue("covariate", column, lang) or column
    shown = _one(column, level, lang, known) if column in KINDS else level
    return f"{name}：{shown}" if lang == "zh" else f"{name}: {shown}"


def _one(kind: str, code: object, lang: str, known: Mapping[str, Mapping[str, str]]) -> str:
    if kind in _LISTS and not isinstance(code, str) and hasattr(code, "__iter__"):
        code = "|".join(str(part) for part in code)  # a list column (DuckDB array)
    if _blank(code):
        return ""
    code = str(code)
    if kind in _LISTS:
        parts = [part.strip() for part in code.replace(",", "|").split("|") if part.strip()]
        inner = _LISTS[kind]
        return _LIST_SEPARATOR.get(lang, ", ").join(_one(inner, p, lang, known) for p in parts)
    if kind == "covariate":
        return _covariate(code, lang, known)
    stored = known.get(kind, {}).get(code)
    if stored:
        return stored
    return _catalogue(kind, code, lang) or code


def _known(kinds: Iterable[str], lang: str, store: Store | None) -> dict[str, dict[str, str]]:
    wanted = set(kinds)
    if wanted & {"drivers", "covariate", "tiers"}:
        wanted |= {"tier", "channel", "device"}
    return {kind: stored_labels(store, kind, lang) for kind in wanted if kind in KINDS}


def label(kind: str, code: object, lang: str = i18n.DEFAULT_LANGUAGE, store=None) -> str:
    """The label of ``code`` of ``kind`` in ``lang``; the code itself when none is known,
    blank for a missing value. ``drivers`` and ``tags`` take a ``|``-joined list."""
    if kind not in KINDS:
        raise LabelError("labels.error.kind", kind=kind)
    return _one(kind, code, lang, _known([kind], lang, store))


def labeller(kind: str, lang: str = i18n.DEFAULT_LANGUAGE, store=None):
    """:func:`label` for many codes of one kind, reading the store once."""
    if kind not in KINDS:
        raise LabelError("labels.error.kind", kind=kind)
    known = _known([kind], lang, store)
    return lambda code: _one(kind, code, lang, known)


def tier_labels(lang: str = i18n.DEFAULT_LANGUAGE, store=None) -> dict[str, str]:
    """Tier code → its label, in the tiers' order (lowest rank first): the order of tier
    charts, legends and colours."""
    if store is None:
        return {}
    codes = store.df("select tier_code from tiers order by rank")["tier_code"]
    name = labeller("tier", lang, store)
    return {code: name(code) for code in codes}


def label_frame(
    frame: pd.DataFrame,
    kinds: Mapping[str, str],
    lang: str = i18n.DEFAULT_LANGUAGE,
    store=None,
) -> pd.DataFrame:
    """A copy of ``frame`` with each column of ``kinds`` (column → kind) shown as labels;
    columns not in the frame are skipped. Each distinct code is looked up once."""
    present = {column: kind for column, kind in kinds.items() if column in frame.columns}
    if not present:
        return frame
    known = _known(present.values(), lang, store)
    shown = frame.copy()
    for column, kind in present.items():
        values = shown[column].astype("object")
        if kind in _LISTS:  # lists are not hashable: each cell on its own
            shown[column] = values.map(lambda code, kind=kind: _one(kind, code, lang, known))
            continue
        names = {code: _one(kind, code, lang, known) for code in values.dropna().unique()}
        shown[column] = values.map(lambda code, names=names: "" if _blank(code) else names[code])
    return shown


# -- the admin's labels ----------------------------------------------------------------------


def codes_in_use(store: Store, kind: str) -> list[str]:
    """The codes of a channel or region kind in the members' data or with a label."""
    if kind not in EDITABLE_KINDS:
        raise LabelError("labels.error.kind", kind=kind)
    frame = store.df(
        f"select distinct {kind} as code from members where {kind} is not null "  # noqa: S608
        "union select code from code_labels where kind = $kind order by code",
        {"kind": kind},
    )
    return frame["code"].tolist()


def code_labels(store: Store, kind: str | None = None) -> pd.DataFrame:
    """The labels an admin set: ``kind``, ``code``, ``label_zh``, ``label_en``,
    ``updated_by``, ``updated_at``."""
    return store.df(
        "select kind, code, label_zh, label_en, updated_by, updated_at from code_labels "
        "where $kind is null or kind = $kind order by kind, code",
        {"kind": kind},
    )


def _clean(value: str | None) -> str | None:
    text = (value or "").strip()
    if len(text) > MAX_LABEL_CHARS:
        raise LabelError("labels.error.long", most=MAX_LABEL_CHARS)
    return text or None


def set_code_label(
    store: Store,
    kind: str,
    code: str,
    label_zh: str | None,
    label_en: str | None,
    actor: str,
    role: str | None,
) -> None:
    """Set (or, with both labels empty, remove) the admin label of a channel or region code;
    admins only. The change and its audit row (``label.set``, before and after) commit
    together; setting the labels already stored changes and records nothing."""
    target = f"{kind}:{code}"
    audit.require(store, actor, role, Capability.MANAGE_SETTINGS, "label.set", target)
    if kind not in EDITABLE_KINDS:
        raise LabelError("labels.error.kind", kind=kind)
    code = (code or "").strip()
    if not code:
        raise LabelError("labels.error.code")
    new = {"label_zh": _clean(label_zh), "label_en": _clean(label_en)}
    with store.transaction() as cur:
        row = cur.execute(
            "select label_zh, label_en from code_labels where kind = $kind and code = $code",
            {"kind": kind, "code": code},
        ).fetchone()
        old = {"label_zh": row[0], "label_en": row[1]} if row else None
        if old == new or (old is None and not any(new.values())):
            return
        if any(new.values()):
            cur.execute(
                "insert or replace into code_labels values "
                "($kind, $code, $zh, $en, $actor, current_timestamp)",
                {"kind": kind, "code": code, "zh": new["label_zh"], "en": new["label_en"],
                 "actor": actor},
            )  # fmt: skip
        else:
            cur.execute(
                "delete from code_labels where kind = $kind and code = $code",
                {"kind": kind, "code": code},
            )
        audit.record(
            cur,
            actor=actor,
            role=role,
            action="label.set",
            target=target,
            before=old,
            after=new if any(new.values()) else None,
        )


# audit before/after fields whose values are codes, and the kind of their labels
AUDIT_VALUE_KINDS = {
    "status": "status",
    "tier": "tier",
    "tier_override": "tier",
    "old_tier": "tier",
    "new_tier": "tier",
    "tiers": "tiers",
    "channel": "channel",
    "region": "region",
    "device": "device",
    "gender": "gender",
    "role": "role",
    "tag": "tag",
    "outcome": "audit_outcome",
    "attempted": "audit_action",
}
# catalogue keys that may name the value of a free-text audit field, first found wins:
# "kind" (an approval request's kind, or the kind of a code label) and "needs" (who may do
# what was refused: a capability, or a phrase of core.approvals / core.segments / core.auth)
_NEEDS = {
    "another person than the requester": "other_than_requester",
    "the requester": "requester",
    "segment owner or admin": "segment_owner",
    "another admin": "another_admin",
}
_AUDIT_TEXT_KEYS = {
    "kind": lambda v: (f"approvals.kind.{v}", f"labels.kind.{v}", f"kind.{v}"),
    "needs": lambda v: (f"label.audit_needs.{_NEEDS.get(v, v)}",),
}
_AUDIT_SEPARATOR = {"zh": ("：", "；"), "en": (": ", "; ")}


def audit_field(name: str, lang: str = i18n.DEFAULT_LANGUAGE) -> str:
    """The name of an audit before/after field (``label.audit_field.<name>``), else the
    column header (``col.<name>``) or store setting (``settings.<name>``) of that name,
    else the name itself."""
    for key in (f"label.audit_field.{name}", f"col.{name}", f"settings.{name}"):
        if key in i18n.CATALOGUE:
            return i18n.t(key, lang)
    return name


def audit_values(text: object, lang: str = i18n.DEFAULT_LANGUAGE, store=None) -> str:
    """An audit row's before or after value (stored as JSON) as a person reads it: field
    names translated and codes as labels, ``{"status": "frozen"}`` → ``状态：冻结``.
    Blank for no value; a value that is not a JSON object is shown as it is."""
    if _blank(text):
        return ""
    try:
        values = json.loads(str(text))
    except ValueError:
        return str(text)
    if not isinstance(values, dict):
        return _audit_value(None, values, lang, store)
    colon, separator = _AUDIT_SEPARATOR.get(lang, _AUDIT_SEPARATOR["en"])
    return separator.join(
        f"{audit_field(name, lang)}{colon}{_audit_value(name, value, lang, store)}"
        for name, value in values.items()
    )


def _audit_value(name: str | None, value: object, lang: str, store) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return i18n.t("label.audit_value.yes" if value else "label.audit_value.no", lang)
    if isinstance(value, list):
        return _LIST_SEPARATOR.get(lang, ", ").join(
            _audit_value(name, item, lang, store) for item in value
        )
    if isinstance(value, dict):
        return "(" + audit_values(json.dumps(value), lang, store) + ")"
    kind = AUDIT_VALUE_KINDS.get(name or "")
    if name in ("kind", "needs"):
        for key in _AUDIT_TEXT_KEYS[name](str(value)):
            if key in i18n.CATALOGUE:
                return i18n.t(key, lang)
        return str(value)
    failures = re.fullmatch(r"failures=(\d+)", str(value)) if name == "detail" else None
    if failures:  # a counted sign-in attempt (core.auth)
        return i18n.t("label.audit_detail.failures", lang, n=int(failures.group(1)))
    if name == "detail" and str(value) in {"viewer", "analyst", "support", "operator", "admin"}:
        kind = "role"  # an account's role when it was created
    if kind is not None:
        return _one(kind, value, lang, _known([kind], lang, store))
    return str(value)

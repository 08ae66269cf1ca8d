"""Personal data masked by role (SPEC §1, §8): phone, e-mail, name, address, nickname and
birth date.

Roles without :attr:`~core.permissions.Capability.VIEW_PII` (``core.permissions.masks_pii``)
see every personal value masked, in tables, exports and logs alike; the masked form keeps
just enough to tell two members apart on a call (``138****0000``, ``z***@example.com``,
``张**``, ``浙江省杭州市****``, ``1990-**-**``) and never the full value.

Use :func:`mask_frame` for a table shown on screen and :func:`export_frame` for a download:
an export for a masking role leaves the personal columns out altogether (member ids and
non-personal columns only), since a masked column has no use in a file.

Both display helpers also drop bidi control characters from every text value, for every
role (:func:`display_text`): a right-to-left override in a nickname would make
``abc\u202egpj.exe`` read as ``abcexe.jpg`` on screen. The store keeps the value as given.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from core.permissions import masks_pii

MASK = "*"
# Bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) and the LRM / RLM
# marks (U+200E, U+200F): dropped from displayed text.
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f"
_WITHOUT_BIDI = str.maketrans("", "", BIDI_CONTROLS)
PII_COLUMNS: tuple[str, ...] = ("phone", "email", "name", "address", "nickname", "birth_date")


def _missing(value: object) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value))


def display_text(value: object) -> object:
    """``value`` without bidi control characters (:data:`BIDI_CONTROLS`) when it is text;
    anything else unchanged."""
    if isinstance(value, str):
        return value.translate(_WITHOUT_BIDI)
    return value


def mask_phone(value: str | None) -> str | None:
    """``13800000000`` → ``138****0000``: the first 3 and last 4 digits of 11 and more.

    Shorter numbers keep at most their first and last two characters; a number of four
    characters or fewer is masked completely.
    """
    if _missing(value):
        return None
    text = str(value).strip()
    if len(text) >= 11:
        return text[:3] + MASK * 4 + text[-4:]
    if len(text) > 4:
        return text[:2] + MASK * 4 + text[-2:]
    return MASK * 4


def mask_email(value: str | None) -> str | None:
    """``zhang.wei@example.com`` → ``z***@example.com``: first character and the domain."""
    if _missing(value):
        return None
    text = str(value).strip()
    local, at, domain = text.rpartition("@")
    if not at or not local:
        return MASK * 3
    return local[0] + MASK * 3 + "@" + domain


def mask_name(value: str | None) -> str | None:
    """``张三丰`` → ``张**``, ``Li Lei`` → ``L*****``: the first character only."""
    if _missing(value):
        return None
    text = str(value).strip()
    if not text:
        return text
    return text[0] + MASK * max(len(text) - 1, 1)


def mask_address(value: str | None) -> str | None:
    """``浙江省杭州市西湖区文三路 1 号`` → ``浙江省杭州市****``: the first 6 characters
    (province and city in a Chinese address), at most half of the address."""
    if _missing(value):
        return None
    text = str(value).strip()
    keep = min(6, len(text) // 2)
    return text[:keep] + MASK * 4


def mask_birth_date(value: object) -> str | None:
    """``1990-05-01`` → ``1990-**-**``: the year only (enough for an age band)."""
    if _missing(value):
        return None
    text = str(value).strip()
    return text[:4] + "-**-**" if len(text) >= 4 else MASK * 4


MASKERS: dict[str, Callable[[str | None], str | None]] = {
    "phone": mask_phone,
    "email": mask_email,
    "name": mask_name,
    "address": mask_address,
    "nickname": mask_name,  # a nickname often is the name, or finds the person online
    "birth_date": mask_birth_date,
}


def mask_value(column: str, value: str | None, role: str | None) -> str | None:
    """One value as ``role`` may see it: without bidi controls, and masked when personal
    (unmasked for support and admin)."""
    value = display_text(value)
    if not masks_pii(role) or column not in MASKERS:
        return value
    return MASKERS[column](value)


def mask_record(record: dict, role: str | None) -> dict:
    """A member's attributes (a dict) with the personal ones masked for ``role``."""
    return {key: mask_value(key, value, role) for key, value in record.items()}


def mask_frame(frame: pd.DataFrame, role: str | None) -> pd.DataFrame:
    """A copy of ``frame`` for display: text without bidi controls, personal columns
    masked for ``role``."""
    masked = frame.copy()
    for column in masked.columns:
        if masked[column].dtype == object or pd.api.types.is_string_dtype(masked[column]):
            masked[column] = [display_text(value) for value in masked[column]]
    if not masks_pii(role):
        return masked
    for column in PII_COLUMNS:
        if column in masked.columns:
            masked[column] = [MASKERS[column](value) for value in masked[column]]
    return masked


def export_frame(frame: pd.DataFrame, role: str | None) -> pd.DataFrame:
    """What ``role`` may download: personal columns dropped for masking roles, else all."""
    if not masks_pii(role):
        return frame.copy()
    return frame.drop(columns=[c for c in PII_COLUMNS if c in frame.columns])


def mask_text(text: str, known: dict[str, str | None], role: str | None) -> str:
    """``text`` (a log line, a message) with each known personal value replaced by its mask.

    ``known`` maps a column name (``phone``, ``email``, …) to the member's value.
    """
    if not masks_pii(role):
        return text
    for column, value in known.items():
        if column in MASKERS and not _missing(value) and str(value):
            text = text.replace(str(value), MASKERS[column](value) or "")
    return text

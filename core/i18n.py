"""The translation layer: every user-visible string, in Simplified Chinese and English.

The texts are data: ``core/locales/zh.toml`` and ``core/locales/en.toml`` hold one flat
table each (key to text), read once at import into ``CATALOGUE`` (key to ``{"zh", "en"}``).
``t(key, lang, **values)`` looks a string up and fills ``{placeholders}``. The ``fmt_*``
names below are thin wrappers of :mod:`core.formats`, the one home of number, money,
percentage and date formats.
"""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path

from core import formats

LANGUAGES: tuple[str, ...] = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
LANGUAGE_NAMES = {"zh": "中文", "en": "English"}
EMPTY = formats.EMPTY

LOCALES = Path(__file__).with_name("locales")


def read_locale(lang: str) -> dict[str, object]:
    """The texts of one language as written in ``core/locales/<lang>.toml``: key to text."""
    with (LOCALES / f"{lang}.toml").open("rb") as file:
        return tomllib.load(file)


def _catalogue() -> dict[str, dict[str, str]]:
    """Every key with its text per language; a key missing from one file has no text there."""
    texts = {lang: read_locale(lang) for lang in LANGUAGES}
    keys = dict.fromkeys(key for lang in LANGUAGES for key in texts[lang])
    return {
        key: {lang: texts[lang][key] for lang in LANGUAGES if key in texts[lang]} for key in keys
    }


CATALOGUE: dict[str, dict[str, str]] = _catalogue()


def t(key: str, lang: str = DEFAULT_LANGUAGE, **values: object) -> str:
    """The text for ``key`` in ``lang`` with ``{placeholders}`` filled from ``values``."""
    entry = CATALOGUE.get(key)
    if entry is None:
        return key
    text = entry.get(lang if lang in LANGUAGES else DEFAULT_LANGUAGE) or entry["en"]
    return text.format(**values) if values else text


def normalise_language(value: object) -> str:
    return value if isinstance(value, str) and value in LANGUAGES else DEFAULT_LANGUAGE


# Number, money, percentage and date formats live in core/formats.py; these names stay
# for the callers that format through the translation layer.


def fmt_int(value: float | int | None, lang: str = DEFAULT_LANGUAGE) -> str:
    """A whole number with thousands separators: ``12,345`` (:func:`core.formats.count`)."""
    return formats.count(value)


def fmt_number(value: float | int | None, lang: str = DEFAULT_LANGUAGE, digits: int = 1) -> str:
    """A number with ``digits`` decimals (:func:`core.formats.number`)."""
    return formats.number(value, digits)


def fmt_money(
    value: float | int | None,
    lang: str = DEFAULT_LANGUAGE,
    digits: int = 2,
    currency: str | None = None,
) -> str:
    """Money in the store currency: ``¥12,345.67`` (:func:`core.formats.money`)."""
    return formats.money(value, digits, currency)


def money_label(text: str, currency: str | None = None, lang: str = DEFAULT_LANGUAGE) -> str:
    """A money column or axis title with its currency (:func:`core.formats.money_label`)."""
    return formats.money_label(text, currency, lang)


def fmt_percent(value: float | None, lang: str = DEFAULT_LANGUAGE, digits: int = 1) -> str:
    """A share as a percentage: ``0.1234`` → ``12.3%`` (:func:`core.formats.rate`)."""
    return formats.rate(value, digits)


def fmt_change(value: float | None, kind: str, lang: str = DEFAULT_LANGUAGE) -> str | None:
    """A change for a KPI card (:func:`core.formats.change`)."""
    return formats.change(value, kind, lang)


def fmt_date(value: date | None, lang: str = DEFAULT_LANGUAGE) -> str:
    """A date as a date (:func:`core.formats.day`)."""
    return formats.day(value)

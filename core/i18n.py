"""The translation layer: every user-visible string, in Simplified Chinese and English.

The texts are data: ``core/locales/zh.toml`` and ``core/locales/en.toml`` hold one flat
table each (key to text), read once at import into ``CATALOGUE`` (key to ``{"zh", "en"}``).
``t(key, lang, **values)`` looks a string up and fills ``{placeholders}``. Number, money
and percentage formatting for each language lives here too, so a page never formats a
number itself. Missing values (``None``, for example an incomplete retention cell) are
shown as an em dash, never as zero.
"""

from __future__ import annotations

import math
import tomllib
from datetime import date
from pathlib import Path

from core import currency as currencies

LANGUAGES: tuple[str, ...] = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
LANGUAGE_NAMES = {"zh": "中文", "en": "English"}
EMPTY = "—"

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


def _missing(value: float | int | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt_int(value: float | int | None, lang: str = DEFAULT_LANGUAGE) -> str:
    """A whole number with thousands separators: ``12,345`` (both languages)."""
    if _missing(value):
        return EMPTY
    return f"{round(value):,}"


def fmt_number(value: float | int | None, lang: str = DEFAULT_LANGUAGE, digits: int = 1) -> str:
    """A number with ``digits`` decimals and thousands separators."""
    if _missing(value):
        return EMPTY
    return f"{value:,.{digits}f}"


def fmt_money(
    value: float | int | None,
    lang: str = DEFAULT_LANGUAGE,
    digits: int = 2,
    currency: str | None = None,
) -> str:
    """Money in the store currency (default CNY) with thousands separators: ``¥12,345.67``,
    ``$12,345.67``, ``CHF 12,345.67``; never more decimals than the currency has (JPY 0)."""
    if _missing(value):
        return EMPTY
    found = currencies.currency(currency)
    digits = min(digits, found.digits)
    prefix = found.symbol or f"{found.code} "
    sign = "-" if value < 0 else ""
    return f"{sign}{prefix}{abs(value):,.{digits}f}"


def money_label(text: str, currency: str | None = None, lang: str = DEFAULT_LANGUAGE) -> str:
    """A money column or axis title with its currency: ``收入（¥）``, ``Revenue ($)``."""
    shown = currencies.symbol(currency)
    return f"{text}（{shown}）" if lang == "zh" else f"{text} ({shown})"


def fmt_percent(value: float | None, lang: str = DEFAULT_LANGUAGE, digits: int = 1) -> str:
    """A share as a percentage: ``0.1234`` → ``12.3%``."""
    if _missing(value):
        return EMPTY
    return f"{value * 100:.{digits}f}%"


def fmt_change(value: float | None, kind: str, lang: str = DEFAULT_LANGUAGE) -> str | None:
    """A change for a KPI card: relative (``+12.3%``) or in percentage points.

    Returns None when there is nothing to compare, so no delta is drawn at all.
    """
    if _missing(value):
        return None
    if kind == "points":
        unit = " 个百分点" if lang == "zh" else " pp"
        return f"{value * 100:+.1f}{unit}"
    return f"{value * 100:+.1f}%"


def fmt_date(value: date | None, lang: str = DEFAULT_LANGUAGE) -> str:
    if value is None:
        return EMPTY
    return value.isoformat()

"""How numbers and dates read: money, counts, rates, changes and dates in zh and en.

The one home of presentation formats (STYLE.md, "Presentation has one home"): KPI cards,
captions and exports call these functions; tables get the matching Streamlit column
formats from :func:`column_formats`; charts get the matching d3 formats from
:mod:`core.charts`. No Streamlit here.

- Money is in the store currency (:mod:`core.currency`) with thousands separators:
  ``¥12,345.67``; a negative amount takes a true minus sign in front: ``−¥1,234.00``.
- Compact figures for cards: ``万``/``亿`` in Chinese (``¥139.5万``, ``1.2亿``) and
  ``K``/``M``/``B`` in English (``¥1.4M``), from ten thousand up; below that the full figure.
- Rates have one decimal (``12.3%``); a rate that is not zero never reads ``0.0%``: it gets
  the decimals it needs (``0.04%``).
- Dates read as dates (``2026-06-10``), never with a midnight ``00:00:00``.
- Missing values (``None``, NaN, NaT) are an em dash, never zero.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from core import currency as currencies

EMPTY = "—"
MINUS = "\u2212"  # the minus sign d3 (Vega) draws too, so cards and charts agree

# Compact units, largest first: (size, zh suffix, en suffix). A figure below the smallest
# unit is shown in full. 万 (10⁴) and 亿 (10⁸) are the Chinese units; K/M/B the English.
COMPACT_FROM = 10_000
_ZH_UNITS = ((100_000_000, "亿"), (10_000, "万"))
_EN_UNITS = ((1_000_000_000, "B"), (1_000_000, "M"), (1_000, "K"))

# The most decimals a tiny rate gets before it is shown as "<0.0001%".
_RATE_MAX_DIGITS = 4


def missing(value: object) -> bool:
    """None, NaN or a pandas missing marker (NaT, NA)."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    try:
        return bool(value != value)  # NaT and pd.NA are not equal to themselves
    except (TypeError, ValueError):
        return False


def _fixed(value: float | int, digits: int) -> str:
    """``|value|`` with ``digits`` decimals and thousands separators, halves rounded away
    from zero as people round money (``1,234.5`` yen is ``1,235``, not the float's
    half-to-even ``1,234``)."""
    exact = Decimal(str(abs(value))).quantize(Decimal(1).scaleb(-digits), ROUND_HALF_UP)
    return f"{exact:,.{digits}f}"


def count(value: float | int | None) -> str:
    """A whole number with thousands separators: ``12,345`` (both languages)."""
    if missing(value):
        return EMPTY
    text = _fixed(value, 0)
    return f"{MINUS if value < 0 and text != '0' else ''}{text}"


def number(value: float | int | None, digits: int = 1) -> str:
    """A number with ``digits`` decimals and thousands separators."""
    if missing(value):
        return EMPTY
    text = _fixed(value, digits)
    negative = value < 0 and text.strip("0.,") != ""
    return f"{MINUS if negative else ''}{text}"


def money(value: float | int | None, digits: int = 2, currency: str | None = None) -> str:
    """Money in the store currency (default CNY) with thousands separators: ``¥12,345.67``,
    ``$12,345.67``, ``CHF 12,345.67``, ``−¥1,234.00``; never more decimals than the currency
    has (JPY 0)."""
    if missing(value):
        return EMPTY
    found = currencies.currency(currency)
    digits = min(digits, found.digits)
    text = _fixed(value, digits)
    negative = value < 0 and text.strip("0.,") != ""
    return f"{MINUS if negative else ''}{_prefix(currency)}{text}"


def _prefix(currency: str | None) -> str:
    found = currencies.currency(currency)
    return found.symbol or f"{found.code} "


def compact(value: float | int | None, lang: str) -> str:
    """A count for a card: in full below ten thousand (``9,999``), else one decimal in
    ``万``/``亿`` (zh: ``13.9万``, ``1.2亿``) or ``K``/``M``/``B`` (en: ``13.9K``, ``1.2M``)."""
    if missing(value):
        return EMPTY
    scaled = _compact(value, lang)
    if scaled is None:
        return count(value)
    return scaled


def money_compact(value: float | int | None, lang: str, currency: str | None = None) -> str:
    """Money for a KPI card, short enough never to be cut off: in full below ten thousand
    (``¥9,876.50``), else ``¥139.5万``, ``¥1.2亿`` (zh) or ``¥1.4M`` (en); ``−¥2.5万``."""
    if missing(value):
        return EMPTY
    scaled = _compact(abs(value), lang)
    if scaled is None:
        return money(value, currency=currency)
    return f"{MINUS if value < 0 else ''}{_prefix(currency)}{scaled}"


def _compact(value: float | int, lang: str) -> str | None:
    """``value`` in the largest unit it reaches after rounding to one decimal, so that
    99,999,999 is ``1.0亿`` (not ``10,000.0万``); None below ``COMPACT_FROM``."""
    size = abs(value)
    if size < COMPACT_FROM:
        return None
    sign = MINUS if value < 0 else ""
    units = _ZH_UNITS if lang == "zh" else _EN_UNITS
    for unit, suffix in units:
        scaled = round(size / unit, 1)
        if scaled >= 1:
            return f"{sign}{scaled:,.1f}{suffix}"
    return None


def rate(value: float | None, digits: int = 1) -> str:
    """A share as a percentage with ``digits`` decimals: ``0.1234`` → ``12.3%``. A rate that
    is not zero gets the decimals it needs so it never reads as zero: ``0.0004`` →
    ``0.04%``; below ``0.0001%`` it is ``<0.0001%``."""
    if missing(value):
        return EMPTY
    percent = value * 100
    shown = digits
    while percent != 0 and round(abs(percent), shown) == 0 and shown < _RATE_MAX_DIGITS:
        shown += 1
    if percent != 0 and round(abs(percent), shown) == 0:
        return f"<{10**-_RATE_MAX_DIGITS:.{_RATE_MAX_DIGITS}f}%"
    text = f"{abs(percent):.{shown}f}"
    return f"{MINUS if percent < 0 else ''}{text}%"


def points(value: float | None, lang: str, digits: int = 1) -> str:
    """A difference of two rates in percentage points, without a sign: ``0.587`` →
    ``58.7 个百分点`` / ``58.7 pp`` (a fall of a retention rate, for instance)."""
    if missing(value):
        return EMPTY
    unit = " 个百分点" if lang == "zh" else " pp"
    shown = _fixed(value * 100, digits)
    sign = MINUS if value < 0 and shown.strip("0.,") else ""
    return f"{sign}{shown}{unit}"


def count_and_rate(count_value: float | int | None, rate_value: float | None) -> str:
    """A bar label with a count and a rate: ``12,345 · 38.2%``; just the count when the rate
    is missing (a funnel's first step)."""
    if missing(rate_value):
        return count(count_value)
    return f"{count(count_value)} · {rate(rate_value)}"


def change(value: float | None, kind: str, lang: str) -> str | None:
    """A change for a KPI card: relative (``+12.3%``) or in percentage points
    (``+1.2 个百分点``, ``+1.2 pp``). None when there is nothing to compare, so no delta is
    drawn at all. The sign is ASCII: Streamlit colours a delta by its leading ``-``."""
    if missing(value):
        return None
    if kind == "points":
        unit = " 个百分点" if lang == "zh" else " pp"
        return f"{value * 100:+.1f}{unit}"
    return f"{value * 100:+.1f}%"


def money_label(text: str, currency: str | None = None, lang: str = "zh") -> str:
    """A money column or axis title with its currency: ``收入（¥）``, ``Revenue ($)``."""
    shown = currencies.symbol(currency)
    return f"{text}（{shown}）" if lang == "zh" else f"{text} ({shown})"


def zone_label(text: str, zone: str, lang: str = "zh") -> str:
    """A time column or caption with its time zone: ``更新时间（Asia/Shanghai）``."""
    return f"{text}（{zone}）" if lang == "zh" else f"{text} ({zone})"


def day(value: date | datetime | str | None) -> str:
    """A date as a date: ``2026-06-10`` (a datetime or pandas Timestamp loses its time)."""
    if missing(value):
        return EMPTY
    if isinstance(value, str):
        return value[:10]
    if isinstance(value, datetime):
        value = value.date()
    return value.isoformat()


def moment(value: datetime | date | None) -> str:
    """A point in time to the minute, ``2026-06-10 14:05``; a midnight shows as the date."""
    if missing(value):
        return EMPTY
    if not isinstance(value, datetime):
        return day(value)
    if (value.hour, value.minute, value.second, value.microsecond) == (0, 0, 0, 0):
        return day(value)
    return value.strftime("%Y-%m-%d %H:%M")


# -- table columns ----------------------------------------------------------------------------

# Columns by what they hold, by name (the vocabulary of core/metrics.py, core/churn.py and
# core/segments.py). Money columns are core.currency.MONEY_COLUMNS.
COUNT_COLUMNS: frozenset[str] = frozenset(
    {
        "members", "signups", "orders", "buyers", "events", "retained", "cohort_size",
        "eligible", "repurchases", "searches", "active_members", "new_members", "paid_orders",
        "purchasers", "visitors", "count", "at_risk", "dau", "wau", "mau", "users",
        "d1_eligible", "d7_eligible", "d30_eligible",
    }
)  # fmt: skip
# click paths (core/paths.py)
COUNT_COLUMNS = COUNT_COLUMNS | {
    "transitions", "sessions", "loops", "views", "timed_views", "previous_transitions",
}  # fmt: skip
RATE_COLUMNS: frozenset[str] = frozenset(
    {
        "rate", "share", "d1", "d7", "d30", "roi", "stickiness", "drop_off", "drop_share",
        "churn_probability", "mean_p_alive", "p_alive", "share_of_from", "growth", "change",
        "purchase_rate", "activation_rate", "retention", "conversion",
    }
)  # fmt: skip
_RATE_PREFIXES = ("conversion_", "rate_", "share_")
_RATE_SUFFIXES = ("_rate", "_share", "_pct")


def column_kind(name: str) -> str | None:
    """``"money"``, ``"count"`` or ``"rate"`` for a metric column by its name, else None."""
    if name in currencies.MONEY_COLUMNS:
        return "money"
    if name in RATE_COLUMNS or name.startswith(_RATE_PREFIXES) or name.endswith(_RATE_SUFFIXES):
        return "rate"
    if name in COUNT_COLUMNS:
        return "count"
    return None


def money_column_format(currency: str | None = None, negative: bool = False) -> str:
    """The printf format of a money column in a Streamlit table: ``¥%,.2f``, ``CHF %,.2f``.

    Streamlit's printf puts a number's sign after any text before it (``¥-1,234.50``), so
    a column that holds a negative amount is drawn as figures, ``%,.2f`` → ``-1,234.50``,
    sign first, under its header that names the currency (``收入（¥）``, :func:`money_label`)."""
    found = currencies.currency(currency)
    return f"{'' if negative else _prefix(currency)}%,.{found.digits}f"


COUNT_COLUMN_FORMAT = "%,d"
# A rate column: Streamlit's "percent" format; its decimals come from the column's step
# (step 10⁻³ → one decimal, 10⁻⁴ → two): one decimal, more when a tiny rate needs them.
RATE_COLUMN_FORMAT = "percent"
RATE_COLUMN_STEP = 0.001


def rate_digits(values, digits: int = 1) -> int:
    """The decimals a column of rates needs so that no rate that is not zero reads 0.0%
    (as :func:`rate` does for one value): ``0.0004`` needs 2 (``0.04%``); at most 4."""
    shown = digits
    for value in values:
        if missing(value) or value == 0:
            continue
        percent = abs(float(value)) * 100
        while round(percent, shown) == 0 and shown < _RATE_MAX_DIGITS:
            shown += 1
    return shown


def rate_column_step(values) -> float:
    """The ``step`` of a rate column whose ``percent`` format shows :func:`rate_digits`."""
    return float(f"1e-{rate_digits(values) + 2}")


DATE_COLUMN_FORMAT = "YYYY-MM-DD"  # Streamlit's date columns take moment.js formats


def date_columns(frame) -> list:
    """The datetime columns of ``frame`` that hold dates (every value at midnight), to be
    shown as dates rather than ``2026-06-01 00:00:00``."""
    found = []
    for column in frame.columns:
        values = frame[column]
        if not hasattr(values, "dt") or not str(values.dtype).startswith("datetime64"):
            continue
        known = values.dropna()
        if (known == known.dt.normalize()).all():
            found.append(column)
    return found


def column_formats(
    columns, currency: str | None = None, frame=None
) -> dict[str, dict[str, object]]:
    """``{column: {"format": …, "step": …}}`` for the money, count and rate columns among
    ``columns`` (keyword arguments for ``st.column_config.NumberColumn``); others are left
    out, so Streamlit shows them as it would. Given the ``frame``, a money column with a
    negative amount is drawn as signed figures and a rate column with a tiny rate gets the
    decimals it needs (:func:`money_column_format`, :func:`rate_column_step`)."""
    found: dict[str, dict[str, object]] = {}
    for column in columns:
        kind = column_kind(str(column))
        values = _numbers(frame, column)
        if kind == "money":
            negative = bool(len(values)) and bool((values < 0).any())
            found[column] = {"format": money_column_format(currency, negative)}
        elif kind == "count":
            found[column] = {"format": COUNT_COLUMN_FORMAT}
        elif kind == "rate":
            step = rate_column_step(values) if len(values) else RATE_COLUMN_STEP
            found[column] = {"format": RATE_COLUMN_FORMAT, "step": step}
    return found


def _numbers(frame, column):
    """The numbers of ``frame[column]`` (missing ones dropped); empty without a frame."""
    import pandas as pd  # only for tables

    if frame is None or column not in getattr(frame, "columns", ()):
        return pd.Series([], dtype=float)
    values = frame[column]
    if isinstance(values, pd.DataFrame):  # two columns of one name
        values = values.iloc[:, 0]
    return pd.to_numeric(values, errors="coerce").dropna()

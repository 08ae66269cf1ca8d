"""The global filters every page applies: a date range, member attributes and a segment.

They travel in the URL query string (``?from=2026-06-01&to=2026-06-28&region=浙江&device=ios
&segment=3&as_of=2026-06-20``; repeated keys for several values) so a copied link opens the
same view. The segment is one saved segment (by id), its members as materialised in
``segment_members``. ``as_of`` is the as-of date (SPEC §4); absent, it is the last day with
data, so a link without it follows new imports and a link with it stays put.
Reading a link validates every value against allow-lists read from the store; anything unknown or
malformed is dropped and reported as a :class:`Notice`, never raised. Values reach SQL only
as bound parameters (:meth:`GlobalFilters.sql_params`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

import pandas as pd

from core.store import Store

DEFAULT_PERIOD_DAYS = 30
MAX_VALUES_PER_PARAM = 50
MAX_VALUE_CHARS = 100

DATE_PARAMS = ("from", "to")
AS_OF_PARAM = "as_of"
# query parameter -> (GlobalFilters field, FilterOptions field)
LIST_PARAMS: dict[str, str] = {
    "region": "regions",
    "device": "devices",
    "tier": "tiers",
    "channel": "channels",
}
SEGMENT_PARAM = "segment"
# What the overview's "previous" figures compare with: the same-length period just before,
# or the same dates a year earlier.
COMPARE_PARAM = "compare"
COMPARISONS: tuple[str, ...] = ("previous", "last_year")
FILTER_PARAMS = frozenset(DATE_PARAMS) | frozenset(LIST_PARAMS)
FILTER_PARAMS = FILTER_PARAMS | {SEGMENT_PARAM, AS_OF_PARAM, COMPARE_PARAM}
# Quick date ranges, relative to the as-of date (never the clock); "custom" is any other.
DATE_PRESETS: tuple[str, ...] = (
    "last_7",
    "last_30",
    "this_month",
    "last_month",
    "this_quarter",
    "this_year",
    "custom",
)
# Parameters that are not filters but legitimately appear in a Streamlit URL.
FOREIGN_PARAMS = frozenset({"embed", "embed_options"})
# What a member page shows (a tag, alert, member or drill-down target of core/drilldown.py),
# kept in shared links; each page checks its own values against the store. (A saved segment
# is the global ``segment`` filter.)
PAGE_PARAMS = frozenset({"tag", "alert", "member", "drill", "value"})
FOREIGN_PARAMS = FOREIGN_PARAMS | PAGE_PARAMS


@dataclass(frozen=True)
class Notice:
    """Something dropped from a link; ``code`` is a translation key, ``values`` fill it."""

    code: str
    values: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class FilterOptions:
    """The allow-lists: values present in the store, and the days that have activity."""

    regions: tuple[str, ...] = ()
    devices: tuple[str, ...] = ()
    tiers: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    first_day: date | None = None
    last_day: date | None = None
    segments: tuple[int, ...] = ()


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of the same length that ends the day before this one starts."""
        end = self.start - timedelta(days=1)
        return Period(end - timedelta(days=self.days - 1), end)

    def last_year(self) -> Period:
        """The same dates a year earlier (29 February becomes the 28th)."""
        return Period(_year_earlier(self.start), _year_earlier(self.end))

    def compared(self, compare: str) -> Period:
        """The period the overview compares with: :meth:`previous` or :meth:`last_year`."""
        return self.last_year() if compare == "last_year" else self.previous()


def _year_earlier(day: date) -> date:
    if day.month == 2 and day.day == 29:
        return date(day.year - 1, 2, 28)
    return day.replace(year=day.year - 1)


def preset_period(preset: str, as_of: date) -> Period | None:
    """The date range a quick choice stands for, ending on ``as_of`` (None for "custom").

    ``last_7``/``last_30``: the 7 (30) days ending on ``as_of``; ``this_month``,
    ``this_quarter``, ``this_year``: from the first day of ``as_of``'s month (quarter, year)
    to ``as_of``; ``last_month``: the whole calendar month before ``as_of``'s.
    """
    if preset == "last_7":
        return Period(as_of - timedelta(days=6), as_of)
    if preset == "last_30":
        return Period(as_of - timedelta(days=29), as_of)
    if preset == "this_month":
        return Period(as_of.replace(day=1), as_of)
    if preset == "last_month":
        end = as_of.replace(day=1) - timedelta(days=1)
        return Period(end.replace(day=1), end)
    if preset == "this_quarter":
        return Period(date(as_of.year, 3 * ((as_of.month - 1) // 3) + 1, 1), as_of)
    if preset == "this_year":
        return Period(date(as_of.year, 1, 1), as_of)
    return None


def matching_preset(period: Period, as_of: date, first_day: date | None = None) -> str:
    """The quick choice whose range is ``period`` (a range cut at ``first_day``, the first
    day with data, still matches), else "custom"."""
    for preset in DATE_PRESETS:
        wanted = preset_period(preset, as_of)
        if wanted is None:
            continue
        cut = max(wanted.start, first_day) if first_day is not None else wanted.start
        if period.end == wanted.end and period.start in (wanted.start, cut):
            return preset
    return "custom"


@dataclass(frozen=True)
class GlobalFilters:
    """Date range plus member-attribute multi-selects (an empty tuple means "all") and one
    saved segment (``segment`` None means all members).

    ``start``/``end`` of None mean the default period: the :data:`DEFAULT_PERIOD_DAYS`
    days ending on the as-of date. ``as_of`` is the as-of date chosen in the link (None: the
    last day with data, :meth:`as_of_day`); metric functions take the resolved date as an
    argument and never read this field.
    """

    start: date | None = None
    end: date | None = None
    regions: tuple[str, ...] = ()
    devices: tuple[str, ...] = ()
    tiers: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    segment: int | None = None
    as_of: date | None = None
    compare: str = "previous"

    def as_of_day(self, last_day: date | None) -> date | None:
        """The as-of date to compute with: the chosen one, else ``last_day`` (the last day
        with data; None when the store has none)."""
        if last_day is None:
            return None
        return self.as_of if self.as_of is not None else last_day

    def period(self, as_of: date) -> Period:
        """The period to report: the chosen range, ending no later than ``as_of``.

        Days after ``as_of`` have no data yet; they are cut off rather than counted as
        zero. A range that lies wholly after ``as_of`` becomes the single day ``as_of``.
        """
        end = min(self.end or as_of, as_of)
        start = self.start or end - timedelta(days=DEFAULT_PERIOD_DAYS - 1)
        return Period(min(start, end), end)

    def sql_params(self) -> dict[str, list[str] | int | None]:
        """The filters as bound parameters for the queries in ``sql/metrics`` (and the
        churn queries): every query given these must name all of them, ``$segment`` as
        ``($segment is null or member_key in (select member_key from segment_members
        where segment_id = $segment))``."""
        return {
            "regions": list(self.regions),
            "devices": list(self.devices),
            "tiers": list(self.tiers),
            "channels": list(self.channels),
            "segment": self.segment,
        }

    @property
    def narrows_members(self) -> bool:
        """Whether any member filter (attribute or segment) is set."""
        return bool(self.regions or self.devices or self.tiers or self.channels) or (
            self.segment is not None
        )

    def to_query_params(self) -> dict[str, str | list[str]]:
        """The filters as URL query parameters (only those that are set)."""
        params: dict[str, str | list[str]] = {}
        if self.start is not None:
            params["from"] = self.start.isoformat()
        if self.end is not None:
            params["to"] = self.end.isoformat()
        for param, name in LIST_PARAMS.items():
            values = getattr(self, name)
            if values:
                params[param] = list(values)
        if self.segment is not None:
            params[SEGMENT_PARAM] = str(self.segment)
        if self.as_of is not None:
            params[AS_OF_PARAM] = self.as_of.isoformat()
        if self.compare != COMPARISONS[0]:
            params[COMPARE_PARAM] = self.compare
        return params

    @classmethod
    def from_query_params(
        cls,
        params: Mapping[str, str | Iterable[str]],
        options: FilterOptions,
        others: Iterable[str] = (),
    ) -> tuple[GlobalFilters, list[Notice]]:
        """Read filters from query parameters, keeping only values the store knows.

        ``params`` maps a name to one value or a list of values (``st.query_params`` gives
        lists through ``get_all``). ``others`` are parameters checked elsewhere (a page's
        controls, ``core.page_controls``): skipped here, not reported as unknown. Returns
        the filters and a notice per dropped item.
        """
        others = frozenset(others)
        notices: list[Notice] = []
        values: dict[str, list[str]] = {}
        for name, raw in params.items():
            items = [raw] if isinstance(raw, str) else [str(item) for item in raw]
            if name not in FILTER_PARAMS:
                if name not in FOREIGN_PARAMS and name not in others:
                    notices.append(Notice("notice.unknown_param", {"name": _shown(name)}))
                continue
            values[name] = items

        dates: dict[str, date | None] = {}
        for name in DATE_PARAMS:
            items = values.get(name, [])
            if len(items) > 1:
                notices.append(Notice("notice.repeated", {"name": name}))
            dates[name] = _read_date(name, items[0], options, notices) if items else None
        start, end = dates["from"], dates["to"]
        if start is not None and end is not None and start > end:
            notices.append(Notice("notice.date_order"))
            start = end = None
        items = values.get(AS_OF_PARAM, [])
        if len(items) > 1:
            notices.append(Notice("notice.repeated", {"name": AS_OF_PARAM}))
        as_of = _read_date(AS_OF_PARAM, items[0], options, notices) if items else None

        chosen: dict[str, tuple[str, ...]] = {}
        for param, name in LIST_PARAMS.items():
            allowed = set(getattr(options, name))
            items = values.get(param, [])
            if len(items) > MAX_VALUES_PER_PARAM:
                notices.append(Notice("notice.too_many", {"name": param}))
                items = items[:MAX_VALUES_PER_PARAM]
            kept: list[str] = []
            for item in items:
                if item in allowed and item not in kept:
                    kept.append(item)
                elif item not in allowed:
                    notices.append(
                        Notice("notice.unknown_value", {"name": param, "value": _shown(item)})
                    )
            chosen[name] = tuple(kept)

        segment = None
        items = values.get(SEGMENT_PARAM, [])
        if len(items) > 1:
            notices.append(Notice("notice.repeated", {"name": SEGMENT_PARAM}))
        if items:
            text = items[0]
            number = int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None
            if number is not None and number in options.segments:
                segment = number
            else:
                notices.append(
                    Notice("notice.unknown_segment", {"name": SEGMENT_PARAM, "value": _shown(text)})
                )
        compare = COMPARISONS[0]
        items = values.get(COMPARE_PARAM, [])
        if len(items) > 1:
            notices.append(Notice("notice.repeated", {"name": COMPARE_PARAM}))
        if items and items[0] in COMPARISONS:
            compare = items[0]
        elif items:
            notices.append(
                Notice("notice.unknown_value", {"name": COMPARE_PARAM, "value": _shown(items[0])})
            )
        filters = cls(start=start, end=end, segment=segment, as_of=as_of, compare=compare, **chosen)
        return filters, notices


def _shown(text: str) -> str:
    """A value as quoted back in a notice: shortened, control characters removed."""
    clean = "".join(ch if ch.isprintable() else "?" for ch in text)
    return clean if len(clean) <= 40 else clean[:39] + "…"


def _read_date(name: str, text: str, options: FilterOptions, notices: list[Notice]) -> date | None:
    try:
        if len(text) != 10:
            raise ValueError(text)
        value = date.fromisoformat(text)
    except ValueError:
        notices.append(Notice("notice.bad_date", {"name": name, "value": _shown(text)}))
        return None
    if options.first_day is None or options.last_day is None:
        notices.append(Notice("notice.bad_date", {"name": name, "value": _shown(text)}))
        return None
    clamped = min(max(value, options.first_day), options.last_day)
    if clamped != value:
        notices.append(
            Notice(
                "notice.date_clamped",
                {"name": name, "value": value.isoformat(), "clamped": clamped.isoformat()},
            )
        )
    return clamped


def load_filter_options(store: Store) -> FilterOptions:
    """The allow-lists from the store: distinct member attributes, tier codes, active days,
    saved segment ids."""
    frame = store.query("metrics/filter_options")
    lists: dict[str, tuple[str, ...]] = {name: () for name in LIST_PARAMS.values()}
    for name in lists:
        lists[name] = tuple(frame.loc[frame["attribute"] == name, "value"].tolist())
    segment_ids = tuple(
        int(k) for k in store.df("select segment_id from saved_segments order by 1")["segment_id"]
    )
    bounds = store.query("metrics/data_bounds")
    first_day = bounds["first_day"].iloc[0] if len(bounds) else None
    last_day = bounds["last_day"].iloc[0] if len(bounds) else None
    return FilterOptions(
        first_day=_as_date(first_day),
        last_day=_as_date(last_day),
        segments=segment_ids,
        **lists,
    )


def _as_date(value) -> date | None:
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).date()

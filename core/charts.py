"""Chart defaults: the one home of how an Altair chart reads (STYLE.md, "Presentation has
one home").

- :func:`localise` gives a finished chart the Vega-Lite ``config.locale``: d3's zh-CN number
  and time locale in the Chinese UI (en-US in English), with the store currency as the
  locale's currency, so ``$``-formats print ``¥`` (or ``$``, ``CHF``…).
- Axis and tooltip formats for money (:func:`money_axis`, :func:`money_tooltip`), rates
  (``RATE_FORMAT``, :func:`rate_legend`) and dates (:func:`date_axis`, :func:`date_tooltip`)
  match :mod:`core.formats`.
- Weekly series get one tick per week, on the weeks' own Mondays (:func:`period_ticks`).
- Tiers are coloured in their order with a sequential palette in which gold is gold
  (:func:`tier_scale`).
- A rate over fewer than ``SMALL_SAMPLE`` members is greyed (:func:`small_sample_opacity`).
- Bars carry their figures (:func:`bar_labels`, texts from :func:`core.formats.count_and_rate`);
  cohort curves are coloured by age, oldest darkest (:func:`cohort_scale`).

No Streamlit here; pages hand the chart to ``core.ui.chart``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import altair as alt
import pandas as pd
from altair.utils import schemapi

from core import currency as currencies
from core import formats
from core.samples import SMALL_SAMPLE

# Altair's debug mode validates every schema object against the Vega-Lite JSON schema when it
# is created (each encoding, axis, tooltip, the locale config …), then the finished chart is
# validated again when Streamlit turns it into a spec. The second validation alone catches
# the same errors; the first one was a third of a chart page's run (issue 14.12).
schemapi.disable_debug_mode()

RATE_FORMAT = ".1%"
RATE_AXIS_FORMAT = ".0%"

# d3-format / d3-time-format locales (the published zh-CN and en-US definitions; zh-CN months
# and weekdays as operations teams write them in a chart: 6月, 周一).
_NUMBER = {"decimal": ".", "thousands": ",", "grouping": [3]}
_TIME = {
    "zh": {
        "dateTime": "%x %A %X",
        "date": "%Y/%-m/%-d",
        "time": "%H:%M:%S",
        "periods": ["上午", "下午"],
        "days": ["星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"],
        "shortDays": ["周日", "周一", "周二", "周三", "周四", "周五", "周六"],
        "months": [f"{month}月" for month in range(1, 13)],
        "shortMonths": [f"{month}月" for month in range(1, 13)],
    },
    "en": {
        "dateTime": "%x, %X",
        "date": "%-m/%-d/%Y",
        "time": "%-I:%M:%S %p",
        "periods": ["AM", "PM"],
        "days": ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"],
        "shortDays": ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"],
        "months": [
            "January", "February", "March", "April", "May", "June", "July", "August",
            "September", "October", "November", "December",
        ],
        "shortMonths": [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ],
    },
}  # fmt: skip

# Date formats: an axis label is short (6月1日, Jun 1), a tooltip carries the year.
AXIS_DATE = {"zh": "%-m月%-d日", "en": "%b %-d"}
TOOLTIP_DATE = {"zh": "%Y年%-m月%-d日", "en": "%b %-d, %Y"}

# Tier colours, lowest tier first: pale sand up to gold, then deeper golds for tiers above it.
GOLD = "#d4af37"
_TIER_LOW = "#e8e2d4"
_TIER_HIGH = "#7a5c00"


def number_locale(currency: str | None = None) -> dict[str, object]:
    """The d3 number locale with the store currency as its currency symbol."""
    found = currencies.currency(currency)
    prefix = found.symbol or f"{found.code} "
    return {**_NUMBER, "currency": [prefix, ""]}


def time_locale(lang: str) -> dict[str, object]:
    """The d3 time locale: zh-CN in the Chinese UI, en-US in English."""
    return _TIME["zh" if lang == "zh" else "en"]


def locale(lang: str, currency: str | None = None) -> dict[str, object]:
    """Vega-Lite ``config.locale`` for the UI language and the store currency."""
    return {"number": number_locale(currency), "time": time_locale(lang)}


def localise(chart: alt.TopLevelMixin, lang: str, currency: str | None = None):
    """``chart`` with the language's number and time locale; call it on the finished chart
    (a configured chart can no longer be layered)."""
    return chart.configure(locale=locale(lang, currency))


def money_format(currency: str | None = None, digits: int | None = None) -> str:
    """The d3 format of money: ``$,.2f`` (``$`` is the locale's currency, the store's)."""
    found = currencies.currency(currency)
    shown = found.digits if digits is None else min(digits, found.digits)
    return f"$,.{shown}f"


def money_axis(currency: str | None = None, **kwargs) -> alt.Axis:
    """A money axis whose labels carry the currency: ``¥12,000``."""
    return alt.Axis(format=money_format(currency, 0), **kwargs)


def money_tooltip(field: str, title: str, currency: str | None = None) -> alt.Tooltip:
    return alt.Tooltip(field, title=title, format=money_format(currency))


def date_axis(lang: str, values: Sequence | None = None, **kwargs) -> alt.Axis:
    """A date axis labelled as dates in the language (``6月1日``, ``Jun 1``); ``values``
    (from :func:`period_ticks`) puts a tick on each of those days only."""
    if values is not None:
        kwargs["values"] = list(values)
    return alt.Axis(format=AXIS_DATE["zh" if lang == "zh" else "en"], **kwargs)


def date_tooltip(field: str, title: str, lang: str) -> alt.Tooltip:
    return alt.Tooltip(field, title=title, format=TOOLTIP_DATE["zh" if lang == "zh" else "en"])


def period_ticks(days: Iterable) -> list[alt.DateTime]:
    """One tick per period of a weekly (or monthly) series: the series' own period starts
    (a week's Monday), as Vega-Lite date-times in local time like the data (Vega's ``week``
    interval would put them on Sundays, and its automatic ticks on any day)."""
    stamps = sorted({pd.Timestamp(day).normalize() for day in days if not pd.isna(day)})
    return [alt.DateTime(year=s.year, month=s.month, date=s.day) for s in stamps]


def _mix(low: str, high: str, share: float) -> str:
    a = [int(low[i : i + 2], 16) for i in (1, 3, 5)]
    b = [int(high[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * share):02x}" for x, y in zip(a, b, strict=True))


def tier_colours(codes: Sequence[str]) -> list[str]:
    """Colours for tiers in their order (lowest first): a sequential ramp from pale sand to
    deep gold in which the ``gold`` tier is :data:`GOLD`; without a gold tier the ramp runs
    from pale to deep over all tiers."""
    count = len(codes)
    if count == 0:
        return []
    if "gold" not in codes:
        stops = [_TIER_LOW, GOLD, _TIER_HIGH]
        return [_ramp(stops, i / max(count - 1, 1)) for i in range(count)]
    at = list(codes).index("gold")
    colours = []
    for i in range(count):
        if i < at:
            colours.append(_mix(_TIER_LOW, GOLD, i / at))
        elif i == at:
            colours.append(GOLD)
        else:
            colours.append(_mix(GOLD, _TIER_HIGH, (i - at) / (count - 1 - at)))
    return colours


def _ramp(stops: Sequence[str], share: float) -> str:
    position = share * (len(stops) - 1)
    index = min(int(position), len(stops) - 2)
    return _mix(stops[index], stops[index + 1], position - index)


def tier_scale(codes: Sequence[str], names: Sequence[str]) -> alt.Scale:
    """A colour scale over tier ``names`` shown for ``codes`` (same order, lowest first)."""
    return alt.Scale(domain=list(names), range=tier_colours(codes))


def small_sample_opacity(field: str = "cohort_size", minimum: int = SMALL_SAMPLE):
    """Opacity that greys a mark whose ``field`` (the rate's denominator) is under
    ``minimum``: the rate is shown, faintly, with its count in the tooltip."""
    return alt.condition(f"datum.{field} < {minimum}", alt.value(0.35), alt.value(1.0))


LABEL_COLOUR = "#333333"
OFFSET_STEP = 20  # px per bar of a split bar chart (yOffset)


def bar_labels(bars: alt.Chart, text: str, font_size: int = 11) -> alt.LayerChart:
    """Horizontal ``bars`` (x = the value) with the ``text`` field written just past each
    bar's end, dark whatever the bar's colour. The text layer shares the bars' data and
    encodings, so a group split (``yOffset``) puts each label beside its own bar; leave
    room for the labels with :func:`label_room`."""
    labels = bars.mark_text(
        align="left", baseline="middle", dx=4, fontSize=font_size, color=LABEL_COLOUR
    ).encode(text=alt.Text(f"{text}:N"), color=alt.value(LABEL_COLOUR))
    if bars.encoding.yOffset is alt.Undefined:
        return alt.layer(bars, labels)
    # with a group split Vega-Lite puts a text at the start of its offset band, not its
    # middle: fix the band's height and move the text down half of it, onto its bar
    labels = labels.mark_text(
        align="left",
        baseline="middle",
        dx=4,
        dy=OFFSET_STEP / 2,
        fontSize=font_size,
        color=LABEL_COLOUR,
    )
    return alt.layer(bars, labels).properties(height=alt.Step(OFFSET_STEP, **{"for": "offset"}))


def label_room(values: Iterable, share: float = 0.35) -> alt.Scale:
    """A zero-based value scale reaching ``share`` beyond the largest value, so the labels of
    :func:`bar_labels` fit beside the longest bar."""
    largest = max((float(v) for v in values if not pd.isna(v)), default=0.0)
    return alt.Scale(domain=[0, largest * (1 + share) or 1], nice=False)


def age_colours(count: int, light: str = "#9ecae1", dark: str = "#08306b") -> list[str]:
    """``count`` colours of a sequential blue ramp, oldest first and darkest: cohort curves
    read from old (dark) to young (light), never so pale they vanish on white."""
    if count <= 1:
        return [dark] * count
    return [_mix(dark, light, i / (count - 1)) for i in range(count)]


def cohort_scale(labels: Sequence[str]) -> alt.Scale:
    """A colour scale over cohort ``labels`` given oldest first (:func:`age_colours`)."""
    return alt.Scale(domain=list(labels), range=age_colours(len(labels)))


def period_x(field: str, title: str, lang: str) -> alt.X:
    """An x encoding with one band per period (day, week or month start) of ``field``,
    labelled as a date in the language: a bar per week with every week's tick."""
    return alt.X(f"yearmonthdate({field}):O", title=title, axis=date_axis(lang))


def period_tooltip(field: str, title: str, lang: str) -> alt.Tooltip:
    """The tooltip matching :func:`period_x`."""
    return date_tooltip(f"yearmonthdate({field}):O", title, lang)


def rate_legend(**kwargs) -> alt.Legend:
    """A colour legend for a rate, in percent: ``40%``."""
    return alt.Legend(format=RATE_AXIS_FORMAT, **kwargs)


def cohort_labels(matrix: pd.DataFrame, template: str) -> dict:
    """Each cohort of a retention matrix (columns ``cohort``, ``cohort_size``) labelled with
    its start and size for the matrix's rows: ``template`` is the catalogue's text with
    ``{cohort}`` and ``{size}`` (``2026-06-01（123 人）``, ``2026-06-01 (n=123)``)."""
    sizes = matrix.groupby("cohort")["cohort_size"].max()
    return {
        cohort: template.format(cohort=formats.day(cohort), size=formats.count(size))
        for cohort, size in sizes.items()
    }


def tier_scale_of(frame: pd.DataFrame, name: str = "tier") -> alt.Scale:
    """:func:`tier_scale` for the tiers in ``frame`` (columns ``tier_code``, ``rank`` and the
    shown ``name``), lowest rank first."""
    tiers = frame.sort_values("rank").drop_duplicates("tier_code")
    return tier_scale(tiers["tier_code"].tolist(), tiers[name].tolist())


# -- click paths (core/paths.py) -------------------------------------------------------------


def transition_heatmap(matrix: pd.DataFrame, titles: dict[str, str], order: Sequence[str]):
    """The transition matrix (``core.paths.transition_matrix`` with labelled ``from_step``
    and ``to_step``): one row per step, one column per next step, coloured and written by
    the share of the row's exits. ``titles``: ``from``, ``to``, ``share``, ``transitions``;
    ``order``: the steps in the order rows and columns take (busiest first)."""
    base = alt.Chart(matrix).encode(
        x=alt.X("to_step:N", title=titles["to"], sort=list(order), axis=alt.Axis(labelAngle=-30)),
        y=alt.Y("from_step:N", title=titles["from"], sort=list(order)),
    )
    cells = base.mark_rect().encode(
        color=alt.Color(
            "share:Q",
            title=titles["share"],
            scale=alt.Scale(scheme="blues", domain=[0, 1]),
            legend=rate_legend(),
        ),
        tooltip=[
            alt.Tooltip("from_step:N", title=titles["from"]),
            alt.Tooltip("to_step:N", title=titles["to"]),
            alt.Tooltip("transitions:Q", title=titles["transitions"], format=","),
            alt.Tooltip("share:Q", title=titles["share"], format=RATE_FORMAT),
        ],
    )
    # no "0%" written on the cells of rare transitions (the tooltip has them)
    text = (
        base.transform_filter(alt.datum.share >= 0.005)
        .mark_text(fontSize=11)
        .encode(
            text=alt.Text("share:Q", format=RATE_AXIS_FORMAT),
            color=alt.condition(alt.datum.share > 0.5, alt.value("white"), alt.value("#333333")),
        )
    )
    return (cells + text).properties(height=max(160, 34 * matrix["from_step"].nunique()))


def sankey(layout, titles: dict[str, str], height: int = 420):
    """A Sankey from ``core.paths.sankey_layout`` (labelled steps): node bars per depth,
    ribbons between them as wide as their sessions, coloured by their source step, and the
    step names beside the nodes. Vega-Lite has no Sankey mark, so this layers an area per
    ribbon, a rect per node and a text per label. ``titles``: ``from``, ``to``, ``step``,
    ``sessions``."""
    y_scale = alt.Scale(reverse=True, nice=False, zero=False)
    x_scale = alt.Scale(nice=False, domain=[-0.1, float(layout.nodes["column"].max()) + 0.9])
    ribbons = (
        alt.Chart(layout.ribbons)
        .mark_area(opacity=0.35, interpolate="monotone")
        .encode(
            x=alt.X("x:Q", axis=None, scale=x_scale),
            y=alt.Y("y0:Q", axis=None, scale=y_scale),
            y2="y1:Q",
            detail="link:N",
            color=alt.Color("from_step:N", legend=None),
            tooltip=[
                alt.Tooltip("from_step:N", title=titles["from"]),
                alt.Tooltip("to_step:N", title=titles["to"]),
                alt.Tooltip("sessions:Q", title=titles["sessions"], format=","),
            ],
        )
    )
    nodes = alt.Chart(layout.nodes).encode(
        tooltip=[
            alt.Tooltip("step:N", title=titles["step"]),
            alt.Tooltip("sessions:Q", title=titles["sessions"], format=","),
        ]
    )
    bars = nodes.mark_rect(color="#4c4c4c").encode(
        x=alt.X("x0:Q", scale=x_scale), x2="x1:Q", y=alt.Y("y0:Q", scale=y_scale), y2="y1:Q"
    )
    names = (
        nodes.transform_calculate(middle="(datum.y0 + datum.y1) / 2")
        .mark_text(align="left", dx=4, fontSize=11)
        .encode(
            x=alt.X("x1:Q", scale=x_scale),
            y=alt.Y("middle:Q", scale=y_scale),
            text="step:N",
        )
    )
    return (ribbons + bars + names).properties(height=height)


DWELL_PAGES_SHOWN = 15


def dwell_bars(dwell: pd.DataFrame, titles: dict[str, str], group: str | None = None):
    """Median dwell per page as bars with the 90th percentile as a tick, the most viewed
    pages first (``core.paths.dwell``, labelled); per group side by side when ``group``.
    ``titles``: ``page``, ``median_s``, ``p90_s``, ``views``, ``group``."""
    pages = (
        dwell.groupby("page")["views"].sum().sort_values(ascending=False).index[:DWELL_PAGES_SHOWN]
    )
    shown = dwell[dwell["page"].isin(pages)]
    tooltip = [
        alt.Tooltip("page:N", title=titles["page"]),
        alt.Tooltip("median_s:Q", title=titles["median_s"], format=",.0f"),
        alt.Tooltip("p90_s:Q", title=titles["p90_s"], format=",.0f"),
        alt.Tooltip("views:Q", title=titles["views"], format=","),
    ]
    encoding = {"y": alt.Y("page:N", title=titles["page"], sort=list(pages))}
    if group:
        tooltip.insert(0, alt.Tooltip(f"{group}:N", title=titles["group"]))
        encoding["color"] = alt.Color(f"{group}:N", title=titles["group"])
        encoding["yOffset"] = f"{group}:N"
    base = alt.Chart(shown).encode(tooltip=tooltip, **encoding)
    bars = base.mark_bar().encode(x=alt.X("median_s:Q", title=titles["median_s"]))
    ticks = base.mark_tick(color="#333333", thickness=2).encode(x="p90_s:Q")
    return bars + ticks

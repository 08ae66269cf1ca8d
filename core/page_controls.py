"""The controls a page keeps in its link (granularity, breakdown, mode, group, window …).

Each control is a query parameter named after its widget key (``?retention_unit=month``)
with an allow-list of values and a default; the default stays out of the link. Reading a
link checks the value against the allow-list like the global filters (``core.filters``):
anything else is dropped and reported as a :class:`~core.filters.Notice`, never raised.
``core.ui.url_bound`` binds a widget to its parameter; nothing here imports Streamlit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from core import metrics, paths
from core.filters import Notice, _shown

WINDOWS: tuple[str, ...] = ("year", "period")
# core.churn.KM_GROUPS and LTV_DIMENSIONS, spelt out so that reading a link does not import
# the model libraries (tests/test_page_controls.py keeps them equal)
KM_GROUPS: tuple[str, ...] = ("tier", "channel", "device", "segment")
LTV_FORECAST_DIMENSIONS: tuple[str, ...] = ("cohort", "channel", "tier", "device")


@dataclass(frozen=True)
class Control:
    """One page control: the values a link may carry and the one shown without it."""

    values: tuple[str, ...]
    default: str

    def read(self, param: str, items: Sequence[str]) -> tuple[str, list[Notice]]:
        """The value in a link (``items``: every value given for ``param``), else the
        default; a notice for a repeated parameter or a value off the allow-list."""
        notices: list[Notice] = []
        if len(items) > 1:
            notices.append(Notice("notice.repeated", {"name": param}))
        if not items:
            return self.default, notices
        if items[0] in self.values:
            return items[0], notices
        notices.append(Notice("notice.unknown_value", {"name": param, "value": _shown(items[0])}))
        return self.default, notices

    @classmethod
    def from_values(cls, values: Sequence[object]) -> Control:
        """A control whose allow-list comes from the data (the options a page offers, the
        first one the default)."""
        texts = tuple(str(value) for value in values)
        return cls(texts, texts[0] if texts else "")


def _max_period(unit: str) -> Control:
    limit = metrics.MAX_PERIOD_LIMIT[unit]
    return Control(
        tuple(str(n) for n in range(1, limit + 1)), str(metrics.DEFAULT_MAX_PERIOD[unit])
    )


CONTROLS: dict[str, Control] = {
    "activity_unit": Control(metrics.COHORT_UNITS, "week"),
    "retention_unit": Control(metrics.COHORT_UNITS, "week"),
    "retention_by": Control(metrics.COHORT_BY, "signup"),
    "retention_mode": Control(metrics.RETENTION_MODES, "on"),
    **{f"retention_max_period_{unit}": _max_period(unit) for unit in metrics.COHORT_UNITS},
    "retention_dimension": Control(metrics.DIMENSIONS, "channel"),
    "funnel_unit": Control(metrics.FUNNEL_UNITS, "member"),
    "funnel_dimension": Control(("none", *metrics.FUNNEL_DIMENSIONS), "none"),
    "hours_group": Control(metrics.HOUR_GROUPS, "all"),
    "tiers_grain": Control(metrics.TIER_GRAINS, "week"),
    "ltv_window": Control(WINDOWS, "year"),
    "ltv_max_months_month": _max_period("month"),
    "ltv_dimension": Control(metrics.DIMENSIONS, "channel"),
    "channels_window": Control(WINDOWS, "year"),
    "ltvf_by": Control(LTV_FORECAST_DIMENSIONS, "channel"),
    "churn_km_by": Control(KM_GROUPS, "device"),
    # allow-lists read from the store by the page (saved segments, categories): see
    # :meth:`Control.from_values`
    "churn_km_segment": Control((), ""),
    "demo_category": Control((), ""),
}

# the Paths page (pages/paths.py; core/paths.py)
CONTROLS.update(
    {
        "paths_repeats": Control(("collapse", "keep"), "collapse"),
        "paths_direction": Control(paths.PATH_DIRECTIONS, "after"),
        "paths_step": Control((), ""),  # the steps of the data: Control.from_values
        "paths_depth": Control(
            tuple(str(n) for n in range(1, paths.MAX_DEPTH + 1)), str(paths.DEFAULT_DEPTH)
        ),
        "paths_top": Control(
            tuple(str(n) for n in range(1, paths.MAX_TOP + 1)), str(paths.DEFAULT_TOP)
        ),
        "paths_dwell_by": Control(("none", *paths.DWELL_GROUPS), "none"),
    }
)


def link_value(param: str, value: object, control: Control | None = None) -> str | None:
    """What goes in the link for a widget showing ``value``: None (left out) for the
    default, for no choice and for anything off the allow-list (``control``, default
    ``CONTROLS[param]``)."""
    control = control or CONTROLS[param]
    text = None if value is None else str(value)
    if text is None or text == control.default or text not in control.values:
        return None
    return text

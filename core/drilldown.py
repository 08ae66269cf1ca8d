"""Drill-down from a chart to its members (issue 14.7).

A click on a bar, cell or point of an analytics chart names a *drill target*: a channel's
signups, a tier's members on a snapshot day, a retention cohort, a weekday × hour cell or a
funnel step's drop-off. The target travels in the member list's link as two parameters,
``drill`` (the kind) and ``value`` (what was clicked, parts joined by ``,``)::

    ?drill=channel&value=wechat             signups of the period through WeChat
    ?drill=tier&value=gold,2026-06-30       holding gold at the end of 2026-06-30
    ?drill=cohort&value=week,signup,2026-06-01   the signup cohort of that week
    ?drill=hour&value=3,20                  active on Wednesdays 20:00-20:59 in the period
    ?drill=dropoff&value=2                  reached step 2 (add to cart), not step 3

beside the global filters (``from``, ``to``, ``channel`` …), which scope the members as
they scope the chart. :func:`member_keys` returns the members through the queries of
``sql/drill/``, each written to count what its chart counts (the tests hold them to it).
A tag's bar links to the member list's own ``tag`` source instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from core import metrics
from core.filters import GlobalFilters
from core.store import Store

DRILL_PARAM = "drill"
VALUE_PARAM = "value"
PARAMS = frozenset({DRILL_PARAM, VALUE_PARAM})
KINDS: tuple[str, ...] = ("channel", "tier", "cohort", "hour", "dropoff")
STEPS = len(metrics.FUNNEL_STEPS)


class DrillError(ValueError):
    """A drill link that cannot be read; ``code`` is a translation key."""

    code = "drill.bad_link"


@dataclass(frozen=True)
class DrillTarget:
    """What was clicked. ``value``: the channel or tier code; ``day``: the tier's snapshot
    day or the cohort's first day; ``unit`` and ``by``: the cohort's bucket and definition
    (as ``metrics.retention_matrix``); ``weekday`` (1 = Monday) and ``hour``: the heatmap
    cell; ``step``: the funnel step (1-4) whose drop-off is meant."""

    kind: str
    value: str | None = None
    day: date | None = None
    unit: str | None = None
    by: str | None = None
    weekday: int | None = None
    hour: int | None = None
    step: int | None = None

    @classmethod
    def channel(cls, code: str) -> DrillTarget:
        return cls("channel", value=str(code))

    @classmethod
    def tier(cls, code: str, day: date) -> DrillTarget:
        return cls("tier", value=str(code), day=_as_date(day))

    @classmethod
    def cohort(cls, start: date, unit: str = "week", by: str = "signup") -> DrillTarget:
        metrics.check_choice("cohort", unit, metrics.COHORT_UNITS)
        metrics.check_choice("by", by, metrics.COHORT_BY)
        return cls("cohort", day=_as_date(start), unit=unit, by=by)

    @classmethod
    def hour_cell(cls, weekday: int, hour: int) -> DrillTarget:
        if not 1 <= int(weekday) <= 7 or not 0 <= int(hour) <= 23:
            raise DrillError(f"no weekday {weekday} hour {hour}")
        return cls("hour", weekday=int(weekday), hour=int(hour))

    @classmethod
    def dropoff(cls, step: int) -> DrillTarget:
        if not 1 <= int(step) <= STEPS:
            raise DrillError(f"no funnel step {step}")
        return cls("dropoff", step=int(step))

    def link_value(self) -> str:
        """The ``value`` parameter of this target's link."""
        if self.kind == "channel":
            return self.value or ""
        if self.kind == "tier":
            return f"{self.value},{self.day.isoformat()}"
        if self.kind == "cohort":
            return f"{self.unit},{self.by},{self.day.isoformat()}"
        if self.kind == "hour":
            return f"{self.weekday},{self.hour}"
        return str(self.step)

    def query_params(self) -> dict[str, str]:
        return {DRILL_PARAM: self.kind, VALUE_PARAM: self.link_value()}

    @classmethod
    def from_link(cls, kind: str | None, value: str | None) -> DrillTarget:
        """The target of a link's ``drill`` and ``value``; :class:`DrillError` when they do
        not name one."""
        if kind not in KINDS or value is None:
            raise DrillError(f"not a drill target: {kind!r}")
        try:
            if kind == "channel":
                if not value:
                    raise DrillError("no channel")
                return cls.channel(value)
            if kind == "tier":
                code, _, day = value.rpartition(",")
                if not code:
                    raise DrillError("no tier")
                return cls.tier(code, date.fromisoformat(day))
            if kind == "cohort":
                unit, by, day = value.split(",")
                return cls.cohort(date.fromisoformat(day), unit, by)
            if kind == "hour":
                weekday, hour = value.split(",")
                return cls.hour_cell(int(weekday), int(hour))
            return cls.dropoff(int(value))
        except DrillError:
            raise
        except (ValueError, metrics.MetricOptionError) as exc:
            raise DrillError(str(exc)) from None

    def cohort_end(self) -> date:
        """The last day of a cohort's bucket."""
        if self.unit == "day":
            return self.day
        if self.unit == "week":
            return self.day + timedelta(days=6)
        following = date(self.day.year + self.day.month // 12, self.day.month % 12 + 1, 1)
        return following - timedelta(days=1)


def _as_date(value) -> date:
    if hasattr(value, "date") and callable(value.date):  # a pandas or datetime timestamp
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def member_keys(
    store: Store, target: DrillTarget, filters: GlobalFilters, as_of: date
) -> list[int]:
    """The members behind ``target`` for these filters and as-of date, by member key."""
    period = filters.period(as_of)
    params = {"start": period.start, "end": period.end, **filters.sql_params()}
    if target.kind == "channel":
        frame = store.query("drill/channel_signups", {**params, "value": target.value})
    elif target.kind == "tier":
        scope = filters.sql_params()
        frame = store.query(
            "drill/tier_holders", {**scope, "value": target.value, "day": target.day}
        )
    elif target.kind == "cohort":
        frame = store.query(
            "drill/cohort_members",
            {
                **filters.sql_params(),
                "cohort_start": target.day,
                "cohort_end": target.cohort_end(),
                "by": target.by,
            },
        )
    elif target.kind == "hour":
        frame = store.query(
            "drill/hour_members", {**params, "weekday": target.weekday, "hour": target.hour}
        )
    elif target.kind == "dropoff":
        frame = store.query("drill/funnel_dropoff", {**params, "step": target.step})
    else:
        raise DrillError(f"not a drill target: {target.kind!r}")
    return [int(key) for key in frame["member_key"]]

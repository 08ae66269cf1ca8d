"""Which kinds of data a store holds, and which pages each feeds.

Real stores come in many shapes: members and orders only (most shop exports), events
without sessions or searches, timestamps that are dates alone. :func:`data_shape` says what
is there (one query over the rollups, ``sql/metrics/data_shape.sql``, cheap enough for every
page load; core/ui.py caches it per data stamp), so a page whose data is absent says so in
one sentence (:func:`missing_note`) instead of drawing an empty or misleading chart, and
``python -m core.cli info`` lists it.

Activity (SPEC §4) is an event or an order, so a store with orders and no events still has
activity, retention, lifecycle, LTV, channels, tiers, churn and the tags that need orders.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from core.store import Store

# kind -> the pages (core/permissions.py page keys) it feeds
KIND_PAGES: dict[str, tuple[str, ...]] = {
    "members": (
        "overview",
        "retention",
        "ltv",
        "channels",
        "tiers",
        "demographics",
        "segments",
        "member_list",
    ),
    "events": (
        "overview",
        "activity",
        "retention",
        "funnel",
        "paths",
        "hours",
        "segments",
        "alerts",
        "churn",
        "models",
    ),
    "orders": (
        "overview",
        "activity",
        "retention",
        "ltv",
        "channels",
        "tiers",
        "demographics",
        "segments",
        "alerts",
        "churn",
        "ltv_forecast",
        "models",
    ),
    "sessions": ("funnel", "paths"),
    "page_views": ("funnel", "paths"),
    "searches": ("demographics",),
    "times_of_day": ("hours", "alerts", "member_profile"),
    "coupons": ("segments",),
    "categories": ("demographics",),
    "channels": ("channels",),
    "demographics": ("demographics",),
    "channel_costs": ("channels",),
    "campaigns": ("channels",),
}
KINDS: tuple[str, ...] = tuple(KIND_PAGES)


@dataclass(frozen=True)
class DataShape:
    """One flag per kind of data in :data:`KINDS` (True: the store holds some)."""

    members: bool = False
    events: bool = False
    orders: bool = False
    sessions: bool = False
    page_views: bool = False
    searches: bool = False
    times_of_day: bool = False
    coupons: bool = False
    categories: bool = False
    channels: bool = False
    demographics: bool = False
    channel_costs: bool = False
    campaigns: bool = False

    @property
    def activity(self) -> bool:
        """Any activity at all: an event or an order (SPEC §4)."""
        return self.events or self.orders

    def present(self) -> list[str]:
        return [kind for kind in KINDS if getattr(self, kind)]

    def as_dict(self) -> dict[str, bool]:
        return asdict(self)


def data_shape(store: Store) -> DataShape:
    """What kinds of data ``store`` holds (see ``sql/metrics/data_shape.sql``)."""
    row = store.query("metrics/data_shape").iloc[0]
    return DataShape(**{kind: bool(row[kind]) for kind in KINDS})


# page section -> the kinds it needs, in the order a missing one is named
SECTION_NEEDS: dict[str, tuple[str, ...]] = {
    "funnel": ("page_views",),
    "funnel_session": ("page_views", "sessions"),
    "hours": ("times_of_day",),
    "keywords": ("searches",),
    "purchase_rates": ("categories",),
}


def missing_kind(shape: DataShape, section: str) -> str | None:
    """The first kind of data ``section`` needs that the store lacks (None: all there)."""
    return next((kind for kind in SECTION_NEEDS[section] if not getattr(shape, kind)), None)


def missing_note(shape: DataShape, section: str) -> str | None:
    """The translation key of the one sentence a page shows instead of ``section``'s
    chart when its data is absent (``shape.missing.<kind>``), or None."""
    kind = missing_kind(shape, section)
    return None if kind is None else f"shape.missing.{kind}"


def pages_fed(shape: DataShape) -> dict[str, list[str]]:
    """For each kind the store holds, the pages it feeds."""
    return {kind: list(KIND_PAGES[kind]) for kind in shape.present()}

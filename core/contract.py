"""The import data contract (SPEC §2): tables, columns, kinds, required fields and keys.

Everything the importer does to a file is driven by these declarations, so the contract is
readable in one place and every identifier that reaches SQL comes from this allow-list.
"""

from __future__ import annotations

from dataclasses import dataclass

KNOWN_EVENT_TYPES = (
    "login",
    "page_view",
    "search",
    "add_to_cart",
    "checkout",
    "order_paid",
    "coupon_claim",
    "coupon_use",
    "refund",
)
MEMBER_STATUSES = ("active", "frozen", "cancelled")
ORDER_STATUSES = ("paid", "refunded")
GENDERS = ("M", "F", "U")


@dataclass(frozen=True)
class Column:
    """One contract column.

    ``kind`` is one of: ``text`` (kept as given, trimmed), ``lower`` (trimmed, lower-cased),
    ``upper`` (trimmed, upper-cased), ``timestamp``, ``date``, ``month`` (a date or
    ``YYYY-MM``, stored as the first of the month), ``money`` (decimal(18,2); the store
    currency's symbol or code and thousands separators accepted), ``double``, ``int``.
    """

    name: str
    kind: str = "text"
    required: bool = False
    allowed: tuple[str, ...] = ()
    non_negative: bool = False


@dataclass(frozen=True)
class TableContract:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # duplicate rows within a file are judged on these columns
    references_member: bool = False

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


MEMBERS = TableContract(
    "members",
    (
        Column("member_id", required=True),
        Column("signup_at", "timestamp", required=True),
        Column("nickname"),
        Column("name"),
        Column("gender", "upper", allowed=GENDERS),
        Column("birth_date", "date"),
        Column("phone"),
        Column("email"),
        Column("region"),
        Column("city"),
        Column("channel"),
        Column("device", "lower"),
        Column("status", "lower", allowed=MEMBER_STATUSES),
        Column("tier", "lower"),
        Column("growth_points", "int"),
        Column("last_login_at", "timestamp"),
        Column("address"),
    ),
    key=("member_id",),
)

EVENTS = TableContract(
    "events",
    (
        Column("member_id", required=True),
        Column("event_time", "timestamp", required=True),
        Column("event_type", "lower", required=True),
        Column("event_id"),
        Column("session_id"),
        Column("device", "lower"),
        Column("page"),
        Column("duration_s", "double", non_negative=True),
        Column("keyword"),
        Column("category"),
        Column("item_id"),
        Column("amount", "money"),
        Column("coupon_id"),
        Column("campaign"),
    ),
    key=("event_uid",),
    references_member=True,
)

ORDERS = TableContract(
    "orders",
    (
        Column("order_id", required=True),
        Column("member_id", required=True),
        Column("paid_at", "timestamp", required=True),
        Column("amount", "money", required=True, non_negative=True),
        Column("discount_amount", "money", non_negative=True),
        Column("coupon_id"),
        Column("category"),
        Column("status", "lower", allowed=ORDER_STATUSES),
    ),
    key=("order_id",),
    references_member=True,
)

CHANNEL_COSTS = TableContract(
    "channel_costs",
    (
        Column("channel", required=True),
        Column("month", "month", required=True),
        Column("cost", "money", required=True, non_negative=True),
    ),
    key=("channel", "month"),
)

CAMPAIGNS = TableContract(
    "campaigns",
    (
        Column("campaign_id", required=True),
        Column("name"),
        Column("start_date", "date", required=True),
        Column("end_date", "date", required=True),
        Column("channel"),
    ),
    key=("campaign_id",),
)

# Import order: members before the tables that reference them.
CONTRACTS: dict[str, TableContract] = {
    c.name: c for c in (MEMBERS, CAMPAIGNS, CHANNEL_COSTS, EVENTS, ORDERS)
}

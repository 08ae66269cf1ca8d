"""The import data contract (SPEC §2): tables, columns, kinds, required fields and keys.

Everything the importer does to a file is driven by these declarations, so the contract is
readable in one place and every identifier that reaches SQL comes from this allow-list.
"""

from __future__ import annotations

import re
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

# The longest value a text column takes, in characters (an address may be longer). A longer
# value is refused with its line and column, never cut (issue 13, item 5).
TEXT_MAX_LENGTH = 1000
ADDRESS_MAX_LENGTH = 2000
TEXT_KINDS = ("text", "lower", "upper")

# One definition of a valid phone number and e-mail address, for the importer (DuckDB's RE2,
# ``regexp_full_match``) and the member edit form (Python's ``re.fullmatch``): written in
# the part of the syntax both read alike (explicit ASCII classes, no ``\s`` or ``\d``).
PHONE_PATTERN = r"\+?[0-9][0-9 -]{4,19}"
# an e-mail character: not @, an ASCII control or space, a no-break or ideographic space
# (the last two as the characters themselves: RE2 reads no \u escape)
_EMAIL_CHAR = "[^@\\x00-\\x20\\x7f\u00a0\u3000]"
EMAIL_PATTERN = f"{_EMAIL_CHAR}{{1,64}}@{_EMAIL_CHAR}+\\.{_EMAIL_CHAR}{{2,}}"


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
    max_length: int | None = None  # text kinds: TEXT_MAX_LENGTH unless given
    pattern: str = ""  # text kinds: the whole (trimmed) value must match
    pattern_words: str = ""  # what a value matching ``pattern`` is, for the reason

    @property
    def length_limit(self) -> int | None:
        """The longest value in characters (text kinds only)."""
        if self.kind not in TEXT_KINDS:
            return None
        return self.max_length or TEXT_MAX_LENGTH


def value_problem(column: Column, text: str) -> str | None:
    """Why the trimmed text ``text`` cannot be a value of ``column`` (length or pattern),
    worded as the importer's reject reason; None when it can.

    The member edit form checks with this; :mod:`core.ingest` builds the same checks in SQL
    from the same fields, and the tests run the same values through both.
    """
    limit = column.length_limit
    if limit is not None and len(text) > limit:
        return f"longer than {limit:,} characters ({len(text):,})"
    if column.pattern and not re.fullmatch(column.pattern, text):
        return f"not {column.pattern_words}: {text[:60]}"
    return None


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
        Column("phone", pattern=PHONE_PATTERN, pattern_words="a valid phone number"),
        Column("email", pattern=EMAIL_PATTERN, pattern_words="a valid e-mail address"),
        Column("region"),
        Column("city"),
        Column("channel"),
        Column("device", "lower"),
        Column("status", "lower", allowed=MEMBER_STATUSES),
        Column("tier", "lower"),
        Column("growth_points", "int"),
        Column("last_login_at", "timestamp"),
        Column("address", max_length=ADDRESS_MAX_LENGTH),
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

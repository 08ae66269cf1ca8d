"""The store currency: ISO 4217 codes the store may use, their symbols and minor units.

Babel (CLDR) is not among the pinned packages, so the codes a store may choose are this
explicit table of the currencies member programmes commonly run in. A symbol is only given
where it is unambiguous in a back office that shows one currency at a time; ``JPY`` is
``JP¥`` so that it never reads as yuan. Codes without a symbol are shown as the code
(``CHF 12.50``). Formatting is :func:`core.formats.money`, the one money formatter.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_CURRENCY = "CNY"


@dataclass(frozen=True)
class Currency:
    code: str  # ISO 4217 alphabetic code
    symbol: str | None  # None: show the code
    digits: int  # ISO 4217 minor units


CURRENCIES: dict[str, Currency] = {
    c.code: c
    for c in (
        Currency("CNY", "¥", 2),
        Currency("HKD", "HK$", 2),
        Currency("MOP", "MOP$", 2),
        Currency("TWD", "NT$", 2),
        Currency("USD", "$", 2),
        Currency("EUR", "€", 2),
        Currency("GBP", "£", 2),
        Currency("JPY", "JP¥", 0),
        Currency("KRW", "₩", 0),
        Currency("SGD", "S$", 2),
        Currency("MYR", "RM", 2),
        Currency("THB", "฿", 2),
        Currency("VND", "₫", 0),
        Currency("IDR", "Rp", 2),
        Currency("PHP", "₱", 2),
        Currency("INR", "₹", 2),
        Currency("AUD", "A$", 2),
        Currency("NZD", "NZ$", 2),
        Currency("CAD", "CA$", 2),
        Currency("MXN", "MX$", 2),
        Currency("BRL", "R$", 2),
        Currency("RUB", "₽", 2),
        Currency("TRY", "₺", 2),
        Currency("AED", None, 2),
        Currency("SAR", None, 2),
        Currency("ILS", "₪", 2),
        Currency("ZAR", None, 2),
        Currency("CHF", None, 2),
        Currency("SEK", None, 2),
        Currency("NOK", None, 2),
        Currency("DKK", None, 2),
        Currency("PLN", None, 2),
        Currency("CZK", None, 2),
        Currency("HUF", None, 2),
    )
}


def currency(code: str | None) -> Currency:
    """The :class:`Currency` for ``code`` (None: the default); a code outside the table is
    shown as itself with two decimals."""
    code = code or DEFAULT_CURRENCY
    return CURRENCIES.get(code) or Currency(code, None, 2)


def symbol(code: str | None) -> str:
    """What a money figure starts with: the symbol, else the code (``CHF``)."""
    found = currency(code)
    return found.symbol or found.code


# Money columns of the metric tables, reports and exports, by name (one vocabulary across
# core/metrics.py, core/churn.py and core/segments.py); their headers carry the currency.
MONEY_COLUMNS: frozenset[str] = frozenset(
    {
        "revenue", "revenue_30d", "revenue_90d", "cumulative_revenue", "revenue_per_member",
        "ltv", "ltv_90d", "ltv_per_member", "predicted_ltv_12m", "value_at_risk",
        "cost", "cac", "discount_cost", "cost_now", "cost_new",
        "spend", "spend_12m", "gap", "threshold", "next_threshold",
        "amount", "discount_amount",
    }
)  # fmt: skip


# What an amount in the store currency may carry around its digits, besides thousands
# separators: the symbol, the code, and for CNY the full-width sign, 元 and RMB.
_CNY_EXTRAS = ("￥", "元", "RMB")


def amount_decorations(code: str | None) -> tuple[str, ...]:
    """Strings stripped from an imported amount in the store currency ``code``, longest first
    (``US$``-style symbols before a bare ``$``). Amounts marked with another currency's
    symbol are not stripped, so they are rejected instead of being read as the store's
    money."""
    found = currency(code)
    found_symbol = found.symbol or found.code
    tokens = {found.code, found_symbol}
    if found.code == "CNY":
        tokens.update(_CNY_EXTRAS)
    return tuple(sorted(tokens, key=lambda token: (-len(token), token)))


def money_header(column: str, code: str | None) -> str:
    """A money column's header with its currency: ``revenue (¥)``, ``revenue ($)``."""
    return f"{column} ({symbol(code)})"


def money_headers(columns, code: str | None) -> dict[str, str]:
    """``{column: header}`` for the money columns among ``columns`` (for ``rename``)."""
    return {c: money_header(c, code) for c in columns if c in MONEY_COLUMNS}

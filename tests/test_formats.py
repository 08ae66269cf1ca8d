"""core/formats.py: money, counts, rates and dates, against values worked out by hand.

万 is 10⁴ and 亿 is 10⁸: ¥1,395,000 = 139.5 × 10⁴ → ¥139.5万; 123,456,789 = 1.23 × 10⁸ →
1.2亿; 99,999,999 = 0.99999999 亿, which rounds to 1.0亿 (not 10,000.0万). In English
1,395,000 → 1.4M and 12,345 → 12.3K. Compact units start at 10,000: 9,999 is in full.
"""

from datetime import date, datetime

import pandas as pd
import pytest

from core import formats, i18n

MINUS = "\u2212"


@pytest.mark.parametrize(
    ("value", "zh", "en"),
    [
        (9_876.5, "¥9,876.50", "¥9,876.50"),  # below 10,000: in full
        (10_000, "¥1.0万", "¥10.0K"),  # the first compact figure
        (1_395_000, "¥139.5万", "¥1.4M"),
        (12_345_678, "¥1,234.6万", "¥12.3M"),
        (99_999_999, "¥1.0亿", "¥100.0M"),  # 9,999.99999万 rounds up into 亿
        (100_000_000, "¥1.0亿", "¥100.0M"),
        (123_456_789, "¥1.2亿", "¥123.5M"),
        (2_500_000_000, "¥25.0亿", "¥2.5B"),
    ],
)
def test_money_compact_uses_wan_yi_in_zh_and_k_m_in_en(value, zh, en):
    assert formats.money_compact(value, "zh") == zh
    assert formats.money_compact(value, "en") == en


def test_negative_money_has_a_minus_sign_before_the_currency():
    assert formats.money(-1234) == f"{MINUS}¥1,234.00"
    assert formats.money_compact(-25_000, "zh") == f"{MINUS}¥2.5万"
    assert formats.money_compact(-1234, "en") == f"{MINUS}¥1,234.00"


def test_money_that_rounds_to_zero_has_no_sign():
    assert formats.money(-0.001) == "¥0.00"


def test_money_keeps_the_currency_minor_units_and_code():
    assert formats.money(1234.5, currency="JPY") == "JP¥1,235"
    assert formats.money(1234.5, currency="CHF") == "CHF 1,234.50"
    assert formats.money_compact(1_500_000, "en", "USD") == "$1.5M"


@pytest.mark.parametrize(
    ("value", "zh", "en"),
    [
        (9_999, "9,999", "9,999"),
        (12_345, "1.2万", "12.3K"),
        (1_000_000, "100.0万", "1.0M"),
        (150_000_000, "1.5亿", "150.0M"),
    ],
)
def test_compact_counts(value, zh, en):
    assert formats.compact(value, "zh") == zh
    assert formats.compact(value, "en") == en


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (0.1234, "12.3%"),
        (0.5, "50.0%"),
        (0.0, "0.0%"),
        (0.0004, "0.04%"),  # not 0.0%
        (0.00004, "0.004%"),
        (0.000123, "0.01%"),
        (0.0000000001, "<0.0001%"),
        (-0.0234, f"{MINUS}2.3%"),
    ],
)
def test_rates_have_one_decimal_and_tiny_rates_never_read_zero(value, shown):
    assert formats.rate(value) == shown


def test_missing_values_are_a_dash():
    for shown in (
        formats.money(None),
        formats.money_compact(float("nan"), "zh"),
        formats.rate(None),
        formats.count(float("nan")),
        formats.day(pd.NaT),
    ):
        assert shown == "—"
    assert formats.change(None, "relative", "zh") is None


def test_dates_read_as_dates():
    assert formats.day(pd.Timestamp("2026-06-10 00:00:00")) == "2026-06-10"
    assert formats.day(datetime(2026, 6, 10, 0, 0)) == "2026-06-10"
    assert formats.day(date(2026, 6, 10)) == "2026-06-10"
    assert formats.moment(datetime(2026, 6, 10)) == "2026-06-10"
    assert formats.moment(datetime(2026, 6, 10, 14, 5, 9)) == "2026-06-10 14:05"


def test_changes_in_points_and_percent():
    assert formats.change(0.0123, "points", "zh") == "+1.2 个百分点"
    assert formats.change(0.0123, "points", "en") == "+1.2 pp"
    assert formats.change(-0.05, "relative", "en") == "-5.0%"  # ASCII: Streamlit colours it


def test_points_are_unsigned_differences_of_rates():
    assert formats.points(0.58659, "zh") == "58.7 个百分点"
    assert formats.points(0.0071, "en") == "0.7 pp"
    assert formats.points(-0.012, "en") == f"{MINUS}1.2 pp"
    assert formats.points(-0.0001, "zh") == "0.0 个百分点"  # rounds to zero: no minus
    assert formats.points(None, "zh") == formats.EMPTY


def test_count_and_rate_bar_labels():
    assert formats.count_and_rate(12345, 0.38249) == "12,345 · 38.2%"
    assert formats.count_and_rate(12345, float("nan")) == "12,345"  # a funnel's first step
    assert formats.count_and_rate(7, 0.0004) == "7 · 0.04%"


def test_i18n_wrappers_are_the_same_formatter():
    assert i18n.fmt_money(-1234.5) == formats.money(-1234.5) == f"{MINUS}¥1,234.50"
    assert i18n.fmt_percent(0.0004) == "0.04%"
    assert i18n.fmt_int(12345) == "12,345"
    assert i18n.fmt_date(pd.Timestamp("2026-06-10")) == "2026-06-10"


def test_column_formats_by_kind():
    found = formats.column_formats(
        ["revenue", "members", "d30", "conversion_from_first", "channel"], "CNY"
    )
    assert found == {
        "revenue": {"format": "¥%,.2f"},
        "members": {"format": "%,d"},
        "d30": {"format": "percent", "step": 0.001},
        "conversion_from_first": {"format": "percent", "step": 0.001},
    }
    assert formats.money_column_format("JPY") == "JP¥%,.0f"


@pytest.mark.parametrize(
    ("lang", "kind", "key", "value", "shown"),
    [
        ("zh", "money", "revenue", 1_395_000, "¥139.5万"),
        ("en", "money", "revenue", 1_395_000, "¥1.4M"),
        ("zh", "money", "arpu", 25.08, "¥25.08"),
        ("zh", "count", "members", 123_456_789, "1.2亿"),
        ("en", "count", "members", 12_345, "12.3K"),
        ("zh", "count", "dau", 12.25, "12.3"),  # one decimal, a half rounds up
        ("zh", "rate", "active_rate", 0.0004, "0.04%"),
    ],
)
def test_kpi_cards_are_compact(lang, kind, key, value, shown):
    from core import metrics, ui  # Streamlit only for this test

    ctx = ui.PageContext(store=None, account=None, lang=lang)
    assert ui.format_kpi(ctx, metrics.Kpi(key, kind, value, None)) == shown


def test_date_columns_are_datetime_columns_at_midnight():
    frame = pd.DataFrame(
        {
            "day": pd.to_datetime(["2026-06-01", None]),
            "at": pd.to_datetime(["2026-06-01 14:05", "2026-06-02 00:00"]),
            "members": [1, 2],
        }
    )
    assert formats.date_columns(frame) == ["day"]


def test_table_column_config_formats_money_counts_rates_and_dates():
    from core import ui  # Streamlit only for this test

    ctx = ui.PageContext(store=None, account=None, lang="zh")
    frame = pd.DataFrame(
        {
            "cohort": pd.to_datetime(["2026-06-01"]),
            "revenue": [1.5],
            "members": [3],
            "d30": [0.5],
            "channel": ["wechat"],
        }
    )
    config = ui.column_config(ctx, frame, {"revenue": "revenue (¥)"})
    assert set(config) == {"cohort", "revenue (¥)", "members", "d30"}
    assert config["revenue (¥)"]["type_config"]["format"] == "¥%,.2f"
    assert config["members"]["type_config"]["format"] == "%,d"
    assert config["d30"]["type_config"]["format"] == "percent"
    assert config["cohort"]["type_config"]["format"] == "YYYY-MM-DD"


def test_a_money_column_with_a_negative_amount_is_signed_figures():
    """Streamlit's printf writes ``¥%,.2f`` of −1234.5 as ``¥-1,234.50`` (the sign after
    the ¥); such a column is drawn as ``%,.2f`` → ``-1,234.50`` under its ¥ header."""
    frame = pd.DataFrame({"revenue": [100.0, -1234.5], "cost": [5.0, 6.0]})
    found = formats.column_formats(frame.columns, "CNY", frame)
    assert found["revenue"] == {"format": "%,.2f"}
    assert found["cost"] == {"format": "¥%,.2f"}
    assert formats.money_column_format("JPY", negative=True) == "%,.0f"


@pytest.mark.parametrize(
    ("values", "digits", "step"),
    [
        ([0.1234, 0.5], 1, 0.001),  # 12.3%, 50.0%
        ([0.1234, 0.0004], 2, 0.0001),  # 0.04% needs two decimals, not 0.0%
        ([0.00004], 3, 0.00001),  # 0.004%
        ([0.0, None, float("nan")], 1, 0.001),  # zero and missing need nothing more
        ([1e-12], 4, 0.000001),  # at most four: formats.rate shows it as <0.0001%
    ],
)
def test_a_rate_column_gets_the_decimals_its_tiny_rates_need(values, digits, step):
    assert formats.rate_digits(values) == digits
    assert formats.rate_column_step(values) == pytest.approx(step)
    frame = pd.DataFrame({"d30": values})
    assert formats.column_formats(frame.columns, "CNY", frame)["d30"]["step"] == pytest.approx(step)


def test_table_column_config_of_a_frame_with_a_refund_and_a_tiny_rate():
    from core import ui

    ctx = ui.PageContext(store=None, account=None, lang="zh")
    frame = pd.DataFrame({"revenue": [-1234.5], "d1": [0.0004]})
    config = ui.column_config(ctx, frame)
    assert config["revenue"]["type_config"]["format"] == "%,.2f"
    assert config["d1"]["type_config"]["format"] == "percent"
    assert config["d1"]["type_config"]["step"] == pytest.approx(0.0001)

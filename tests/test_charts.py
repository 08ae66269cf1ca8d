"""core/charts.py: the chart defaults, and every page chart carrying the language's locale.

Hand-worked: zh-CN months are 1月 … 12月 and en-US June is "June"; the store currency is the
d3 locale's currency (``$,.2f`` prints ``¥1,234.50`` in a CNY store). Tiers normal, bronze,
silver, gold (rank order) run from pale sand to gold, gold being #d4af37; a tier above gold is
deeper than gold. A cohort of 2026-06-01 with 123 members reads 2026-06-01（123 人）.
"""

from __future__ import annotations

import json
import time

import altair as alt
import pandas as pd
import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from core import auth, charts, i18n
from core.config import PROJECT_ROOT
from tests.fixtures_analytics import build_analytics_store
from tests.fixtures_app import app_store

APP = str(PROJECT_ROOT / "app.py")
PERIOD = {"from": "2026-06-01", "to": "2026-06-16"}


def test_zh_locale_has_chinese_months_and_the_store_currency():
    found = charts.locale("zh", "CNY")
    assert found["time"]["months"][5] == "6月"
    assert found["time"]["shortDays"][1] == "周一"
    assert found["number"]["currency"] == ["¥", ""]
    assert found["number"]["thousands"] == ","


def test_en_locale_and_a_currency_without_symbol():
    found = charts.locale("en", "CHF")
    assert found["time"]["months"][5] == "June"
    assert found["number"]["currency"] == ["CHF ", ""]


def test_localise_puts_the_locale_in_the_chart_config():
    chart = alt.Chart(pd.DataFrame({"x": [1]})).mark_bar().encode(x="x:Q")
    spec = charts.localise(chart, "zh", "CNY").to_dict()
    assert spec["config"]["locale"]["time"]["months"][0] == "1月"
    assert spec["config"]["locale"]["number"]["currency"] == ["¥", ""]


def test_money_formats_follow_the_currency_minor_units():
    assert charts.money_format("CNY") == "$,.2f"
    assert charts.money_format("JPY") == "$,.0f"
    assert charts.money_axis("CNY").to_dict()["format"] == "$,.0f"


def test_tier_colours_run_in_order_and_gold_is_gold():
    colours = charts.tier_colours(["normal", "bronze", "silver", "gold"])
    assert colours[0] == "#e8e2d4" and colours[-1] == charts.GOLD
    # sequential: each tier darker than the one below (sum of RGB falls)
    brightness = [sum(int(c[i : i + 2], 16) for i in (1, 3, 5)) for c in colours]
    assert brightness == sorted(brightness, reverse=True) and len(set(brightness)) == 4
    above = charts.tier_colours(["normal", "gold", "platinum"])
    assert above[1] == charts.GOLD and above[2] == "#7a5c00"


def test_period_ticks_are_the_series_own_week_starts():
    days = pd.to_datetime(["2026-06-08", "2026-06-01", "2026-06-08", None])
    ticks = [tick.to_dict() for tick in charts.period_ticks(days)]
    assert ticks == [
        {"year": 2026, "month": 6, "date": 1},
        {"year": 2026, "month": 6, "date": 8},
    ]


def test_cohort_labels_carry_the_cohort_size():
    matrix = pd.DataFrame(
        {
            "cohort": pd.to_datetime(["2026-06-01", "2026-06-01", "2026-06-08"]),
            "cohort_size": [1234, 1234, 7],
        }
    )
    labels = charts.cohort_labels(matrix, i18n.t("retention.cohort_size_label", "zh"))
    assert list(labels.values()) == ["2026-06-01（1,234 人）", "2026-06-08（7 人）"]


@pytest.fixture()
def store(tmp_path, monkeypatch):
    with app_store(tmp_path, monkeypatch, build_analytics_store, "app.duckdb") as store:
        yield store


def chart_specs(page: str) -> list[dict]:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["ml_session"] = {"username": "viewer", "issued_at": time.time()}
    at.query_params.update(PERIOD)
    at.run()
    at.switch_page(page).run()
    assert not at.exception
    return [json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")]


@pytest.mark.parametrize(("lang", "june"), [("zh", "6月"), ("en", "June")])
def test_retention_charts_get_the_language_locale(store, lang, june):
    auth.set_language(store, "viewer", lang)
    specs = chart_specs("pages/retention.py")
    assert specs
    assert [spec["config"]["locale"]["time"]["months"][5] for spec in specs] == [june] * len(specs)
    assert all(spec["config"]["locale"]["number"]["currency"] == ["¥", ""] for spec in specs)


def test_retention_matrix_shows_cohort_sizes_a_percent_legend_and_the_mean_row_last(store):
    specs = chart_specs("pages/retention.py")
    matrix = next(spec for spec in specs if "layer" in spec)
    encoding = matrix["layer"][0]["encoding"]
    rows = encoding["y"]["sort"]
    assert rows[-1] == i18n.t("retention.mean", "zh")
    assert all(row.endswith(" 人）") for row in rows[:-1])
    assert encoding["color"]["legend"]["format"] == ".0%"
    assert encoding["opacity"]["condition"]["test"] == "datum.cohort_size < 30"
    # a greyed cell still tells its count: cohort size and retained members in the tooltip
    tooltip = [item["field"] for item in encoding["tooltip"]]
    assert "cohort_size" in tooltip and "retained" in tooltip


def test_retention_breakdown_greys_each_rate_by_its_own_denominator(store):
    # tests/test_metrics_retention.py: wechat d7 is over 2 members, douyin d1 over 1
    spec, frames = next(
        (spec, frames)
        for spec, frames in page_charts("pages/retention.py", {})
        if spec.get("encoding", {}).get("yOffset")
    )
    assert spec["encoding"]["opacity"]["condition"]["test"] == "datum.eligible < 30"
    assert "eligible" in [item["field"] for item in spec["encoding"]["tooltip"]]
    rows = chart_rows(spec, frames)
    assert sorted(rows["eligible"].tolist()) == [1, 2, 2, 2, 2]


def test_retention_breakdown_names_no_best_or_worst_from_small_groups(store):
    # tests/fixtures_analytics.py has a handful of members per channel: every group is small
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["ml_session"] = {"username": "viewer", "issued_at": time.time()}
    at.query_params.update(PERIOD)
    at.run()
    at.switch_page("pages/retention.py").run()
    expected = i18n.t("analytics.best_worst_none", "zh", minimum=30)
    assert expected in [caption.value for caption in at.caption]


def page_charts(page: str, query: dict) -> list[tuple[dict, dict[str, pd.DataFrame]]]:
    """Each chart of ``page`` as (spec, {dataset name: rows}): Streamlit sends the data of a
    chart beside its spec, as Arrow."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["ml_session"] = {"username": "viewer", "issued_at": time.time()}
    at.query_params.update({**PERIOD, **query})
    at.run()
    at.switch_page(page).run()
    assert not at.exception
    found = []
    for chart in at.get("vega_lite_chart"):
        frames = {
            item.name: pa.ipc.open_stream(item.data.data).read_pandas()
            for item in chart.proto.datasets
        }
        found.append((json.loads(chart.proto.spec), frames))
    return found


def page_specs(page: str, query: dict) -> list[dict]:
    return [spec for spec, _ in page_charts(page, query)]


def chart_rows(spec: dict, frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    return frames[spec["data"]["name"]]


def test_bar_labels_sit_beside_the_bars_in_dark_text():
    bars = alt.Chart(pd.DataFrame({"n": [10, 4], "step": ["a", "b"], "label": ["10", "4"]}))
    layered = charts.bar_labels(bars.mark_bar().encode(x="n:Q", y="step:N"), "label").to_dict()
    text = layered["layer"][1]
    assert text["mark"]["type"] == "text" and text["mark"]["align"] == "left"
    assert text["encoding"]["text"]["field"] == "label"
    assert text["encoding"]["y"]["field"] == "step"  # the bars' own position
    assert charts.label_room([10, 4, float("nan")]).to_dict()["domain"] == [0, 13.5]


def test_cohort_colours_run_from_dark_old_to_light_young():
    colours = charts.age_colours(3)
    assert colours[0] == "#08306b" and colours[-1] == "#9ecae1"
    brightness = [sum(int(c[i : i + 2], 16) for i in (1, 3, 5)) for c in colours]
    assert brightness == sorted(brightness)  # older is darker
    assert charts.cohort_scale(["2026-05", "2026-06"]).to_dict()["range"] == [
        "#08306b",
        "#9ecae1",
    ]


def test_funnel_bars_carry_counts_and_conversion(store):
    # tests/test_metrics_funnel.py: members 6 → 4 → 3 → 3, conversion 4/6, 3/4, 3/3
    spec, frames = page_charts("pages/funnel.py", {})[0]
    bars, text = spec["layer"]
    assert text["mark"]["type"] == "text"
    assert text["encoding"]["text"]["field"] == "bar_label"
    labels = chart_rows(spec, frames)["bar_label"].tolist()
    assert labels == ["6", "4 · 66.7%", "3 · 75.0%", "3 · 100.0%"]


def test_funnel_labels_follow_the_group_split(store):
    # by device: ios 4 → 2 → 2 → 2, android 1 → 1 → 1 → 1, web 1 → 1 → 0 → 0
    spec, frames = page_charts("pages/funnel.py", {"funnel_dimension": "device"})[0]
    bars, text = spec["layer"]
    assert text["encoding"]["yOffset"]["field"] == "group"
    assert text["encoding"]["color"] == {"value": charts.LABEL_COLOUR}
    assert text["mark"]["dy"] == charts.OFFSET_STEP / 2  # centred on its bar
    assert spec["height"] == {"step": charts.OFFSET_STEP, "for": "offset"}
    rows = chart_rows(spec, frames)
    labels = rows.set_index(["group", "step"])["bar_label"].to_dict()
    assert labels[("iOS", 1)] == "4" and labels[("iOS", 2)] == "2 · 50.0%"
    assert labels[("网页", 3)] == "0 · 0.0%" and labels[("网页", 4)] == "0"


def test_ltv_cohort_curves_are_coloured_by_age_and_faint_when_small(store):
    # tests/test_metrics_ltv.py: cohorts May {1, 7} and June (365 days ending 06-16)
    specs = page_specs("pages/ltv.py", {})
    cohorts, pooled = specs
    encoding = cohorts["encoding"]
    # June's month 0 has not ended by 06-16: no line, no legend entry
    assert encoding["color"]["scale"]["domain"] == ["2026-05"]
    assert encoding["color"]["scale"]["range"] == charts.age_colours(1)
    assert encoding["opacity"]["condition"]["test"] == "datum.members < 30"
    assert pooled["title"]["text"] == i18n.t("ltv.pooled_title", "zh")
    assert pooled["title"]["subtitle"] == i18n.t("ltv.pooled_note", "zh").split("\n")
    assert "结构效应" in "".join(pooled["title"]["subtitle"])


def test_retention_trend_and_curve_grey_small_denominators(store):
    specs = page_specs("pages/retention.py", {})
    tests = [
        spec.get("encoding", {}).get("opacity", {}).get("condition", {}).get("test")
        for spec in specs
    ]
    assert "datum.cohort_size < 30" in tests  # the trend by cohort
    assert "datum.eligible < 30" in tests  # the curve's day-N rates

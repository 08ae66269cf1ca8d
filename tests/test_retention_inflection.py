"""The retention inflection (core/metrics.py ``curve_inflection``, SPEC §4): the day after day 1
whose drop is largest relative to the neighbouring days' drops, or None ("no clear
inflection") when none stands out.

Hand-worked on tiny curves (rates by day 0, 1, 2, …; drop(d) = r(d−1) − r(d); excess =
drop(d) − mean of the neighbouring drops, a rise counting as 0):

- cliff, 1,000 members a day: 1, .6, .6, .6, .6, .1, .1, .1, .1 → drops .4, 0, 0, 0, .5, 0,
  0, 0. Day 5: excess .5 − (0 + 0)/2 = .5 ≥ half its drop; noise √(.6·.4/1000 + .1·.9/1000)
  = .0182, four times .073 < .5 → day 5, intervene on day 4. Day 1's drop (.4) is never a
  candidate.
- a kink after a big day-1 drop, 2,000 a day: 1, .5, .45, .40, .25, .22, .20 → drops .5,
  .05, .05, .15, .03, .02. Day 4: .15 − (.05 + .03)/2 = .11 ≥ .075; noise
  √(.4·.6/2000 + .25·.75/2000) = .0146, ×4 = .058 < .11 → day 4. Day 2: .05 − (.5 + .05)/2
  < 0; day 3: .05 − (.05 + .15)/2 < 0.
- smooth convex decay 1, .4, .3, .24, .2, .17, .15 (drops .6, .1, .06, .04, .03, .02): every
  excess ≤ 0 → None. A flat curve → None.
- one-day dip 1, .5, .5, .5, .2, .5, .5: day 4 falls .3 but day 5 wins it all back (r(3) −
  r(5) = 0 < .15) → None.
- mild kink 1, .5, .48, .46, .40, .38, .36 (drops .5, .02, .02, .06, .02, .02): day 4 excess
  .06 − .02 = .04 ≥ .03 and ≥ .02. Over 200 members the noise is √(.46·.54/200 +
  .4·.6/200) = .0494, ×4 = .198 > .04 → None; over 20,000 it is .0049, ×4 = .0198 → day 4.
- twice is the bar: 1, .5, .45, .40, .33, .28, .23 (drops .5, .05, .05, .07, .05, .05): day
  4 excess .07 − .05 = .02 < .035 → None.
- the cliff over 29 members a day → None (a rate needs 30); over 30 → day 5 (noise
  √(.24/30 + .09/30) = .105, ×4 = .42 < .5).

The demo store (data/generate.py, PLANTED.trial_drop_day = 5): 85% of free_trial members are
active on days 1-4 with probability 0.7 and stop on day 5; on a 3,000-member demo (seed 42)
the free_trial curve reads 59.8% on day 4 and 1.1% on day 5, and no other channel's curve
has a day that stands out.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from core import metrics
from core.filters import GlobalFilters


def curve(rates: list[float], eligible: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "group": "all",
            "day": range(len(rates)),
            "eligible": eligible,
            "rate": rates,
        }
    )


CLIFF = [1.0, 0.6, 0.6, 0.6, 0.6, 0.1, 0.1, 0.1, 0.1]


def test_a_cliff_is_the_inflection_and_the_day_before_is_the_intervention():
    found = metrics.curve_inflection(curve(CLIFF, 1000))
    assert (found.day, found.intervention_day) == (5, 4)
    assert found.drop == pytest.approx(0.5)
    assert found.excess == pytest.approx(0.5)
    assert (found.rate_before, found.rate) == pytest.approx((0.6, 0.1))
    assert found.neighbour_drop == pytest.approx(0.0)


def test_day_one_is_never_the_inflection_even_with_the_largest_drop():
    found = metrics.curve_inflection(curve([1.0, 0.5, 0.45, 0.40, 0.25, 0.22, 0.20], 2000))
    assert (found.day, found.intervention_day) == (4, 3)
    assert found.drop == pytest.approx(0.15)
    assert found.excess == pytest.approx(0.11)


def test_a_smooth_or_flat_curve_has_no_clear_inflection():
    assert metrics.curve_inflection(curve([1.0, 0.4, 0.3, 0.24, 0.2, 0.17, 0.15], 5000)) is None
    assert metrics.curve_inflection(curve([1.0] + [0.3] * 30, 5000)) is None


def test_a_one_day_dip_is_not_an_inflection():
    assert metrics.curve_inflection(curve([1.0, 0.5, 0.5, 0.5, 0.2, 0.5, 0.5], 5000)) is None


def test_a_mild_kink_stands_out_only_beyond_sampling_noise():
    mild = [1.0, 0.5, 0.48, 0.46, 0.40, 0.38, 0.36]
    assert metrics.curve_inflection(curve(mild, 200)) is None
    found = metrics.curve_inflection(curve(mild, 20_000))
    assert found.day == 4 and found.excess == pytest.approx(0.04)


def test_a_drop_must_be_twice_its_neighbours():
    steady = [1.0, 0.5, 0.45, 0.40, 0.33, 0.28, 0.23]
    assert metrics.curve_inflection(curve(steady, 100_000)) is None


def test_small_samples_are_not_judged():
    assert metrics.curve_inflection(curve(CLIFF, 29)) is None
    assert metrics.curve_inflection(curve(CLIFF, 30)).day == 5


def test_days_without_a_rate_are_skipped():
    # day 5 unknown: no drop into or out of it, so the cliff cannot be placed
    gap = curve(CLIFF, 1000)
    gap.loc[gap["day"] == 5, "rate"] = float("nan")
    assert metrics.curve_inflection(gap) is None
    assert metrics.curve_inflection(curve([1.0], 1000)) is None


@pytest.fixture(scope="module")
def small_demo(tmp_path_factory):
    from core.demo import build_demo_store
    from core.store import close_store

    path = tmp_path_factory.mktemp("small_demo") / "demo.duckdb"
    store = build_demo_store(path, members=3000, events=200_000, seed=42)
    yield store, store.last_event_day()
    close_store(path)


def test_demo_free_trial_members_fall_away_on_day_5(small_demo):
    from data.generate import PLANTED

    store, as_of = small_demo
    table = metrics.retention_breakdown(
        store, GlobalFilters(start=date(2025, 1, 1)), as_of, "channel"
    ).set_index("group")
    trial = table.loc[PLANTED.trial_channel]
    assert (trial["inflection_day"], trial["intervention_day"]) == (5, 4)
    # the other channels decay smoothly: no clear inflection
    others = table.drop(index=PLANTED.trial_channel)
    assert len(others) == 6 and others["inflection_day"].isna().all()


def test_demo_free_trial_curve_rates_around_the_inflection(small_demo):
    store, as_of = small_demo
    trial = GlobalFilters(start=date(2025, 1, 1), channels=("free_trial",))
    found = metrics.curve_inflection(metrics.retention_curve(store, trial, as_of))
    assert (found.day, found.intervention_day) == (5, 4)
    assert (found.rate_before, found.rate) == pytest.approx((0.598, 0.011), abs=0.001)
    assert found.neighbour_drop < 0.02


def test_retention_page_names_the_demo_free_trial_inflection(tmp_path, monkeypatch):
    import time

    from streamlit.testing.v1 import AppTest

    from core import i18n
    from core.config import PROJECT_ROOT
    from core.demo import build_demo_store
    from tests.fixtures_app import app_store

    def build(path):
        return build_demo_store(path, members=3000, events=200_000, seed=42)

    with app_store(tmp_path, monkeypatch, build, "demo.duckdb"):
        at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=120)
        at.session_state["ml_session"] = {"username": "viewer", "issued_at": time.time()}
        at.query_params.update({"from": "2025-01-01", "channel": "free_trial"})
        at.run()
        at.switch_page("pages/retention.py").run()
        assert not at.exception
        texts = [info.value for info in at.info]
        found = [text for text in texts if text.startswith("拐点：第 5 天")]
        assert len(found) == 1
        assert "59.8%" in found[0] and "1.1%" in found[0]
        assert "建议在第 4 天" in found[0]
        rule = i18n.t("retention.inflection_rule", "zh")
        assert rule in [caption.value for caption in at.caption]

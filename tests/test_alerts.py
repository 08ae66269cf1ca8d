"""Alert rules (SPEC §5) on hand-written daily series, in pure form and through a store, and
the planted drop of the demo store."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, timedelta

import pytest

from core import rollups, segments
from core.config import PROJECT_ROOT
from core.permissions import PermissionDenied
from core.segments import find_decline
from core.store import close_store, open_store

WEEK = [100.0] * 7


def test_two_days_of_decline_do_not_fire():
    assert find_decline([*WEEK, 90, 60]) is None


def test_three_days_totalling_25_percent_fire():
    decline = find_decline([*WEEK, 90, 80, 75])
    assert decline is not None
    assert (decline.start, decline.days, decline.baseline, decline.latest) == (7, 3, 100, 75)
    assert decline.drop == pytest.approx(0.25)


def test_three_days_totalling_10_percent_do_not_fire_at_20():
    assert find_decline([*WEEK, 97, 94, 90], days=3, min_drop=0.2) is None
    assert find_decline([*WEEK, 97, 94, 90], days=3, min_drop=0.05) is not None


def test_the_drop_must_exceed_x_and_every_day_must_fall():
    assert find_decline([*WEEK, 90, 85, 80]) is None  # exactly 20%: not more than X
    assert find_decline([*WEEK, 90, 70, 70]) is None  # flat on the last day
    assert find_decline([*WEEK, 70, 90, 80, 75]) is None  # only two falling days at the end


def test_baseline_is_the_week_before_the_first_falling_day():
    # 13 days: baseline days 2..8 (mean (5 x 100 + 2 x 120) / 7), then four falling days
    series = [50, 60, 100, 100, 100, 100, 100, 120, 120, 110, 100, 90, 80]
    decline = find_decline(series, days=3, min_drop=0.2)
    assert decline.start == 9 and decline.days == 4
    assert decline.baseline == pytest.approx((5 * 100 + 2 * 120) / 7)
    assert find_decline([*WEEK[:6], 90, 80, 75]) is None  # no full week before: no alert


def test_recovery_and_actions():
    assert segments.recovered(80, 100, 0.2) and not segments.recovered(79.9, 100, 0.2)
    assert segments.suggested_action(0.25, 0.2) == "care_sms"
    assert segments.suggested_action(0.40, 0.2) == "incentive_coupon"


# -- through a store -------------------------------------------------------------------------
# 100 members in one channel; on day i members 1..count[i] are active. Baseline week 06-01..07
# at 100, then 90, 80, 75 (fires on 06-10), 78 (still 22% down: open), 100 (recovered).
START = date(2026, 6, 1)
COUNTS = [100] * 7 + [90, 80, 75, 78, 100]
DAYS = [START + timedelta(days=i) for i in range(len(COUNTS))]


@pytest.fixture()
def series_store(tmp_path):
    path = tmp_path / "alerts.duckdb"
    close_store(path)
    store = open_store(path)
    with store.transaction() as cur:
        for key in range(1, 101):
            cur.execute(
                "insert into members (member_key, member_id, signup_at, channel, tier) "
                "values ($k, $id, '2026-01-01', 'wechat', 'normal')",
                {"k": key, "id": f"M{key:03d}"},
            )
        for day, count in zip(DAYS, COUNTS, strict=True):
            cur.execute(
                "insert into member_day (member_key, day, events, "
                "page_views, add_to_carts, orders_paid) "
                "select k, $d, 1, 1, 0, 0 from range(1, $n + 1) t(k)",
                {"d": day, "n": count},
            )
        # best hours of the ten affected members (91..100): 21h, but member 91 prefers 9h
        for key in range(91, 101):
            cur.execute(
                "insert into events (member_key, event_time, event_type, event_uid) "
                "values ($k, '2026-06-03 21:15:00', 'login', $k)",
                {"k": key},
            )
        for n in range(2):
            cur.execute(
                "insert into events (member_key, event_time, event_type, event_uid) "
                "values (91, '2026-06-04 09:00:00', 'login', $u)",
                {"u": 1000 + n},
            )
        rollups.complete_rollups(cur)
        cur.execute("update alert_rules set enabled = rule_id = 1")  # everyone only
    yield store
    close_store(path)


def evaluate(store, day):
    with store.transaction() as cur:
        return segments.evaluate_alerts(cur, day)


def test_store_two_days_no_alert_third_fires(series_store):
    assert evaluate(series_store, date(2026, 6, 9)) == []
    assert evaluate(series_store, date(2026, 6, 10)) == [1]
    alert = segments.alerts(series_store).iloc[0]
    assert alert["group_kind"] == "everyone" and alert["group_value"] == "everyone"
    assert alert["start_day"] == date(2026, 6, 8) and alert["decline_days"] == 3
    assert alert["baseline"] == 100 and alert["latest"] == 75
    assert alert["drop_share"] == pytest.approx(0.25)
    # active in the baseline week, not on 06-08..06-10: members 91..100
    assert alert["affected"] == 10
    assert sorted(segments.alert_member_keys(series_store, 1)) == list(range(91, 101))
    assert alert["best_hour"] == 21 and alert["action"] == "care_sms"


def test_store_alert_stays_open_until_recovery_then_clears(series_store):
    evaluate(series_store, date(2026, 6, 10))
    assert evaluate(series_store, date(2026, 6, 11)) == [1]  # 78: still more than 20% down
    assert evaluate(series_store, date(2026, 6, 12)) == []
    history = segments.alerts(series_store)
    assert len(history) == 1
    assert history.iloc[0]["status"] == "cleared"
    assert history.iloc[0]["cleared_on"] == date(2026, 6, 12)
    # the history keeps the deepest drop (75 against 100), not the recovered value
    assert history.iloc[0]["drop_share"] == pytest.approx(0.25)
    assert history.iloc[0]["latest"] == pytest.approx(100)


def test_store_replay_gives_the_same_history(series_store):
    assert evaluate(series_store, date(2026, 6, 12)) == []
    history = segments.alerts(series_store)
    assert history[["fired_on", "cleared_on"]].values.tolist() == [
        [date(2026, 6, 10), date(2026, 6, 12)]
    ]


def test_a_rule_for_one_channel_and_a_stricter_x(series_store):
    segments.save_alert_rule(series_store, "operator", "op", "wechat 30%", "channel", "wechat",
                             3, 0.3)  # fmt: skip
    assert evaluate(series_store, date(2026, 6, 10)) == [1]  # 25% fires only the everyone rule
    with pytest.raises(segments.SegmentError):
        segments.save_alert_rule(series_store, "operator", "op", "x", "channel", "nope")


@pytest.mark.parametrize("role", ["viewer", "analyst", "support"])
def test_only_operators_and_admins_edit_rules_or_run_them(series_store, role):
    with pytest.raises(PermissionDenied):
        segments.save_alert_rule(series_store, role, "x", "r", "everyone", None)
    with pytest.raises(PermissionDenied):
        segments.run_alerts_now(series_store, role, date(2026, 6, 10))


def test_demo_planted_drop_fires_exactly_one_alert_for_douyin(demo_store_path):
    from data.generate import DEMO_END, PLANTED

    store = open_store(demo_store_path, read_only=True)
    open_alerts = segments.alerts(store, "open")
    assert open_alerts[["group_kind", "group_value"]].values.tolist() == [
        ["channel", PLANTED.drop_channel]
    ]
    alert = open_alerts.iloc[0]
    assert alert["start_day"] == min(PLANTED.drop_days) and alert["fired_on"] == DEMO_END
    assert alert["decline_days"] == 3 and alert["drop_share"] > 0.3
    fired = segments.alerts(store)
    assert (fired["fired_on"].isin(PLANTED.drop_days)).sum() == 1
    close_store(demo_store_path)


def test_cli_alerts_json_lists_the_fired_alert(demo_store_path):
    close_store(demo_store_path)  # the CLI is another process: release this one's lock
    result = subprocess.run(
        [sys.executable, "-m", "core.cli", "alerts", "--json", "--db", str(demo_store_path)],
        capture_output=True, text=True, cwd=PROJECT_ROOT, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [(r["group"], r["start"], r["days"]) for r in rows] == [
        ("channel:douyin", "2026-06-26", 3)
    ]
    assert rows[0]["drop"] > 0.3


def test_cli_alerts_on_a_missing_store_is_one_line(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "core.cli", "alerts", "--db", str(tmp_path / "none.duckdb")],
        capture_output=True, text=True, cwd=PROJECT_ROOT, check=False,
    )  # fmt: skip
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1


def test_at_risk_group_follows_the_latest_churn_fit(series_store):
    # churn fit: members 61..100 at 80% (member 100 no longer active), the rest at 10%
    assert segments.at_risk_member_keys(series_store, 0.5) == []  # no fit yet: nobody
    with series_store.transaction() as cur:
        cur.execute(
            "insert into churn_model_runs values (1, 's', '2026-06-07', 30, 30, "
            "'2026-06-07 12:00:00', 1.0, 'tests', '{}')"
        )
        cur.execute(
            "insert into churn_member_scores select 1, k, k < 100, "
            "case when k > 60 then 0.8 else 0.1 end, null, null, 0, null, null, null, null "
            "from range(1, 101) t(k)"
        )
        cur.execute("update alert_rules set enabled = false")
    assert segments.at_risk_member_keys(series_store, 0.5) == list(range(61, 100))
    rule = segments.save_alert_rule(
        series_store, "operator", "op", "at risk", "at_risk", "0.5", 3, 0.2
    )
    with pytest.raises(segments.SegmentError):
        segments.save_alert_rule(series_store, "operator", "op", "x", "at_risk", "1.5")
    # group 61..99 active per day = count - 60 (capped at 39): baseline 39, then 30, 20, 15
    assert evaluate(series_store, date(2026, 6, 9)) == []
    fired = evaluate(series_store, date(2026, 6, 10))
    assert len(fired) == 1
    alert = segments.alerts(series_store).iloc[0]
    assert alert["rule_id"] == rule
    assert (alert["group_kind"], alert["group_value"]) == ("at_risk", "0.5")
    assert alert["baseline"] == 39 and alert["latest"] == 15
    assert alert["drop_share"] == pytest.approx((39 - 15) / 39)
    # active in the baseline week, on none of 06-08..06-10: members 91..99
    assert sorted(segments.alert_member_keys(series_store, int(fired[0]))) == list(range(91, 100))

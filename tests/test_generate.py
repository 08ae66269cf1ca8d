"""Tests of the demo data generator: determinism, the data contract and the planted effects.

The planted effects are measured in the raw generated files (DuckDB over Parquet), with the
metric definitions of SPEC §4-§5, so a change to the generator that weakens one fails here.
"""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from data.generate import (
    CAMPAIGNS,
    CATEGORIES,
    CHANNELS,
    COUPONS,
    DEMO_END,
    DEMO_START,
    DEVICES,
    EVENT_TYPES,
    PAID_CHANNEL_CAC,
    PLANTED,
    TABLES,
    TIER_RULES,
    GenerationSummary,
    generate,
)

DEMO_MEMBERS, DEMO_EVENTS = 20_000, 1_500_000
SMALL_MEMBERS, SMALL_EVENTS = 3_000, 150_000
TRAILING_START = DEMO_END - timedelta(days=364)


@pytest.fixture(scope="session")
def demo(tmp_path_factory) -> GenerationSummary:
    out = tmp_path_factory.mktemp("demo")
    return generate(out, members=DEMO_MEMBERS, events=DEMO_EVENTS, seed=42)


@pytest.fixture(scope="session")
def con(demo) -> duckdb.DuckDBPyConnection:
    c = duckdb.connect()
    for table in TABLES:
        path = demo.paths[table]["parquet"]
        c.execute(f"create view {table} as select * from read_parquet('{path}')")
    c.execute(
        """
        create table active_days as
        select distinct member_id, cast(event_time as date) as day from events
        """
    )
    return c


@pytest.fixture(scope="session")
def small_pair(tmp_path_factory):
    a = generate(tmp_path_factory.mktemp("a"), SMALL_MEMBERS, SMALL_EVENTS, seed=7)
    b = generate(tmp_path_factory.mktemp("b"), SMALL_MEMBERS, SMALL_EVENTS, seed=7)
    c = generate(tmp_path_factory.mktemp("c"), SMALL_MEMBERS, SMALL_EVENTS, seed=8)
    return a, b, c


@pytest.fixture(scope="session")
def small_csv(tmp_path_factory) -> GenerationSummary:
    out = tmp_path_factory.mktemp("csv")
    return generate(out, 2_000, 100_000, seed=3, formats=("parquet", "csv"), chunk_members=700)


def _read(summary: GenerationSummary, table: str) -> pd.DataFrame:
    return pd.read_parquet(summary.paths[table]["parquet"])


def _tier_of(spend: pd.Series) -> pd.Series:
    thresholds = [r.threshold for r in TIER_RULES[1:]]
    return pd.Series(np.searchsorted(thresholds, spend.to_numpy(), side="right"), spend.index)


# --------------------------------------------------------------------------- determinism


@pytest.mark.parametrize("table", TABLES)
def test_same_seed_gives_the_same_data(small_pair, table):
    a, b, _ = small_pair
    pd.testing.assert_frame_equal(_read(a, table), _read(b, table))


@pytest.mark.parametrize("table", ["members", "events", "orders", "channel_costs"])
def test_different_seed_gives_different_data(small_pair, table):
    a, _, c = small_pair
    assert not _read(a, table).equals(_read(c, table))


def test_parquet_files_are_byte_identical_for_the_same_seed(small_pair):
    a, b, _ = small_pair
    for table in TABLES:
        assert a.paths[table]["parquet"].read_bytes() == b.paths[table]["parquet"].read_bytes()


# --------------------------------------------------------------------------- contract


EXPECTED_TYPES = {
    "members": {
        "member_id": "string",
        "signup_at": "timestamp[us]",
        "nickname": "string",
        "name": "string",
        "gender": "string",
        "birth_date": "date32[day]",
        "phone": "string",
        "email": "string",
        "region": "string",
        "city": "string",
        "channel": "string",
        "device": "string",
        "status": "string",
        "growth_points": "int64",
        "last_login_at": "timestamp[us]",
        "address": "string",
    },
    "events": {
        "event_id": "string",
        "member_id": "string",
        "event_time": "timestamp[us]",
        "event_type": "string",
        "session_id": "string",
        "device": "string",
        "page": "string",
        "duration_s": "double",
        "keyword": "string",
        "category": "string",
        "item_id": "string",
        "amount": "double",
        "coupon_id": "string",
        "campaign": "string",
    },
    "orders": {
        "order_id": "string",
        "member_id": "string",
        "paid_at": "timestamp[us]",
        "amount": "double",
        "discount_amount": "double",
        "coupon_id": "string",
        "category": "string",
        "status": "string",
    },
    "channel_costs": {"channel": "string", "month": "date32[day]", "cost": "double"},
    "campaigns": {
        "campaign_id": "string",
        "name": "string",
        "start_date": "date32[day]",
        "end_date": "date32[day]",
        "channel": "string",
    },
}


@pytest.mark.parametrize("table", TABLES)
def test_columns_and_types(demo, table):
    schema = pq.read_schema(demo.paths[table]["parquet"])
    assert {f.name: str(f.type) for f in schema} == EXPECTED_TYPES[table]


def test_summary_counts_match_the_files(demo):
    for table in TABLES:
        assert pq.ParquetFile(demo.paths[table]["parquet"]).metadata.num_rows == demo.counts[table]
    assert demo.counts["members"] == DEMO_MEMBERS
    assert (demo.start_date, demo.end_date) == (DEMO_START, DEMO_END)
    assert DEMO_END.weekday() == 6


def test_event_total_is_near_the_request(demo, small_pair):
    assert abs(demo.counts["events"] / DEMO_EVENTS - 1) < 0.10
    assert abs(small_pair[0].counts["events"] / SMALL_EVENTS - 1) < 0.10


def test_no_tier_column(demo):
    assert "tier" not in pq.read_schema(demo.paths["members"]["parquet"]).names


def test_ids_unique_and_references_resolve(con):
    one = con.execute(
        """
        select
            (select count(*) - count(distinct member_id) from members),
            (select count(*) - count(distinct phone) from members),
            (select count(*) - count(distinct event_id) from events),
            (select count(*) - count(distinct order_id) from orders),
            (select count(*) from events e anti join members m using (member_id)),
            (select count(*) from orders o anti join members m using (member_id))
        """
    ).fetchone()
    assert one == (0, 0, 0, 0, 0, 0)


def test_member_fields(con):
    m = con.execute("select * from members").df()
    assert m["member_id"].str.fullmatch(r"M\d{7}").all()
    assert m["phone"].str.fullmatch(r"1[3-9]\d{9}").all()
    assert m["email"].str.fullmatch(r"[a-z]+\d+@[a-z0-9.]+").all()
    assert set(m["gender"]) == {"M", "F", "U"}
    assert set(m["device"]) == set(DEVICES)
    assert set(m["channel"]) == set(CHANNELS)
    assert m["name"].str.fullmatch(r"[\u4e00-\u9fff]{2,3}").all()
    assert m["region"].str.endswith(("省", "市", "自治区")).all()
    assert m["region"].value_counts().idxmax() == "广东省"
    assert m["address"].str.contains("号").all()
    status = m["status"].value_counts(normalize=True)
    assert set(status.index) == {"active", "frozen", "cancelled"}
    assert 0.005 < status["frozen"] < 0.05 and 0.01 < status["cancelled"] < 0.08
    age = (pd.Timestamp(DEMO_END) - pd.to_datetime(m["birth_date"])).dt.days / 365.25
    assert age.between(17.9, 67).all()
    assert (m["growth_points"] >= 0).all()


def test_signups_grow_over_the_period(con):
    first, last = con.execute(
        """
        select count(*) filter (where signup_at < date '2025-04-01'),
               count(*) filter (where signup_at >= date '2026-03-30')
        from members
        """
    ).fetchone()
    assert last > 1.6 * first


def test_event_times_within_demo_and_after_signup(con):
    lo, hi, before_signup, signup_days_without_events = con.execute(
        """
        select min(event_time), max(event_time),
            (select count(*) from events e join members m using (member_id)
             where e.event_time < m.signup_at),
            (select count(*) from members m anti join active_days a
             on a.member_id = m.member_id and a.day = cast(m.signup_at as date))
        from events
        """
    ).fetchone()
    assert lo.date() >= DEMO_START and hi.date() == DEMO_END
    assert before_signup == 0 and signup_days_without_events == 0
    assert (
        con.execute(
            "select count(*) from orders where paid_at::date > date '2026-06-28'"
        ).fetchone()[0]
        == 0
    )


def test_signup_session_starts_at_signup(con):
    mismatched = con.execute(
        """
        select count(*) from members m
        where m.signup_at <> (select min(event_time) from events e where e.member_id = m.member_id)
        """
    ).fetchone()[0]
    assert mismatched == 0


def test_last_login_matches_events(con):
    mismatched = con.execute(
        """
        select count(*) from members m join (
            select member_id, max(event_time) as t from events where event_type = 'login'
            group by 1) l using (member_id)
        where m.last_login_at <> l.t
        """
    ).fetchone()[0]
    assert mismatched == 0


def test_event_enums_and_optional_fields(con):
    e = (
        con.execute(
            """
        select event_type,
            count(*) as n,
            count(keyword) as keyword,
            count(amount) as amount,
            count(coupon_id) as coupon,
            count(session_id) as session
        from events group by 1
        """
        )
        .df()
        .set_index("event_type")
    )
    assert set(e.index) == set(EVENT_TYPES)
    assert (e["keyword"] == e.index.map(lambda t: e.loc[t, "n"] if t == "search" else 0)).all()
    assert e.loc["order_paid", "amount"] == e.loc["order_paid", "n"]
    assert e.loc["refund", "amount"] == e.loc["refund", "n"]
    assert e["amount"].drop(["order_paid", "refund"]).sum() == 0
    assert e.loc["coupon_claim", "coupon"] == e.loc["coupon_claim", "n"]
    assert e.loc["coupon_use", "coupon"] == e.loc["coupon_use", "n"]
    assert (e["session"] == e["n"]).all()
    cats = con.execute("select distinct category from events where category is not null").df()
    assert set(cats["category"]) == set(CATEGORIES)
    devices = con.execute("select distinct device from events").df()
    assert set(devices["device"]) == set(DEVICES)
    campaigns = con.execute("select distinct campaign from events where campaign is not null").df()
    assert set(campaigns["campaign"]) <= {c[0] for c in CAMPAIGNS}


def test_event_device_is_the_members_device(con):
    assert (
        con.execute(
            "select count(*) from events e join members m using (member_id) "
            "where e.device <> m.device"
        ).fetchone()[0]
        == 0
    )


def test_order_paid_events_match_orders_one_to_one(con):
    n_orders, n_paid_events, matched = con.execute(
        """
        select (select count(*) from orders),
               (select count(*) from events where event_type = 'order_paid'),
               (select count(*) from orders o join events e
                  on e.event_type = 'order_paid' and e.member_id = o.member_id
                 and e.event_time = o.paid_at and e.amount = o.amount
                 and e.category = o.category
                 and coalesce(e.coupon_id, '') = coalesce(o.coupon_id, ''))
        """
    ).fetchone()
    assert n_orders == n_paid_events == matched


def test_refunds_follow_their_orders(con):
    refunded, n_orders = con.execute(
        "select count(*) filter (where status = 'refunded'), count(*) from orders"
    ).fetchone()
    assert 0.02 < refunded / n_orders < 0.04
    later = con.execute(
        """
        select count(*) from orders o where o.status = 'refunded' and exists (
            select 1 from events e where e.event_type = 'refund' and e.member_id = o.member_id
              and e.amount = o.amount and e.category = o.category and e.event_time > o.paid_at
              and e.event_time <= o.paid_at + interval 15 day)
        """
    ).fetchone()[0]
    assert later == refunded
    n_refund_events = con.execute("select count(*) from events where event_type = 'refund'")
    assert n_refund_events.fetchone()[0] == refunded


def test_orders_money_fields(con):
    o = con.execute("select * from orders").df()
    assert (o["amount"] > 0).all() and (o["discount_amount"] >= 0).all()
    assert np.allclose(o["amount"], o["amount"].round(2))
    assert set(o["status"]) == {"paid", "refunded"}


def test_channel_costs_for_paid_channels_by_month(con):
    c = con.execute("select * from channel_costs").df()
    assert set(c["channel"]) == set(PAID_CHANNEL_CAC)
    assert (pd.to_datetime(c["month"]).dt.day == 1).all()
    assert len(c) == len(PAID_CHANNEL_CAC) * 18 and (c["cost"] > 0).all()


def test_campaigns_are_valid(con):
    c = con.execute("select * from campaigns order by start_date").df()
    assert set(c["channel"]) <= set(CHANNELS)
    assert (c["end_date"] >= c["start_date"]).all()
    assert (c["start_date"].iloc[1:].to_numpy() > c["end_date"].iloc[:-1].to_numpy()).all()
    assert {"618大促", "双11", "年货节", "38女神节"} <= set(c["name"])


def test_csv_matches_parquet(small_csv):
    for table in TABLES:
        csv_path = small_csv.paths[table]["csv"]
        raw = csv_path.read_text(encoding="utf-8")
        assert raw.splitlines()[0].replace('"', "").split(",")[0] in {
            "member_id",
            "event_id",
            "order_id",
            "channel",
            "campaign_id",
        }
        from_csv = duckdb.execute(f"select * from read_csv('{csv_path}', header = true)").df()
        from_parquet = duckdb.execute(
            f"select * from read_parquet('{small_csv.paths[table]['parquet']}')"
        ).df()
        assert len(from_csv) == len(from_parquet) == small_csv.counts[table]
    events_csv = small_csv.paths["events"]["csv"].read_text(encoding="utf-8").splitlines()
    assert any(",2025-" in line and ":" in line for line in events_csv[1:50])
    first = events_csv[1].split(",")
    assert any(len(f) == 19 and f[4] == "-" and f[13] == ":" for f in first)


# --------------------------------------------------------------------------- realism


def test_weekly_rhythm_is_mild_with_friday_below_saturday(con):
    by_dow = con.execute(
        "select isodow(day) as dow, count(*) as n from active_days group by 1 order by 1"
    ).df()
    rel = by_dow["n"] / by_dow["n"].mean()
    assert rel.between(0.92, 1.08).all()
    assert rel.iloc[4] < rel.iloc[5]  # Fri < Sat
    assert rel.iloc[5:].min() > rel.iloc[:5].max()  # weekends higher


def test_daily_rhythm_peaks_at_noon_and_evening(con):
    h = con.execute("select hour(event_time) as h, count(*) as n from events group by 1 order by 1")
    n = h.df().set_index("h")["n"]
    assert n.loc[11:13].max() > n.loc[8:10].max() and n.loc[11:13].max() > n.loc[14:17].max()
    assert n.loc[3:5].max() < 0.1 * n.max()
    assert n.loc[19:22].idxmax() in (20, 21, 22)


def test_activity_is_heavy_tailed(con):
    per_member = con.execute("select count(*) as n from events group by member_id").df()["n"]
    top10 = per_member.nlargest(len(per_member) // 10).sum() / per_member.sum()
    assert top10 > 0.3


def test_coupon_driven_and_cart_abandoners_exist(con):
    coupon_driven = con.execute(
        """
        select count(*) from (
            select member_id, count(*) as n, avg((coupon_id is not null)::int) as share
            from orders group by 1) where n >= 3 and share >= 0.7
        """
    ).fetchone()[0]
    abandoners = con.execute(
        """
        select count(*) from (
            select member_id, count(*) filter (where event_type = 'add_to_cart') as carts,
                   count(*) filter (where event_type = 'order_paid') as orders
            from events group by 1) where carts >= 10 and orders <= 0.05 * carts
        """
    ).fetchone()[0]
    assert coupon_driven >= 0.01 * DEMO_MEMBERS
    assert abandoners >= 0.01 * DEMO_MEMBERS


def test_category_preference_shifts_with_gender(con):
    share = (
        con.execute(
            """
        select m.gender, o.category, count(*) * 1.0 / sum(count(*)) over (partition by m.gender)
            as share
        from orders o join members m using (member_id) group by 1, 2
        """
        )
        .df()
        .pivot(index="category", columns="gender", values="share")
    )
    assert share.loc["美妆", "F"] > 2 * share.loc["美妆", "M"]
    assert share.loc["数码", "M"] > 2 * share.loc["数码", "F"]


def test_search_keywords_in_chinese_by_category(con):
    k = con.execute(
        "select category, keyword, count(*) as n from events where event_type = 'search' "
        "group by 1, 2"
    ).df()
    assert {"口红", "连衣裙", "耳机"} <= set(k["keyword"])
    assert set(k.loc[k["keyword"] == "口红", "category"]) == {"美妆"}


def test_funnel_drops_off_step_by_step(con):
    counts = (
        con.execute("select event_type, count(distinct session_id) as n from events group by 1")
        .df()
        .set_index("event_type")["n"]
    )
    steps = counts[["page_view", "add_to_cart", "checkout", "order_paid"]].to_numpy()
    assert (np.diff(steps) < 0).all()
    assert 0.05 < steps[-1] / steps[0] < 0.25


# --------------------------------------------------------------------------- planted effects


def _day_n_retention(con, days: int = 30) -> pd.DataFrame:
    """Day-N "on" retention by channel for signup cohorts with N days of data."""
    return (
        con.execute(
            f"""
        with cohort as (
            select member_id, channel, cast(signup_at as date) as signup_day from members
            where cast(signup_at as date) <= date '{DEMO_END}' - {days}
        ),
        sizes as (select channel, count(*) as size from cohort group by 1),
        on_day as (
            select c.channel, a.day - c.signup_day as n, count(*) as active
            from cohort c join active_days a using (member_id)
            where a.day - c.signup_day between 1 and {days} group by 1, 2
        )
        select o.channel, o.n, o.active * 1.0 / s.size as retention
        from on_day o join sizes s using (channel)
        """
        )
        .df()
        .pivot(index="n", columns="channel", values="retention")
    )


def test_referral_has_the_best_day_30_retention(con):
    d30 = _day_n_retention(con).loc[PLANTED.retention_day].sort_values(ascending=False)
    assert d30.index[0] == PLANTED.best_retention_channel
    assert d30.iloc[0] > 1.3 * d30.iloc[1]


def test_trial_channel_largest_drop_is_on_trial_drop_day(con):
    curve = _day_n_retention(con)[PLANTED.trial_channel]
    drops = -curve.diff()
    assert drops.idxmax() == PLANTED.trial_drop_day
    assert curve.loc[1:4].between(0.5, 0.8).all()
    assert curve.loc[PLANTED.trial_drop_day] < 0.1


def _daily_active(con, group_sql: str) -> pd.DataFrame:
    lo = PLANTED.drop_baseline_days[0]
    return (
        con.execute(
            f"""
        select {group_sql} as grp, a.day, count(distinct a.member_id) as n
        from active_days a join members m using (member_id) left join member_tier t
            using (member_id)
        where a.day >= date '{lo}' group by 1, 2
        """
        )
        .df()
        .pivot(index="day", columns="grp", values="n")
        .sort_index()
    )


def _alert(series: pd.Series) -> tuple[bool, float]:
    """(strictly falling on the last 3 days, % drop of the last day below the 7 before)."""
    base = series.iloc[:7].mean()
    last = series.iloc[6:].to_numpy()
    falling = bool((np.diff(last) < 0).all())
    return falling, 100.0 * (1 - last[-1] / base)


@pytest.fixture(scope="module")
def tiers_at_end(con):
    con.execute(
        f"""
        create or replace table member_tier as
        select m.member_id,
            case when sp >= 2000 then 'gold' when sp >= 1000 then 'silver'
                 when sp >= 500 then 'bronze' else 'normal' end as tier
        from members m left join (
            select member_id, sum(amount) as sp from orders
            where status = 'paid' and paid_at >= date '{TRAILING_START}' group by 1
        ) s using (member_id)
        """
    )


def test_drop_channel_falls_three_days_by_more_than_30_pct(con, tiers_at_end):
    dau = _daily_active(con, "m.channel")
    assert [d.date() for d in dau.index[-3:]] == list(PLANTED.drop_days)
    falling, pct = _alert(dau[PLANTED.drop_channel])
    assert falling and pct > PLANTED.drop_min_pct


@pytest.mark.parametrize("group_sql", ["m.channel", "m.device", "t.tier", "m.gender", "'everyone'"])
def test_no_other_group_shows_an_alert_sized_drop(con, tiers_at_end, group_sql):
    dau = _daily_active(con, group_sql)
    for name in dau.columns:
        if name == PLANTED.drop_channel:
            continue
        falling, pct = _alert(dau[name])
        assert not (falling and pct > PLANTED.alert_drop_pct), (name, pct)


def test_high_value_members_peak_at_night(con, tiers_at_end):
    hours = (
        con.execute(
            f"""
        with spend as (
            select m.member_id, coalesce(s.sp, 0) as sp
            from members m left join (
                select member_id, sum(amount) as sp from orders
                where status = 'paid' and paid_at >= date '{TRAILING_START}' group by 1
            ) s using (member_id)
        ),
        ranked as (
            select member_id, row_number() over (order by sp desc, member_id) as r from spend
        )
        select r <= {int(PLANTED.high_value_share * DEMO_MEMBERS)} as high_value,
            hour(e.event_time) as h, count(*) as n
        from events e join ranked using (member_id) group by 1, 2
        """
        )
        .df()
        .pivot(index="h", columns="high_value", values="n")
    )
    assert hours[True].idxmax() in PLANTED.high_value_peak_hours
    assert hours[False].idxmax() not in PLANTED.high_value_peak_hours
    night = hours.loc[list(PLANTED.high_value_peak_hours)]
    assert night[True].sum() / hours[True].sum() > 0.4
    assert night[False].sum() / hours[False].sum() < 0.1


def test_web_members_churn_sooner(con):
    dormant = (
        con.execute(
            f"""
        select m.device, avg((l.last_day < date '{DEMO_END}' - 29)::int) as dormant_share
        from members m join (select member_id, max(day) as last_day from active_days
                             group by 1) l using (member_id)
        where m.signup_at < date '{DEMO_END}' - 90
        group by 1
        """
        )
        .df()
        .set_index("device")["dormant_share"]
    )
    web = dormant.pop(PLANTED.high_hazard_device)
    assert web > dormant.max() + 0.05


def test_campaigns_lift_their_channels_signups(con):
    lift = con.execute(
        """
        select c.campaign_id,
            (select count(*) from members m where m.channel = c.channel
               and cast(m.signup_at as date) between c.start_date and c.end_date) as during,
            (select count(*) from members m where m.channel = c.channel
               and cast(m.signup_at as date) between
                   c.start_date - cast(c.end_date - c.start_date + 1 as integer)
                   and c.start_date - 1) as before
        from campaigns c
        """
    ).df()
    assert (lift["during"] > 1.5 * lift["before"]).all(), lift


def test_tier_mix_has_every_tier(con, tiers_at_end):
    mix = con.execute("select tier, count(*) * 1.0 / sum(count(*)) over () as share "
                  "from member_tier group by 1").df().set_index("tier")["share"]  # fmt: skip
    assert set(mix.index) == {r.code for r in TIER_RULES}
    assert 0.55 <= mix["normal"] <= 0.72
    assert 0.02 <= mix["gold"] <= 0.09
    assert min(mix["bronze"], mix["silver"]) > 0.08


def test_discount_follows_the_tier_at_the_previous_month_end(con):
    o = con.execute("select member_id, paid_at, amount, discount_amount, coupon_id, status "
                "from orders").df()  # fmt: skip
    o["month"] = o["paid_at"].dt.to_period("M")
    o["cents"] = (o["amount"] * 100).round().astype("int64")
    paid = o[o["status"] == "paid"]
    monthly = paid.groupby(["member_id", "month"])["cents"].sum().unstack(fill_value=0)
    months = pd.period_range(DEMO_START, DEMO_END, freq="M")
    monthly = monthly.reindex(columns=months, fill_value=0)
    trailing = monthly.T.rolling(12, min_periods=1).sum().shift(1).fillna(0).T / 100
    tier_by_month = trailing.apply(_tier_of)
    tier = tier_by_month.stack().rename("tier")
    o = o.join(tier, on=["member_id", "month"])
    o["tier"] = o["tier"].fillna(0).astype(int)
    gross = o["amount"] + o["discount_amount"]
    discounts = np.array([r.discount for r in TIER_RULES])
    plain = o["coupon_id"].isna()
    expected = np.rint(gross * 100 * discounts[o["tier"]]) / 100
    assert np.allclose(o.loc[plain, "amount"], expected[plain], atol=0.011)
    coupon_value = o.loc[~plain, "coupon_id"].map({c[0]: c[2] for c in COUPONS})
    assert np.allclose(expected[~plain] - o.loc[~plain, "amount"], coupon_value, atol=0.011)
    assert set(o["tier"]) == {0, 1, 2, 3}


def test_planted_constants_are_consistent():
    assert PLANTED.best_retention_channel in CHANNELS
    assert PLANTED.drop_channel in CHANNELS and PLANTED.trial_channel in CHANNELS
    assert PLANTED.high_hazard_device in DEVICES
    assert PLANTED.drop_days[-1] == DEMO_END
    assert PLANTED.drop_baseline_days[1] == PLANTED.drop_days[0] - timedelta(days=1)
    assert PLANTED.drop_baseline_days[0] == date(2026, 6, 19)
    with pytest.raises(AttributeError):
        PLANTED.drop_channel = "wechat"  # type: ignore[misc]


def test_rejects_unknown_format(tmp_path):
    with pytest.raises(ValueError, match="formats"):
        generate(tmp_path, 10, 100, formats=("xlsx",))

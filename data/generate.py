"""Deterministic demo data for MemberLens: members, events, orders, channel costs, campaigns.

The generator writes the files of the data contract (SPEC §2) for a fictional membership
programme that runs from ``DEMO_START`` (2025-01-01) to ``DEMO_END`` (2026-06-28, a Sunday,
the last day with events). The same seed gives the same DataFrames; everything is drawn from
one ``numpy.random.Generator(PCG64(seed))`` (plus one child generator per member chunk) and
vectorised with numpy, so the 20k-member demo takes a few seconds and the 1M-member /
50M-event benchmark store streams to Parquet in member chunks.

How the data behaves
--------------------
Members
    Signups grow about 2.5x over the 18 months with the weekly rhythm below, split over seven
    acquisition channels (``app_store``, ``wechat``, ``douyin``, ``referral``, ``search_ads``,
    ``offline_store``, ``free_trial``). A campaign multiplies the daily signups of its channel
    by ``PLANTED.campaign_signup_lift`` (2.5x) while it runs. Names, phones (unique 11-digit
    mobiles), e-mails, provinces (population weighted) and cities are Chinese; gender is
    55% F / 40% M / 5% U; ages 18-65, skewed young. A few per cent of the members who stopped
    long ago are ``cancelled`` or ``frozen``; cancelled members have no activity afterwards.
    There is no tier column: the store derives tiers from spend.
Activity
    Each member has a lognormal activity intensity (heavy tail: a few members make a large
    share of the events), scaled once so the event total lands near the requested number.
    A member is alive from signup until a lifetime drawn from an exponential churn hazard
    (plus a group of one-and-done members); the hazard is lower for high spenders, differs
    by channel (referral lowest, douyin/free_trial highest) and is 1.8x on the ``web``
    device. While alive, a member is active on a day with probability intensity x weekly
    rhythm x a new-member boost that fades over the first two weeks; the signup day always
    holds the signup session (its ``login`` is at ``signup_at``). Weekly rhythm: Mon-Thu a
    little below average, Fri average, Sat/Sun +6% (amplitude well under 8%, Fri < Sat).
    Daily rhythm: peaks around 12:00 and 20:00-21:00, quiet at night.
Sessions
    ``login`` -> ``page_view`` x n -> (``search`` with a category keyword, e.g. 口红, 连衣裙,
    耳机) -> ``add_to_cart`` -> ``checkout`` -> (``coupon_use``) -> ``order_paid`` with
    drop-off at every step; ``coupon_claim`` now and then. Cart abandoners (10% of members)
    add to cart often and almost never check out. Coupon-driven members (8%) use a coupon on
    about 88% of their orders, everybody else on about 12%. Session categories (美妆, 服饰,
    数码, 食品, 母婴, 家居, 运动) follow a per-member preference shifted by gender and age
    (women: 美妆/服饰/母婴; men: 数码/运动; 25-38: 母婴; 45+: 食品/家居). Seasonal keywords
    (羽绒服 in winter, 防晒霜 in summer, 坚果/年货 around Chinese New Year). Sessions inside
    a campaign carry its ``campaign`` id for a share of members (most of those who came
    through the campaign's channel) and convert somewhat better.
Orders and tiers
    Exactly one ``order_paid`` event per order (same member, time, amount, category,
    coupon). Tiers follow SPEC §3: for each month, every member's tier is computed from the
    trailing-12-month paid spend (orders with status ``paid``, months m-12..m-1) at the
    previous month-end, thresholds 0/500/1000/2000 -> normal/bronze/silver/gold with
    discounts 1.00/0.90/0.85/0.80. ``discount_amount`` = gross x (1 - tier discount) +
    coupon value and ``amount`` is what was paid (cents, rounded). About 3% of orders are
    ``refunded`` with a ``refund`` event in a later session of the same member.
Costs and campaigns
    ``channel_costs`` has one row per paid channel (app_store, wechat, douyin, search_ads) and
    month: signups x a channel CAC x small noise. ``campaigns`` lists nine campaigns (年货节,
    38女神节, 618大促, 七夕, 双11, 双12 ...), none overlapping.

Planted effects (``PLANTED``; SPEC §9)
--------------------------------------
1. ``best_retention_channel`` (referral): lowest hazard, fewest one-and-done members and
   higher intensity, so its day-30 "on" retention is clearly the best of all channels.
2. ``drop_channel`` (douyin): its daily active members fall on each of ``drop_days``
   (2026-06-26/27/28, Fri-Sun) to about 78%, 60% and 40% of its mean over
   ``drop_baseline_days`` (2026-06-19..25); its signups on those days are cut as well.
   Nothing else falls three days in a row by 20%: the weekend rhythm rises Fri < Sat.
3. ``trial_channel`` (free_trial), ``trial_drop_day`` (5): 85% of its members are
   trial-like, active on days 1-4 after signup with probability 0.7 each, and stop on day
   5, so the largest step down of its day-N "on" retention curve is from day 4 to day 5.
4. ``high_value_peak_hours`` (22, 23): the top ``high_value_share`` (20%) of members by
   paid spend over the last 12 months (2025-06-29..2026-06-28) start most sessions at
   22:00-23:59; everybody else peaks at 12:00 and 20:00-21:00. Orders and tiers are drawn
   before times of day, so the split uses the realised spend (exact within a member chunk,
   i.e. for the whole demo; chunks are strided samples of all members at benchmark scale).
5. ``high_hazard_device`` (web): the churn hazard is ``high_hazard_ratio`` (1.8) times
   higher on web, independent of channel and value, so web lifetimes are shorter.
6. Campaign lift: a campaign's channel signs up about 2.5x more members per day during the
   campaign than in the same-length period before it.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

DEMO_START = date(2025, 1, 1)
DEMO_END = date(2026, 6, 28)
N_DAYS = (DEMO_END - DEMO_START).days + 1
N_MONTHS = (DEMO_END.year - DEMO_START.year) * 12 + DEMO_END.month - DEMO_START.month + 1
TABLES = ("members", "events", "orders", "channel_costs", "campaigns")
FORMATS = ("parquet", "csv")
CHUNK_MEMBERS = 50_000
_SECONDS_PER_DAY = 86_400
_EPOCH_DAY0 = (DEMO_START - date(1970, 1, 1)).days


@dataclass(frozen=True)
class TierRule:
    code: str
    threshold: float
    discount: float


TIER_RULES = (
    TierRule("normal", 0.0, 1.00),
    TierRule("bronze", 500.0, 0.90),
    TierRule("silver", 1000.0, 0.85),
    TierRule("gold", 2000.0, 0.80),
)


@dataclass(frozen=True)
class PlantedEffects:
    """The effects planted in the demo data, for tests and docs to import (SPEC §9)."""

    best_retention_channel: str = "referral"
    retention_day: int = 30
    drop_channel: str = "douyin"
    drop_days: tuple[date, ...] = (date(2026, 6, 26), date(2026, 6, 27), date(2026, 6, 28))
    drop_baseline_days: tuple[date, date] = (date(2026, 6, 19), date(2026, 6, 25))
    drop_min_pct: float = 30.0
    alert_drop_pct: float = 20.0
    alert_days: int = 3
    trial_channel: str = "free_trial"
    trial_drop_day: int = 5
    trial_active_prob: float = 0.7
    high_value_peak_hours: tuple[int, ...] = (22, 23)
    high_value_share: float = 0.2
    high_hazard_device: str = "web"
    high_hazard_ratio: float = 1.8
    campaign_signup_lift: float = 2.5
    coupon_driven_min_share: float = 0.7
    refund_rate: float = 0.03


PLANTED = PlantedEffects()


@dataclass(frozen=True)
class GenerationSummary:
    """What ``generate`` wrote: row counts per table, file paths and the demo date span."""

    out_dir: Path
    seed: int
    counts: dict[str, int]
    paths: dict[str, dict[str, Path]]
    start_date: date = DEMO_START
    end_date: date = DEMO_END
    seconds: float = 0.0
    formats: tuple[str, ...] = field(default=("parquet",))


# --------------------------------------------------------------------------- vocabularies

CHANNELS = (
    "app_store",
    "wechat",
    "douyin",
    "referral",
    "search_ads",
    "offline_store",
    "free_trial",
)
_CH = {c: i for i, c in enumerate(CHANNELS)}
_CHANNEL_SHARE = np.array([0.19, 0.26, 0.11, 0.09, 0.14, 0.09, 0.12])
_CHANNEL_HAZARD = np.array([1.0, 0.9, 1.2, 0.45, 1.1, 0.8, 1.2])
_CHANNEL_ACTIVITY = np.array([1.0, 1.0, 0.95, 1.35, 0.9, 0.9, 0.9])
_CHANNEL_ONE_AND_DONE = np.array([0.22, 0.2, 0.26, 0.06, 0.24, 0.18, 0.22])
PAID_CHANNEL_CAC = {"app_store": 38.0, "wechat": 24.0, "douyin": 30.0, "search_ads": 55.0}

DEVICES = ("ios", "android", "web", "miniprogram")
_DEVICE_SHARE = np.array([0.30, 0.38, 0.12, 0.20])
_DEVICE_HAZARD = np.array([1.0, 1.0, PLANTED.high_hazard_ratio, 1.0])

CATEGORIES = ("美妆", "服饰", "数码", "食品", "母婴", "家居", "运动")
_CATEGORY_BASE = np.array([0.16, 0.20, 0.12, 0.18, 0.08, 0.14, 0.12])
_CATEGORY_GENDER = {  # F, M, U multipliers
    0: np.array([2.2, 1.4, 0.6, 1.0, 1.6, 1.0, 0.7]),
    1: np.array([0.3, 0.8, 2.0, 1.0, 0.5, 0.9, 1.7]),
    2: np.ones(7),
}
_CATEGORY_BASKET = np.array([290.0, 340.0, 760.0, 150.0, 370.0, 400.0, 440.0])
_CATEGORY_CODE = ("BZ", "FS", "SM", "SP", "MY", "JJ", "YD")
_ITEMS_PER_CATEGORY = 400

KEYWORDS = (
    ("口红", "粉底液", "面膜", "精华", "防晒霜", "眼影", "卸妆水"),
    ("连衣裙", "卫衣", "牛仔裤", "羽绒服", "T恤", "风衣", "衬衫"),
    ("耳机", "手机壳", "充电宝", "平板", "蓝牙音箱", "智能手表", "键盘"),
    ("坚果", "零食", "咖啡", "牛奶", "茶叶", "巧克力", "年货"),
    ("纸尿裤", "奶粉", "婴儿车", "儿童玩具", "湿巾", "辅食", "儿童餐椅"),
    ("四件套", "收纳盒", "枕头", "香薰", "拖鞋", "保温杯", "床垫"),
    ("跑步鞋", "瑜伽垫", "运动服", "哑铃", "篮球", "骑行", "泳镜"),
)
_SEASONAL_KEYWORDS = {  # (category, keyword index) -> months (1-12) where it is 5x
    (1, 3): (11, 12, 1, 2),
    (0, 4): (5, 6, 7, 8),
    (3, 0): (1, 2),
    (3, 6): (1, 2),
}

EVENT_TYPES = (
    "login",
    "refund",
    "coupon_claim",
    "search",
    "page_view",
    "add_to_cart",
    "checkout",
    "coupon_use",
    "order_paid",
)
_ET = {e: i for i, e in enumerate(EVENT_TYPES)}
PAGES = (
    "login",
    "order_detail",
    "coupon_center",
    "search",
    "home",
    "category",
    "item_detail",
    "campaign",
    "cart",
    "checkout",
    "pay_success",
)
_PG = {p: i for i, p in enumerate(PAGES)}
_SLOT_PAGE = np.array(
    [_PG["login"], _PG["order_detail"], _PG["coupon_center"], _PG["search"], -1]
    + [_PG["cart"], _PG["checkout"], _PG["checkout"], _PG["pay_success"]]
)
_SLOT_DURATION = np.array([3.0, 20.0, 4.0, 8.0, 35.0, 6.0, 25.0, 5.0, 10.0])

COUPONS = (  # id, threshold (yuan, on the tier price), value (yuan)
    ("CPN-0-5", 0, 5),
    ("CPN-49-10", 49, 10),
    ("CPN-99-20", 99, 20),
    ("CPN-199-30", 199, 30),
    ("CPN-299-50", 299, 50),
    ("CPN-499-80", 499, 80),
    ("CPN-999-150", 999, 150),
    ("CPN-1999-300", 1999, 300),
)
_COUPON_THRESHOLD_CENTS = np.array([c[1] * 100 for c in COUPONS], dtype=np.int64)
_COUPON_VALUE_CENTS = np.array([c[2] * 100 for c in COUPONS], dtype=np.int64)

CAMPAIGNS = (
    ("CP2501", "年货节", date(2025, 1, 16), date(2025, 1, 26), "wechat"),
    ("CP2502", "38女神节", date(2025, 3, 1), date(2025, 3, 8), "douyin"),
    ("CP2503", "618大促", date(2025, 6, 1), date(2025, 6, 18), "search_ads"),
    ("CP2504", "七夕礼遇", date(2025, 8, 22), date(2025, 8, 29), "app_store"),
    ("CP2505", "双11", date(2025, 10, 20), date(2025, 11, 11), "douyin"),
    ("CP2506", "双12好友季", date(2025, 12, 6), date(2025, 12, 12), "referral"),
    ("CP2601", "年货节", date(2026, 1, 20), date(2026, 2, 8), "wechat"),
    ("CP2602", "38女神节", date(2026, 3, 1), date(2026, 3, 8), "douyin"),
    ("CP2603", "618大促", date(2026, 6, 1), date(2026, 6, 18), "search_ads"),
)

_PROVINCES = (  # name, weight, cities
    ("广东省", 12.0, ("广州市", "深圳市", "东莞市", "佛山市")),
    ("浙江省", 8.0, ("杭州市", "宁波市", "温州市")),
    ("江苏省", 8.0, ("南京市", "苏州市", "无锡市")),
    ("山东省", 7.0, ("济南市", "青岛市", "烟台市")),
    ("上海市", 6.0, ("上海市",)),
    ("北京市", 5.0, ("北京市",)),
    ("四川省", 6.0, ("成都市", "绵阳市")),
    ("河南省", 6.0, ("郑州市", "洛阳市")),
    ("湖北省", 5.0, ("武汉市", "宜昌市")),
    ("福建省", 5.0, ("福州市", "厦门市", "泉州市")),
    ("湖南省", 4.0, ("长沙市", "株洲市")),
    ("河北省", 4.0, ("石家庄市", "保定市")),
    ("安徽省", 4.0, ("合肥市", "芜湖市")),
    ("陕西省", 3.0, ("西安市", "宝鸡市")),
    ("重庆市", 3.0, ("重庆市",)),
    ("辽宁省", 3.0, ("沈阳市", "大连市")),
    ("天津市", 2.0, ("天津市",)),
    ("江西省", 2.0, ("南昌市", "赣州市")),
    ("广西壮族自治区", 2.0, ("南宁市", "桂林市")),
    ("云南省", 2.0, ("昆明市", "大理市")),
    ("山西省", 1.5, ("太原市",)),
    ("黑龙江省", 1.5, ("哈尔滨市",)),
    ("吉林省", 1.0, ("长春市",)),
    ("贵州省", 1.0, ("贵阳市",)),
    ("新疆维吾尔自治区", 1.0, ("乌鲁木齐市",)),
    ("内蒙古自治区", 1.0, ("呼和浩特市",)),
    ("甘肃省", 1.0, ("兰州市",)),
    ("海南省", 1.0, ("海口市", "三亚市")),
)
_SURNAMES = (
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"),
    ("杨", "yang"), ("黄", "huang"), ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"),
    ("徐", "xu"), ("孙", "sun"), ("马", "ma"), ("朱", "zhu"), ("胡", "hu"), ("郭", "guo"),
    ("何", "he"), ("林", "lin"), ("罗", "luo"), ("高", "gao"), ("郑", "zheng"),
    ("梁", "liang"), ("谢", "xie"), ("宋", "song"), ("唐", "tang"), ("韩", "han"),
    ("冯", "feng"), ("邓", "deng"), ("曹", "cao"), ("彭", "peng"),
)  # fmt: skip
_GIVEN = (  # female-leaning, male-leaning, neutral
    (("婷", "ting"), ("静", "jing"), ("敏", "min"), ("丽", "li"), ("芳", "fang"), ("娜", "na"),
     ("雪", "xue"), ("慧", "hui"), ("颖", "ying"), ("欣", "xin"), ("怡", "yi"), ("琳", "lin"),
     ("悦", "yue"), ("涵", "han"), ("萱", "xuan"), ("佳", "jia")),
    (("伟", "wei"), ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("洋", "yang"),
     ("勇", "yong"), ("杰", "jie"), ("涛", "tao"), ("明", "ming"), ("超", "chao"),
     ("浩", "hao"), ("宇", "yu"), ("鹏", "peng"), ("辉", "hui"), ("俊", "jun"), ("博", "bo")),
    (("文", "wen"), ("晨", "chen"), ("子", "zi"), ("一", "yi"), ("思", "si"), ("嘉", "jia"),
     ("安", "an"), ("雨", "yu"), ("睿", "rui"), ("诗", "shi"), ("可", "ke"), ("然", "ran"),
     ("星", "xing"), ("乐", "le"), ("心", "xin"), ("航", "hang")),
)  # fmt: skip
_NICK_ADJ = ("快乐的", "爱笑的", "安静的", "勇敢的", "温柔的", "可爱的", "追风的", "淡定的",
             "元气", "小小", "迷糊的", "努力的")  # fmt: skip
_NICK_NOUN = ("小猫", "兔子", "熊猫", "星星", "月亮", "咸鱼", "橙子", "柠檬", "小鹿", "蜗牛",
              "少年", "旅人", "奶茶", "向日葵")  # fmt: skip
_EMAIL_DOMAINS = ("qq.com", "163.com", "126.com", "139.com", "gmail.com", "sina.com",
                  "outlook.com", "foxmail.com")  # fmt: skip
_EMAIL_WEIGHTS = np.array([0.36, 0.24, 0.08, 0.08, 0.06, 0.06, 0.06, 0.06])
_DISTRICTS = ("城关区", "高新区", "经开区", "新城区", "滨江区", "开发区", "中心区", "东湖区")
_ROADS = ("人民路", "中山路", "解放路", "建设路", "和平路", "长江路", "文化路", "新华路",
          "学府路", "湖滨路")  # fmt: skip

# Hour-of-day profiles (share of session starts).
_GENERAL_HOURS = np.array(
    [1.2, 0.6, 0.3, 0.2, 0.2, 0.4, 1.2, 2.8, 4.0, 4.6, 5.0, 6.0,
     7.6, 6.0, 4.8, 4.6, 4.8, 5.2, 5.8, 7.0, 8.8, 8.6, 3.4, 1.5]
)  # fmt: skip
_GENERAL_HOURS = _GENERAL_HOURS / _GENERAL_HOURS.sum()
_NIGHT_HOURS = 0.45 * _GENERAL_HOURS
_NIGHT_HOURS[22] += 0.30
_NIGHT_HOURS[23] += 0.25
_NIGHT_HOURS = _NIGHT_HOURS / _NIGHT_HOURS.sum()
_SIGNUP_HOURS = _GENERAL_HOURS.copy()
_SIGNUP_HOURS[23] = 0.0  # the signup session must fit in the day
_SIGNUP_HOURS = _SIGNUP_HOURS / _SIGNUP_HOURS.sum()

# Monday..Sunday activity multipliers: mean 1, Fri < Sat, amplitude +-6%.
_WEEKDAY = np.array([0.97, 0.96, 0.97, 0.98, 1.00, 1.06, 1.06])
_BASE_MEAN_LIFETIME = 360.0
_MAX_SESSION_SECONDS = 2_400.0
_BOOST_DAYS = 14


def _new_member_boost(offset: np.ndarray) -> np.ndarray:
    return 1.0 + 1.5 * np.exp(-offset / 4.0)


def _day_index(d: date) -> int:
    return (d - DEMO_START).days


_DAY_DATES = [DEMO_START + timedelta(days=i) for i in range(N_DAYS)]
_DAY_DOW = np.array([d.weekday() for d in _DAY_DATES])
_DAY_MONTH = np.array([(d.year - DEMO_START.year) * 12 + d.month - 1 for d in _DAY_DATES])
_DAY_CALMONTH = np.array([d.month for d in _DAY_DATES])
_DAY_CAMPAIGN = np.full(N_DAYS, -1)
for _i, _c in enumerate(CAMPAIGNS):
    _DAY_CAMPAIGN[_day_index(_c[2]) : _day_index(_c[3]) + 1] = _i
_CAMPAIGN_CHANNEL = np.array([_CH[c[4]] for c in CAMPAIGNS])
_DROP_DAYS = np.array([_day_index(d) for d in PLANTED.drop_days])
_DROP_KEEP = np.array([0.78, 0.60, 0.40])  # douyin DAU on drop days / baseline mean
_DROP_SIGNUP = np.array([0.7, 0.5, 0.3])  # douyin signups on drop days
_BASELINE = np.arange(_day_index(PLANTED.drop_baseline_days[0]), _DROP_DAYS[0])
_TRAILING_SPEND_START = N_DAYS - 365


# --------------------------------------------------------------------------- helpers


def _choice(rng: np.random.Generator, p: np.ndarray, size: int) -> np.ndarray:
    cdf = np.cumsum(p / p.sum())
    cdf[-1] = 1.0
    return np.searchsorted(cdf, rng.random(size), side="right")


def _row_choice(rng: np.random.Generator, cdf_rows: np.ndarray) -> np.ndarray:
    """One categorical draw per row of a (n, k) matrix of cumulative probabilities."""
    u = rng.random(cdf_rows.shape[0])[:, None]
    return np.minimum((cdf_rows < u).sum(axis=1), cdf_rows.shape[1] - 1)


def _segment_starts(counts: np.ndarray) -> np.ndarray:
    starts = np.zeros(len(counts), dtype=np.int64)
    np.cumsum(counts[:-1], out=starts[1:])
    return starts


def _rank_in_group(counts: np.ndarray) -> np.ndarray:
    """0, 1, ..., c-1 for each group of size c, concatenated."""
    total = int(counts.sum())
    return np.arange(total, dtype=np.int64) - np.repeat(_segment_starts(counts), counts)


def _dict_array(idx: np.ndarray, values: Sequence[str], mask: np.ndarray | None = None):
    indices = pa.array(idx.astype(np.int32), mask=mask)
    return pa.DictionaryArray.from_arrays(indices, pa.array(list(values), pa.string()))


def _prefixed_ids(prefix: str, start: int, n: int, width: int) -> pa.Array:
    numbers = pa.array(np.arange(start, start + n, dtype=np.int64)).cast(pa.string())
    return pc.binary_join_element_wise(prefix, pc.utf8_lpad(numbers, width, "0"), "")


def _timestamps(day: np.ndarray, second: np.ndarray) -> pa.Array:
    seconds = (day.astype(np.int64) + _EPOCH_DAY0) * _SECONDS_PER_DAY + second.astype(np.int64)
    return pa.array(seconds * 1_000_000, pa.timestamp("us"))


def _dates(days_since_epoch: np.ndarray) -> pa.Array:
    return pa.array(days_since_epoch.astype(np.int32), pa.date32())


def _join(*parts) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


# --------------------------------------------------------------------------- writing


class _Sink:
    """Streams record batches of one table to the requested formats."""

    def __init__(self, out_dir: Path, table: str, formats: Sequence[str]):
        self.paths = {fmt: out_dir / f"{table}.{fmt}" for fmt in formats}
        self._writers: dict[str, object] = {}
        self.rows = 0

    def write(self, tbl: pa.Table) -> None:
        self.rows += tbl.num_rows
        for fmt, path in self.paths.items():
            if fmt == "parquet":
                if fmt not in self._writers:
                    self._writers[fmt] = pq.ParquetWriter(
                        path, tbl.schema, compression="zstd", store_schema=False
                    )
                self._writers[fmt].write_table(tbl, row_group_size=max(1, tbl.num_rows))
            else:
                plain = _plain(tbl)
                if fmt not in self._writers:
                    self._writers[fmt] = pacsv.CSVWriter(path, plain.schema)
                self._writers[fmt].write_table(plain)

    def close(self) -> None:
        for writer in self._writers.values():
            writer.close()


def _plain(tbl: pa.Table) -> pa.Table:
    """Dictionary columns as strings and timestamps in whole seconds, for CSV."""
    cols = []
    for col in tbl.columns:
        if pa.types.is_dictionary(col.type):
            col = col.cast(pa.string())
        elif pa.types.is_timestamp(col.type):
            col = col.cast(pa.timestamp("s"))
        cols.append(col)
    return pa.table(cols, names=tbl.column_names)


# --------------------------------------------------------------------------- members


@dataclass
class _Members:
    n: int
    signup_day: np.ndarray
    signup_sec: np.ndarray
    channel: np.ndarray
    device: np.ndarray
    gender: np.ndarray
    age: np.ndarray
    value: np.ndarray
    intensity: np.ndarray
    alive_end: np.ndarray
    trial_like: np.ndarray
    cart_abandoner: np.ndarray
    coupon_driven: np.ndarray
    category_cdf: np.ndarray
    conversion: np.ndarray
    basket: np.ndarray


def _signup_weights() -> np.ndarray:
    """Relative signup rate per (day, channel)."""
    t = np.arange(N_DAYS) / (N_DAYS - 1)
    growth = np.exp(np.log(2.5) * t)
    w = (growth * _WEEKDAY[_DAY_DOW])[:, None] * _CHANNEL_SHARE[None, :]
    for i, c in enumerate(CAMPAIGNS):
        w[_DAY_CAMPAIGN == i, _CH[c[4]]] *= PLANTED.campaign_signup_lift
    w[_DROP_DAYS, _CH[PLANTED.drop_channel]] *= _DROP_SIGNUP
    return w


def _expected_events(m: _Members, k: float, events_per_session: np.ndarray) -> float:
    n_alive = m.alive_end - m.signup_day + 1
    p = k * m.intensity
    offsets = np.arange(1, _BOOST_DAYS + 1)
    p_boost = np.minimum(0.95, p[:, None] * _new_member_boost(offsets)[None, :])
    p_boost = np.where(offsets[None, :] < n_alive[:, None], p_boost, 0.0)
    p_late = np.minimum(0.95, p)
    days = 1.0 + p_boost.sum(axis=1) + np.maximum(0, n_alive - 1 - _BOOST_DAYS) * p_late
    trial_days = 1.0 + PLANTED.trial_active_prob * np.minimum(4, n_alive - 1)
    days = np.where(m.trial_like, trial_days, days)
    sessions_per_day = 1.0 + 0.2 + 0.6 * p_late
    return float((days * sessions_per_day * events_per_session).sum())


def _session_params(m: _Members):
    q_cart = np.where(m.cart_abandoner, 0.60, 0.32)
    q_checkout = np.where(m.cart_abandoner, 0.05, np.minimum(0.9, 0.6 * m.conversion))
    q_claim = np.where(m.coupon_driven, 0.35, 0.04)
    q_coupon = np.where(m.coupon_driven, 0.88, 0.12)
    return q_cart, q_checkout, q_claim, q_coupon


def _draw_members(rng: np.random.Generator, n: int, n_events: int) -> _Members:
    weights = _signup_weights()
    cells = _choice(rng, weights.ravel(), n)
    day, channel = np.divmod(cells, len(CHANNELS))
    sec = _choice(rng, _SIGNUP_HOURS, n) * 3600 + rng.integers(0, 3600, n)
    order = np.lexsort((sec, day))
    day, channel, sec = day[order], channel[order], sec[order]

    device = _choice(rng, _DEVICE_SHARE, n)
    gender = _choice(rng, np.array([0.55, 0.40, 0.05]), n)
    age = np.clip(18 + rng.gamma(3.0, 5.5, n), 18, 65)
    value = rng.standard_normal(n)
    z = rng.standard_normal(n)
    intensity = np.exp(np.log(0.05) + 0.6 * z + 0.25 * value) * _CHANNEL_ACTIVITY[channel]

    hazard = (
        _CHANNEL_HAZARD[channel] * _DEVICE_HAZARD[device] * np.exp(-0.45 * value)
    ) / _BASE_MEAN_LIFETIME
    lifetime = rng.exponential(1.0, n) / hazard
    one_and_done = rng.random(n) < _CHANNEL_ONE_AND_DONE[channel]
    lifetime = np.where(one_and_done, rng.integers(0, 4, n), lifetime)
    trial_like = (channel == _CH[PLANTED.trial_channel]) & (rng.random(n) < 0.85)
    lifetime = np.where(trial_like, PLANTED.trial_drop_day - 1, lifetime)
    alive_end = np.minimum(day + np.floor(lifetime).astype(np.int64), N_DAYS - 1)

    cart_abandoner = rng.random(n) < 0.10
    coupon_driven = (rng.random(n) < 0.08) & ~cart_abandoner
    conversion = np.exp(0.15 * value)
    # frequent buyers buy cheaper baskets, which keeps the tier mix from being too top-heavy
    basket = np.exp(0.1 * value) * (intensity / np.median(intensity)) ** -0.5

    pref = _CATEGORY_BASE[None, :] * rng.gamma(3.0, 1.0, (n, len(CATEGORIES)))
    for g, mult in _CATEGORY_GENDER.items():
        pref[gender == g] *= mult
    young, parent, senior = age < 25, (age >= 25) & (age <= 38), age > 45
    pref[young] *= np.array([1.3, 1.3, 1.3, 1.0, 0.2, 0.8, 1.1])
    pref[parent] *= np.array([1.0, 1.0, 1.0, 1.0, 2.2, 1.1, 1.0])
    pref[senior] *= np.array([0.6, 0.9, 0.8, 1.5, 0.7, 1.4, 0.8])
    cdf = np.cumsum(pref / pref.sum(axis=1, keepdims=True), axis=1)

    m = _Members(
        n=n,
        signup_day=day.astype(np.int64),
        signup_sec=sec.astype(np.int64),
        channel=channel,
        device=device,
        gender=gender,
        age=age,
        value=value,
        intensity=intensity,
        alive_end=alive_end,
        trial_like=trial_like,
        cart_abandoner=cart_abandoner,
        coupon_driven=coupon_driven,
        category_cdf=cdf.astype(np.float32),
        conversion=conversion,
        basket=basket,
    )

    # Scale the intensity so the expected number of events matches the request.
    q_cart, q_checkout, q_claim, q_coupon = _session_params(m)
    per_session = (
        1.0 + q_claim + 0.45 * 1.4 + 3.2 + q_cart * 1.3 + q_cart * q_checkout * (1 + 0.82 * 1.0)
    )
    per_session += q_cart * q_checkout * 0.82 * q_coupon
    lo, hi = np.log(1e-3), np.log(1e3)
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        if _expected_events(m, float(np.exp(mid)), per_session) < n_events:
            lo = mid
        else:
            hi = mid
    m.intensity = m.intensity * float(np.exp(0.5 * (lo + hi)))

    return m


# --------------------------------------------------------------------------- events


@dataclass
class _Chunk:
    events: pa.Table
    orders: pa.Table
    last_login_sec: np.ndarray  # absolute seconds since DEMO_START, per member
    last_active_day: np.ndarray
    paid_cents: np.ndarray
    logins: np.ndarray
    n_sessions: int


def _generate_chunk(
    rng: np.random.Generator,
    m: _Members,
    idx: np.ndarray,
    ids: dict[str, int],
    member_ids: pa.Array,
) -> _Chunk:
    n = len(idx)
    s_day, a_end = m.signup_day[idx], m.alive_end[idx]
    channel, intensity = m.channel[idx], m.intensity[idx]
    trial = m.trial_like[idx]

    # Member-days from signup to the end of life; decide which are active.
    n_alive = a_end - s_day + 1
    md_member = np.repeat(np.arange(n), n_alive)
    md_offset = _rank_in_group(n_alive)
    md_day = s_day[md_member] + md_offset
    p = intensity[md_member] * _WEEKDAY[_DAY_DOW[md_day]]
    p = np.where(md_offset <= _BOOST_DAYS, p * _new_member_boost(md_offset), p)
    p = np.minimum(0.95, p)
    p = np.where(trial[md_member], PLANTED.trial_active_prob, p)
    p[md_offset == 0] = 1.0
    active = rng.random(len(p)) < p

    # Planted drop: thin the drop channel's active members on the last three days.
    is_drop = channel[md_member] == _CH[PLANTED.drop_channel]
    base_counts = [np.count_nonzero(active & is_drop & (md_day == d)) for d in _BASELINE]
    baseline = float(np.mean(base_counts))
    for d, keep in zip(_DROP_DAYS, _DROP_KEEP, strict=True):
        on_day = active & is_drop & (md_day == d)
        signups = np.flatnonzero(on_day & (md_offset == 0))
        others = np.flatnonzero(on_day & (md_offset > 0))
        target = max(0, int(np.floor(keep * baseline)) - len(signups))
        if len(others) > target:
            drop = rng.choice(others, len(others) - target, replace=False)
            active[drop] = False

    a_member, a_day, a_offset = md_member[active], md_day[active], md_offset[active]
    del md_member, md_day, md_offset, p, active, is_drop

    # Sessions per active day.
    lam = 0.2 + 0.6 * np.minimum(0.95, intensity[a_member])
    n_sess = 1 + rng.poisson(lam)
    s_member = np.repeat(a_member, n_sess)
    s_day = np.repeat(a_day, n_sess)
    s_rank = _rank_in_group(n_sess)
    s_signup = np.repeat(a_offset == 0, n_sess)
    ns = len(s_member)

    # Session contents (counts per slot, in EVENT_TYPES order).
    q_cart, q_checkout, q_claim, q_coupon = (a[idx][s_member] for a in _session_params(m))
    campaign = _DAY_CAMPAIGN[s_day]
    in_campaign = campaign >= 0
    own_campaign = in_campaign & (_CAMPAIGN_CHANNEL[np.maximum(campaign, 0)] == channel[s_member])
    tagged = in_campaign & (rng.random(ns) < np.where(own_campaign, 0.6, 0.15))
    campaign = np.where(tagged, campaign, -1)
    q_checkout = np.where(in_campaign, np.minimum(0.95, q_checkout * 1.2), q_checkout)

    counts = np.zeros((ns, len(EVENT_TYPES)), dtype=np.int64)
    counts[:, _ET["login"]] = 1
    counts[:, _ET["coupon_claim"]] = rng.random(ns) < q_claim
    counts[:, _ET["search"]] = (rng.random(ns) < 0.45) * (1 + rng.poisson(0.4, ns))
    counts[:, _ET["page_view"]] = 1 + rng.poisson(2.2, ns)
    cart = rng.random(ns) < q_cart
    counts[:, _ET["add_to_cart"]] = cart * (1 + rng.poisson(0.3, ns))
    checkout = cart & (rng.random(ns) < q_checkout)
    counts[:, _ET["checkout"]] = checkout
    ordered = checkout & (rng.random(ns) < 0.82)
    uses_coupon = ordered & (rng.random(ns) < np.where(in_campaign, q_coupon + 0.08, q_coupon))
    counts[:, _ET["coupon_use"]] = uses_coupon
    counts[:, _ET["order_paid"]] = ordered

    category = _row_choice(rng, m.category_cdf[idx][s_member])
    order_idx = np.flatnonzero(ordered)
    n_orders = len(order_idx)

    # Refunds: a share of orders is refunded in the first session of the member's next
    # active day, if that is within 14 days; one refund per session at most.
    n_active = len(a_member)
    a_of_sess = np.repeat(np.arange(n_active), n_sess)
    a_first = _segment_starts(n_sess)
    next_a = np.minimum(a_of_sess[order_idx] + 1, n_active - 1)
    nxt = np.where(a_member[next_a] == s_member[order_idx], a_first[next_a], -1)
    nxt[a_of_sess[order_idx] + 1 >= n_active] = -1
    eligible = nxt >= 0
    gap = s_day[nxt[eligible]] - s_day[order_idx[eligible]]
    eligible[eligible] = (gap >= 1) & (gap <= 14)
    rate = PLANTED.refund_rate / max(eligible.mean() if n_orders else 1.0, 1e-9)
    refunded = eligible & (rng.random(n_orders) < min(1.0, rate))
    _, first = np.unique(nxt[refunded], return_index=True)
    refunded_idx = np.flatnonzero(refunded)[first]
    refunded[:] = False
    refunded[refunded_idx] = True
    refund_sess = nxt[refunded]
    refund_of_session = np.full(ns, -1)
    refund_of_session[refund_sess] = np.flatnonzero(refunded)  # -> order number
    counts[refund_sess, _ET["refund"]] = 1

    # Orders: category, gross price, tier discount, coupon (month by month).
    o_sess = order_idx
    o_member = s_member[o_sess]
    o_day = s_day[o_sess]
    o_month = _DAY_MONTH[o_day]
    o_cat = category[o_sess]
    gross = _CATEGORY_BASKET[o_cat] * m.basket[idx][o_member] * rng.lognormal(-0.125, 0.5, n_orders)
    gross_cents = np.maximum(990, np.round(gross * 100)).astype(np.int64)
    o_coupon_flag = uses_coupon[o_sess]
    u_coupon = rng.random(n_orders)
    amount_cents = np.zeros(n_orders, dtype=np.int64)
    coupon_idx = np.full(n_orders, -1)
    spend = np.zeros((n, N_MONTHS), dtype=np.int64)
    thresholds = np.array([r.threshold for r in TIER_RULES[1:]]) * 100
    discounts = np.array([r.discount for r in TIER_RULES])
    for month in range(N_MONTHS):
        sel = np.flatnonzero(o_month == month)
        trailing = spend[:, max(0, month - 12) : month].sum(axis=1)
        tier = np.searchsorted(thresholds, trailing, side="right")
        price = np.rint(gross_cents[sel] * discounts[tier[o_member[sel]]]).astype(np.int64)
        n_eligible = np.searchsorted(_COUPON_THRESHOLD_CENTS, price, side="right")
        pick = np.minimum((u_coupon[sel] * n_eligible).astype(np.int64), n_eligible - 1)
        with_coupon = o_coupon_flag[sel]
        value = np.where(with_coupon, _COUPON_VALUE_CENTS[pick], 0)
        amount_cents[sel] = price - value
        coupon_idx[sel] = np.where(with_coupon, pick, -1)
        paid = sel[~refunded[sel]]
        month_spend = np.bincount(o_member[paid], weights=amount_cents[paid], minlength=n)
        spend[:, month] = np.rint(month_spend).astype(np.int64)

    # Planted: the top spenders of the last 12 months are night owls (22:00-24:00).
    recent = ~refunded & (o_day >= _TRAILING_SPEND_START)
    trailing_spend = np.bincount(o_member[recent], weights=amount_cents[recent], minlength=n)
    cutoff = np.quantile(trailing_spend, 1.0 - PLANTED.high_value_share)
    night_member = (trailing_spend >= cutoff) & (trailing_spend > 0)

    # Session start times (seconds of day).
    night = night_member[s_member]
    hour = np.where(night, _choice(rng, _NIGHT_HOURS, ns), _choice(rng, _GENERAL_HOURS, ns))
    start = hour.astype(np.int64) * 3600 + rng.integers(0, 3600, ns)

    # Event expansion; the session is placed so that it ends within its day.
    flat = counts.ravel()
    ev_slot = np.repeat(np.tile(np.arange(len(EVENT_TYPES)), ns), flat)
    ev_sess = np.repeat(np.repeat(np.arange(ns), len(EVENT_TYPES)), flat)
    ne = len(ev_slot)
    dur = _SLOT_DURATION[ev_slot] * rng.lognormal(0.0, 0.6, ne)
    sess_total = np.bincount(ev_sess, weights=dur, minlength=ns)
    scale = np.minimum(1.0, _MAX_SESSION_SECONDS / np.maximum(sess_total, 1.0))
    dur = np.round(dur * scale[ev_sess], 1)
    sess_total = np.bincount(ev_sess, weights=dur, minlength=ns)
    room = np.floor(_SECONDS_PER_DAY - 1 - sess_total).astype(np.int64)
    s_signup_sec = m.signup_sec[idx][s_member]
    first_of_signup = s_signup & (s_rank == 0)
    later_signup = s_signup & (s_rank > 0)
    start = np.minimum(start, room)
    spread = rng.random(ns) * np.maximum(0, room - s_signup_sec - 1)
    start = np.where(later_signup, s_signup_sec + 1 + spread.astype(np.int64), start)
    start = np.where(first_of_signup, s_signup_sec, start)

    # Event times: session start + the dwell of the events before it.
    cum = np.cumsum(dur)
    sess_first = _segment_starts(np.bincount(ev_sess, minlength=ns))
    before = cum - dur - (cum[sess_first] - dur[sess_first])[ev_sess]
    ev_sec = start[ev_sess] + np.floor(before + 1e-6).astype(np.int64)
    ev_day = s_day[ev_sess]

    discount_cents = gross_cents - amount_cents
    order_no = np.full(ns, -1)
    order_no[o_sess] = np.arange(n_orders)

    # Event columns.
    ev_order = np.where(ev_slot == _ET["refund"], refund_of_session[ev_sess], order_no[ev_sess])
    money_slot = (ev_slot == _ET["order_paid"]) | (ev_slot == _ET["refund"])
    amount = np.where(money_slot, amount_cents[np.maximum(ev_order, 0)] / 100.0, np.nan)
    coupon_slot = (ev_slot == _ET["coupon_use"]) | (ev_slot == _ET["order_paid"])
    ev_coupon = np.where(coupon_slot, coupon_idx[np.maximum(ev_order, 0)], -1)
    claims = ev_slot == _ET["coupon_claim"]
    ev_coupon[claims] = rng.integers(0, len(COUPONS), int(claims.sum()))
    ev_cat = category[ev_sess].copy()
    refund_ev = ev_slot == _ET["refund"]
    ev_cat[refund_ev] = o_cat[ev_order[refund_ev]]

    page = _SLOT_PAGE[ev_slot].copy()
    pv = ev_slot == _ET["page_view"]
    pv_page = _choice(rng, np.array([0.30, 0.25, 0.40, 0.05]), int(pv.sum())) + _PG["home"]
    pv_campaign = campaign[ev_sess[pv]] >= 0
    pv_page = np.where((pv_page == _PG["campaign"]) & ~pv_campaign, _PG["home"], pv_page)
    page[pv] = pv_page
    no_cat = (ev_slot == _ET["login"]) | claims | (ev_slot == _ET["coupon_use"])
    no_cat |= page == _PG["home"]

    sess_item = o_cat_item = rng.integers(0, _ITEMS_PER_CATEGORY, ns)
    item = category[ev_sess] * _ITEMS_PER_CATEGORY + sess_item[ev_sess]
    pv_item = category[ev_sess[pv]] * _ITEMS_PER_CATEGORY + rng.integers(
        0, _ITEMS_PER_CATEGORY, int(pv.sum())
    )
    item[pv] = pv_item
    refund_item = (
        o_cat[ev_order[refund_ev]] * _ITEMS_PER_CATEGORY + o_cat_item[o_sess[ev_order[refund_ev]]]
    )
    item[refund_ev] = refund_item
    has_item = (ev_slot == _ET["add_to_cart"]) | (ev_slot == _ET["checkout"])
    has_item |= (ev_slot == _ET["order_paid"]) | refund_ev | (page == _PG["item_detail"])

    search = ev_slot == _ET["search"]
    keyword = np.full(ne, -1)
    kw_weights = _keyword_cdf()
    s_cat = category[ev_sess[search]]
    s_month = _DAY_CALMONTH[ev_day[search]] - 1
    kw = _row_choice(rng, kw_weights[s_month, s_cat])
    keyword[search] = s_cat * len(KEYWORDS[0]) + kw

    n_sessions_before = ids["session"]
    events = pa.table(
        {
            "event_id": _prefixed_ids("E", ids["event"], ne, 10),
            "member_id": pa.DictionaryArray.from_arrays(
                pa.array(s_member[ev_sess].astype(np.int32)), member_ids
            ),
            "event_time": _timestamps(ev_day, ev_sec),
            "event_type": _dict_array(ev_slot, EVENT_TYPES),
            "session_id": pc.take(_prefixed_ids("S", n_sessions_before, ns, 9), pa.array(ev_sess)),
            "device": _dict_array(m.device[idx][s_member[ev_sess]], DEVICES),
            "page": _dict_array(page, PAGES),
            "duration_s": pa.array(dur),
            "keyword": _dict_array(keyword, _FLAT_KEYWORDS, keyword < 0),
            "category": _dict_array(ev_cat, CATEGORIES, no_cat),
            "item_id": _dict_array(item, _ITEM_IDS, ~has_item),
            "amount": pa.array(amount, mask=~money_slot),
            "coupon_id": _dict_array(ev_coupon, _COUPON_IDS, ev_coupon < 0),
            "campaign": _dict_array(campaign[ev_sess], _CAMPAIGN_IDS, campaign[ev_sess] < 0),
        }
    )
    ids["event"] += ne
    ids["session"] += ns

    o_status = np.where(refunded, 1, 0)
    orders = pa.table(
        {
            "order_id": _prefixed_ids("O", ids["order"], n_orders, 9),
            "member_id": pa.DictionaryArray.from_arrays(
                pa.array(o_member.astype(np.int32)), member_ids
            ),
            "paid_at": _timestamps(ev_day[ev_slot == _ET["order_paid"]],
                                   ev_sec[ev_slot == _ET["order_paid"]]),
            "amount": pa.array(amount_cents / 100.0),
            "discount_amount": pa.array(discount_cents / 100.0),
            "coupon_id": _dict_array(coupon_idx, _COUPON_IDS, coupon_idx < 0),
            "category": _dict_array(o_cat, CATEGORIES),
            "status": _dict_array(o_status, ("paid", "refunded")),
        }
    )  # fmt: skip
    ids["order"] += n_orders

    ev_abs = ev_day.astype(np.int64) * _SECONDS_PER_DAY + ev_sec
    ev_member = s_member[ev_sess]
    login = ev_slot == _ET["login"]
    last_login = np.full(n, -1, dtype=np.int64)
    np.maximum.at(last_login, ev_member[login], ev_abs[login])
    last_day = np.full(n, -1, dtype=np.int64)
    np.maximum.at(last_day, ev_member, ev_day)
    paid_cents = spend.sum(axis=1)
    logins = np.bincount(ev_member[login], minlength=n)
    return _Chunk(events, orders, last_login, last_day, paid_cents, logins, ns)


def _keyword_cdf() -> np.ndarray:
    w = np.ones((12, len(CATEGORIES), len(KEYWORDS[0])))
    for (cat, kw), months in _SEASONAL_KEYWORDS.items():
        for month in months:
            w[month - 1, cat, kw] *= 5.0
    return np.cumsum(w / w.sum(axis=2, keepdims=True), axis=2)


_FLAT_KEYWORDS = tuple(k for ks in KEYWORDS for k in ks)
_ITEM_IDS = tuple(
    f"{code}{i:05d}" for code in _CATEGORY_CODE for i in range(1, _ITEMS_PER_CATEGORY + 1)
)
_COUPON_IDS = tuple(c[0] for c in COUPONS)
_CAMPAIGN_IDS = tuple(c[0] for c in CAMPAIGNS)


# --------------------------------------------------------------------------- tables


def _members_table(
    rng: np.random.Generator,
    m: _Members,
    last_login: np.ndarray,
    last_day: np.ndarray,
    paid_cents: np.ndarray,
    logins: np.ndarray,
) -> pa.Table:
    n = m.n
    idx = np.arange(n, dtype=np.int64)
    member_id = _prefixed_ids("M", 1, n, 7)

    surname_w = 1.0 / np.arange(1, len(_SURNAMES) + 1) ** 0.7
    surname = _choice(rng, surname_w, n)
    pool = np.where(m.gender == 0, 0, np.where(m.gender == 1, 1, rng.integers(0, 2, n))) * (
        rng.random(n) < 0.8
    ) + 2 * (rng.random(n) >= 0.8)
    pool = np.where(pool > 2, 2, pool)
    g1 = rng.integers(0, 16, n)
    g2 = rng.integers(0, 16, n)
    two = rng.random(n) < 0.6
    given_zh = [[c[0] for c in group] for group in _GIVEN]
    given_py = [[c[1] for c in group] for group in _GIVEN]
    flat_zh = pa.array([c for g in given_zh for c in g])
    flat_py = pa.array([c for g in given_py for c in g])
    first_char = pool * 16 + g1
    second_char = np.where(two, 2 * 16 + g2, -1)
    sur_zh = pa.array([s[0] for s in _SURNAMES]).take(pa.array(surname))
    sur_py = pa.array([s[1] for s in _SURNAMES]).take(pa.array(surname))
    c1_zh, c1_py = flat_zh.take(pa.array(first_char)), flat_py.take(pa.array(first_char))
    mask2 = pa.array(second_char < 0)
    c2_zh = pc.if_else(mask2, "", flat_zh.take(pa.array(np.maximum(second_char, 0))))
    c2_py = pc.if_else(mask2, "", flat_py.take(pa.array(np.maximum(second_char, 0))))
    name = _join(sur_zh, c1_zh, c2_zh)

    email_no = ((idx * 7_919 + int(rng.integers(0, 10_000))) % 10_000_000).astype(np.int64)
    domain = pa.array(_EMAIL_DOMAINS).take(pa.array(_choice(rng, _EMAIL_WEIGHTS, n)))
    email = _join(sur_py, c1_py, c2_py, pa.array(email_no).cast(pa.string()), "@", domain)

    adj = pa.array(_NICK_ADJ).take(pa.array(rng.integers(0, len(_NICK_ADJ), n)))
    noun = pa.array(_NICK_NOUN).take(pa.array(rng.integers(0, len(_NICK_NOUN), n)))
    digits = pa.array(rng.integers(1, 1000, n)).cast(pa.string())
    digits = pc.if_else(pa.array(rng.random(n) < 0.5), digits, "")
    nickname = _join(adj, noun, digits)

    prefixes = np.array([130, 131, 132, 133, 135, 136, 137, 138, 139, 150, 151, 152, 155,
                         157, 158, 159, 166, 176, 177, 178, 180, 181, 183, 186, 187, 188,
                         189, 191, 198, 199])  # fmt: skip
    suffix = (idx * 37_474_967 + int(rng.integers(0, 100_000_000))) % 100_000_000
    phone_num = prefixes[rng.integers(0, len(prefixes), n)] * 100_000_000 + suffix
    phone = pa.array(phone_num).cast(pa.string())

    prov_w = np.array([p[1] for p in _PROVINCES])
    province = _choice(rng, prov_w, n)
    city_names = [c for p in _PROVINCES for c in p[2]]
    city_offset = np.cumsum([0] + [len(p[2]) for p in _PROVINCES])[:-1]
    city_count = np.array([len(p[2]) for p in _PROVINCES])
    city = city_offset[province] + (rng.random(n) * city_count[province]).astype(np.int64)
    region_arr = pa.array([p[0] for p in _PROVINCES]).take(pa.array(province))
    city_arr = pa.array(city_names).take(pa.array(city))
    municipal = pa.array(np.array([p[0] == p[2][0] for p in _PROVINCES])[province])
    district = pa.array(_DISTRICTS).take(pa.array(rng.integers(0, len(_DISTRICTS), n)))
    road = pa.array(_ROADS).take(pa.array(rng.integers(0, len(_ROADS), n)))
    house = pa.array(rng.integers(1, 999, n)).cast(pa.string())
    building = pa.array(rng.integers(1, 30, n)).cast(pa.string())
    room = pa.array(rng.integers(1, 33, n) * 100 + rng.integers(1, 5, n)).cast(pa.string())
    address = _join(
        pc.if_else(municipal, "", region_arr), city_arr, district, road, house, "号",
        building, "栋", room, "室",
    )  # fmt: skip

    end_day = _day_index(DEMO_END)
    birth_days = (
        _EPOCH_DAY0 + end_day - np.floor(m.age * 365.25).astype(np.int64) - rng.integers(0, 365, n)
    )

    # Status: some of the members gone for 45+ days cancelled or froze their account.
    gone = last_day < end_day - 45
    u = rng.random(n)
    status = np.where(gone & (u < 0.07), 2, np.where(gone & (u > 0.975), 1, 0))
    growth_points = (paid_cents // 100 + 2 * logins).astype(np.int64)

    signup_days = m.signup_day
    return pa.table(
        {
            "member_id": member_id,
            "signup_at": _timestamps(signup_days, m.signup_sec),
            "nickname": nickname,
            "name": name,
            "gender": _dict_array(m.gender, ("F", "M", "U")),
            "birth_date": _dates(birth_days),
            "phone": phone,
            "email": email,
            "region": region_arr.dictionary_encode(),
            "city": city_arr.dictionary_encode(),
            "channel": _dict_array(m.channel, CHANNELS),
            "device": _dict_array(m.device, DEVICES),
            "status": _dict_array(status, ("active", "frozen", "cancelled")),
            "growth_points": pa.array(growth_points),
            "last_login_at": _timestamps(last_login // _SECONDS_PER_DAY,
                                         last_login % _SECONDS_PER_DAY),
            "address": address,
        }
    )  # fmt: skip


def _channel_costs_table(rng: np.random.Generator, m: _Members) -> pa.Table:
    month_first = [date(2025 + i // 12, i % 12 + 1, 1) for i in range(N_MONTHS)]
    rows_channel, rows_month, rows_cost = [], [], []
    signup_month = _DAY_MONTH[m.signup_day]
    for ch in CHANNELS:
        if ch not in PAID_CHANNEL_CAC:
            continue
        per_month = np.bincount(signup_month[m.channel == _CH[ch]], minlength=N_MONTHS)
        noise = rng.lognormal(0.0, 0.1, N_MONTHS)
        cost = np.round(per_month * PAID_CHANNEL_CAC[ch] * noise + 2000.0, 2)
        rows_channel += [ch] * N_MONTHS
        rows_month += month_first
        rows_cost += list(cost)
    return pa.table(
        {
            "channel": pa.array(rows_channel, pa.string()),
            "month": pa.array(rows_month, pa.date32()),
            "cost": pa.array(rows_cost, pa.float64()),
        }
    )


def _campaigns_table() -> pa.Table:
    return pa.table(
        {
            "campaign_id": pa.array([c[0] for c in CAMPAIGNS], pa.string()),
            "name": pa.array([c[1] for c in CAMPAIGNS], pa.string()),
            "start_date": pa.array([c[2] for c in CAMPAIGNS], pa.date32()),
            "end_date": pa.array([c[3] for c in CAMPAIGNS], pa.date32()),
            "channel": pa.array([c[4] for c in CAMPAIGNS], pa.string()),
        }
    )


# --------------------------------------------------------------------------- entry point


def generate(
    out_dir: str | Path,
    members: int = 20_000,
    events: int = 1_500_000,
    seed: int = 42,
    formats: Sequence[str] = ("parquet",),
    progress: Callable[[str], None] | None = None,
    chunk_members: int = CHUNK_MEMBERS,
) -> GenerationSummary:
    """Write the demo data-contract files into ``out_dir``.

    Parameters
    ----------
    out_dir : path
        Directory for ``members``, ``events``, ``orders``, ``channel_costs`` and
        ``campaigns`` files (created if missing; existing files are replaced).
    members, events : int
        Number of members, and the approximate number of events (within a few per cent).
    seed : int
        Seed of the PCG64 generator; the same seed gives the same data.
    formats : sequence of {"parquet", "csv"}
        File formats to write.
    progress : callable(str), optional
        Receives short progress messages.
    chunk_members : int
        Members per chunk (one Parquet row group of events and orders per chunk).

    Returns
    -------
    GenerationSummary
    """
    started = time.perf_counter()
    say = progress or (lambda _msg: None)
    formats = tuple(formats)
    unknown = set(formats) - set(FORMATS)
    if unknown or not formats:
        raise ValueError(f"formats must be a non-empty subset of {FORMATS}, got {formats!r}")
    if members < 1 or events < 1:
        raise ValueError("members and events must be positive")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)

    rng = np.random.Generator(np.random.PCG64(seed))
    say(f"drawing {members:,} members")
    m = _draw_members(rng, members, events)
    member_ids = _prefixed_ids("M", 1, members, 7)

    sinks = {t: _Sink(out, t, formats) for t in TABLES}
    last_login = np.empty(members, dtype=np.int64)
    last_day = np.empty(members, dtype=np.int64)
    paid = np.empty(members, dtype=np.int64)
    logins = np.empty(members, dtype=np.int64)
    ids = {"event": 1, "session": 1, "order": 1}
    n_chunks = -(-members // chunk_members)
    try:
        for c in range(n_chunks):
            # Chunks take every n-th member, so each is a sample of the whole programme.
            idx = np.arange(c, members, n_chunks)
            chunk_rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, c])))
            chunk = _generate_chunk(chunk_rng, m, idx, ids, member_ids.take(pa.array(idx)))
            sinks["events"].write(chunk.events)
            sinks["orders"].write(chunk.orders)
            last_login[idx] = chunk.last_login_sec
            last_day[idx] = chunk.last_active_day
            paid[idx] = chunk.paid_cents
            logins[idx] = chunk.logins
            say(f"chunk {c + 1}/{n_chunks}: {sinks['events'].rows:,} events so far")
            del chunk
        sinks["members"].write(_members_table(rng, m, last_login, last_day, paid, logins))
        sinks["channel_costs"].write(_channel_costs_table(rng, m))
        sinks["campaigns"].write(_campaigns_table())
    finally:
        for sink in sinks.values():
            sink.close()

    seconds = time.perf_counter() - started
    say(f"wrote {sinks['events'].rows:,} events in {seconds:.1f} s")
    return GenerationSummary(
        out_dir=out,
        seed=seed,
        counts={t: s.rows for t, s in sinks.items()},
        paths={t: dict(s.paths) for t, s in sinks.items()},
        seconds=seconds,
        formats=formats,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate the MemberLens demo data files.")
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--members", type=int, default=20_000)
    parser.add_argument("--events", type=int, default=1_500_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--format", action="append", choices=FORMATS, dest="formats")
    parser.add_argument(
        "--scale",
        choices=("demo", "benchmark"),
        default=None,
        help="benchmark = 1M members and 50M events",
    )
    args = parser.parse_args(argv)
    if args.scale == "benchmark":
        args.members, args.events = 1_000_000, 50_000_000
    summary = generate(
        args.out_dir,
        members=args.members,
        events=args.events,
        seed=args.seed,
        formats=tuple(args.formats or ("parquet",)),
        progress=lambda msg: print(msg, file=sys.stderr, flush=True),
    )
    for table, count in summary.counts.items():
        print(f"{table}: {count:,} rows")
    print(f"seconds: {summary.seconds:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

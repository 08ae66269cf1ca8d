"""core/labels.py: codes become labels in both languages, unknown codes show as themselves,
empty cells are blank, and an admin's channel or region label wins and is audited."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from core import labels
from core.permissions import PermissionDenied
from core.store import close_store, open_store


@pytest.fixture()
def store(tmp_path):
    path = tmp_path / "labels.duckdb"
    yield open_store(path)
    close_store(path)


@pytest.mark.parametrize(
    ("kind", "code", "zh", "en"),
    [
        ("channel", "wechat", "微信", "WeChat"),
        ("channel", "free_trial", "免费试用", "Free trial"),
        ("channel", "offline_store", "线下门店", "Offline store"),
        ("device", "miniprogram", "小程序", "Mini program"),
        ("gender", "F", "女", "Female"),
        ("gender", "U", "未知", "Unknown"),
        ("status", "frozen", "冻结", "Frozen"),
        ("tag", "browse_no_order", "高频访问未下单", "Browses, never orders"),
        ("covariate", "log_monetary_365", "近一年消费额（对数）", "Spend, last year (log)"),
        ("covariate", "channel=free_trial", "渠道：免费试用", "Channel: Free trial"),
        ("covariate", "device=web", "设备：网页", "Device: Web"),
        ("audit_action", "member.status", "修改会员状态", "Member status changed"),
    ],
)
def test_a_known_code_has_its_label_in_both_languages(kind, code, zh, en):
    assert labels.label(kind, code, "zh") == zh
    assert labels.label(kind, code, "en") == en


def test_tiers_are_named_from_the_tier_table(store):
    assert labels.label("tier", "bronze", "zh", store) == "铜牌会员"
    assert labels.label("tier", "normal", "en", store) == "Normal"


def test_unknown_codes_show_as_themselves_and_missing_values_blank():
    assert labels.label("channel", "tiktok_shop", "zh") == "tiktok_shop"
    assert labels.label("covariate", "channel=tiktok_shop", "en") == "Channel: tiktok_shop"
    assert labels.label("channel", None, "zh") == ""
    assert labels.label("device", math.nan, "en") == ""


def test_drivers_are_a_readable_list():
    drivers = "log_monetary_365|channel=free_trial|device=web"
    assert (
        labels.label("drivers", drivers, "zh") == "近一年消费额（对数）、渠道：免费试用、设备：网页"
    )
    assert labels.label("drivers", drivers, "en") == (
        "Spend, last year (log), Channel: Free trial, Device: Web"
    )


def test_label_frame_names_each_column_and_leaves_blanks(store):
    frame = pd.DataFrame(
        {"channel": ["wechat", None, "x"], "tier": ["gold", "normal", None], "n": [1, 2, 3]}
    )
    shown = labels.label_frame(frame, {"channel": "channel", "tier": "tier"}, "zh", store)
    assert shown["channel"].tolist() == ["微信", "", "x"]
    assert shown["tier"].tolist() == ["金牌会员", "普通会员", ""]
    assert shown["n"].tolist() == [1, 2, 3]
    assert frame["channel"].tolist()[0] == "wechat"  # the caller's frame is untouched


def test_an_admin_label_overrides_the_catalogue_and_is_audited(store):
    labels.set_code_label(store, "channel", "wechat", "微信公众号", "WeChat OA", "root", "admin")
    labels.set_code_label(store, "region", "浙江", None, "Zhejiang", "root", "admin")

    assert labels.label("channel", "wechat", "zh", store) == "微信公众号"
    assert labels.label("channel", "wechat", "en", store) == "WeChat OA"
    assert labels.label("region", "浙江", "en", store) == "Zhejiang"
    assert labels.label("region", "浙江", "zh", store) == "浙江"  # no zh label: as stored
    rows = store.df("select action, target, actor, after_json from audit_log order by audit_id")
    assert rows["action"].tolist() == ["label.set", "label.set"]
    assert rows["target"].tolist() == ["channel:wechat", "region:浙江"]
    assert json.loads(rows["after_json"][0]) == {"label_en": "WeChat OA", "label_zh": "微信公众号"}


def test_clearing_an_admin_label_brings_the_catalogue_back(store):
    labels.set_code_label(store, "channel", "wechat", "微信公众号", "", "root", "admin")
    labels.set_code_label(store, "channel", "wechat", "", "", "root", "admin")
    labels.set_code_label(store, "channel", "wechat", "", "", "root", "admin")  # no change

    assert labels.label("channel", "wechat", "zh", store) == "微信"
    assert store.scalar("select count(*) from audit_log where action = 'label.set'") == 2


@pytest.mark.parametrize("role", ["viewer", "analyst", "support", "operator"])
def test_only_an_admin_may_set_a_label(store, role):
    with pytest.raises(PermissionDenied):
        labels.set_code_label(store, "channel", "wechat", "改名", None, "someone", role)

    assert labels.label("channel", "wechat", "zh", store) == "微信"
    assert store.scalar("select count(*) from code_labels") == 0
    refusal = store.df("select action, after_json from audit_log")
    assert refusal["action"].tolist() == ["access.denied"]
    assert json.loads(refusal["after_json"][0])["attempted"] == "label.set"


def test_device_labels_are_not_data(store):
    with pytest.raises(labels.LabelError):
        labels.set_code_label(store, "device", "web", "网站", None, "root", "admin")


def test_list_columns_are_labelled_code_by_code(store):
    frame = pd.DataFrame(
        {"tiers": [["gold", "silver"], []], "tags": ["dormant, new", None]}, dtype=object
    )
    shown = labels.label_frame(frame, {"tiers": "tiers", "tags": "tags"}, "zh", store)
    assert shown["tiers"].tolist() == ["金牌会员、银牌会员", ""]
    assert shown["tags"].tolist() == ["沉睡、新会员", ""]


def test_an_unknown_kind_is_refused():
    with pytest.raises(labels.LabelError):
        labels.label("colour", "red", "zh")


def test_tier_labels_follow_the_tiers_order_and_the_stored_names(tmp_path):
    """The tiers and overview pages name tiers through core/labels.py, lowest rank first."""
    from core.store import close_store, open_store

    path = tmp_path / "tiers.duckdb"
    store = open_store(path)
    try:
        with store.transaction() as cur:
            cur.execute("update tiers set name_zh = '黄金会员' where tier_code = 'gold'")
        shown = labels.tier_labels("zh", store)
        assert list(shown) == ["normal", "bronze", "silver", "gold"]
        assert shown["gold"] == "黄金会员"
        assert labels.tier_labels("en", store)["normal"] != "normal"
    finally:
        close_store(path)

"""PII masking by role (core/masking.py): the masked forms and who sees what (SPEC §1)."""

from __future__ import annotations

import pandas as pd
import pytest

from core import masking

MEMBERS = pd.DataFrame(
    {
        "member_id": ["M1", "M2", "M3"],
        "nickname": ["小雨", "阿杰", None],
        "name": ["张三丰", "Li Lei", None],
        "phone": ["13800001234", "021-5555", None],
        "email": ["zhang.wei@example.com", "x@qq.com", "broken-address"],
        "address": ["浙江省杭州市西湖区文三路1号", "北京", None],
        "birth_date": ["1990-05-01", None, "2001-12-31"],
        "tier": ["gold", "normal", "silver"],
    }
)


def test_phone_keeps_first_three_and_last_four():
    assert masking.mask_phone("13800001234") == "138****1234"
    assert masking.mask_phone("13800000000") == "138****0000"


def test_short_phone_keeps_at_most_two_each_side():
    assert masking.mask_phone("021-5555") == "02****55"
    assert masking.mask_phone("1234") == "****"


def test_email_keeps_first_letter_and_domain():
    assert masking.mask_email("zhang@example.com") == "z***@example.com"
    assert masking.mask_email("x@qq.com") == "x***@qq.com"
    assert masking.mask_email("no-at-sign") == "***"


def test_name_and_address():
    assert masking.mask_name("张三丰") == "张**"
    assert masking.mask_name("张三") == "张*"
    assert masking.mask_name("王") == "王*"
    assert masking.mask_address("浙江省杭州市西湖区文三路1号") == "浙江省杭州市****"
    assert masking.mask_address("北京") == "北****"


def test_missing_values_stay_missing():
    for mask in masking.MASKERS.values():
        assert mask(None) is None
        assert mask(float("nan")) is None


@pytest.mark.parametrize("role", ["viewer", "analyst", "operator", None, "root"])
def test_masking_roles_never_see_a_full_value(role):
    shown = masking.mask_frame(MEMBERS, role)
    for column in masking.PII_COLUMNS:
        full = {v for v in MEMBERS[column] if isinstance(v, str)}
        assert not full & set(shown[column].dropna()), column
    assert shown["phone"].tolist()[:2] == ["138****1234", "02****55"]
    assert shown["nickname"].tolist() == ["小*", "阿*", None]  # issue 13.5: personal too
    assert shown["birth_date"].tolist() == ["1990-**-**", None, "2001-**-**"]  # the year only
    assert MEMBERS["phone"].iloc[0] == "13800001234"  # the input frame is untouched


@pytest.mark.parametrize("role", ["support", "admin"])
def test_support_and_admin_see_personal_data(role):
    pd.testing.assert_frame_equal(masking.mask_frame(MEMBERS, role), MEMBERS)
    pd.testing.assert_frame_equal(masking.export_frame(MEMBERS, role), MEMBERS)


@pytest.mark.parametrize("role", ["viewer", "analyst", "operator"])
def test_export_for_masking_roles_has_no_personal_columns(role):
    exported = masking.export_frame(MEMBERS, role)
    assert list(exported.columns) == ["member_id", "tier"]
    csv = exported.to_csv(index=False)
    assert "13800001234" not in csv and "zhang.wei@example.com" not in csv


def test_record_and_text_masking():
    record = {"member_id": "M1", "phone": "13800001234", "email": "zhang@example.com"}
    assert masking.mask_record(record, "analyst") == {
        "member_id": "M1",
        "phone": "138****1234",
        "email": "z***@example.com",
    }
    assert masking.mask_record(record, "support") == record
    line = "called 13800001234, mailed zhang@example.com"
    assert (
        masking.mask_text(line, record, "viewer") == "called 138****1234, mailed z***@example.com"
    )
    assert masking.mask_text(line, record, "admin") == line

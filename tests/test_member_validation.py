"""One validator for phone and e-mail (issue 13, item 6): the importer and the member edit
form refuse the same values, and accept the same values."""

from __future__ import annotations

import pytest

from core import contract, members
from core.ingest import import_dir
from core.members import MemberError
from core.store import close_store, open_store
from tests.fixtures_admin import build_admin_store

BAD_PHONES = ["-2+3", "=1+1", "+", "12 3", "1380000000１", "138-0000-0000-0000-0000", "1" * 22]
GOOD_PHONES = ["13800000001", "+86 138 0000 0001", "010-12345678", "12345"]
BAD_EMAILS = [
    "@SUM(1+1)",
    "a\u3000b@x.com",
    "=HYPERLINK(x)@a.com b",
    "a@b",
    "a b@c.com",
    "a@@b.com",
    "a@b.c",
]
GOOD_EMAILS = ["zhang.wei@example.com", "a+tag@mail.example.cn", "小明@例子.中国"]


def import_members(tmp_path, rows: list[tuple[str, str]]):
    """Import one member per (phone, email) pair; the report."""
    folder = tmp_path / "in"
    folder.mkdir()
    lines = ["member_id,signup_at,phone,email"]
    lines += [f'M{i},2025-01-01,"{phone}","{email}"' for i, (phone, email) in enumerate(rows)]
    (folder / "members.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    store = open_store(tmp_path / "import.duckdb")
    try:
        return import_dir(store, folder, reports_dir=tmp_path / "r")
    finally:
        close_store(store.path)


@pytest.fixture()
def store(tmp_path):
    path = tmp_path / "members.duckdb"
    store = build_admin_store(path)
    yield store
    close_store(path)


def edit_refuses(store, field: str, value: str) -> bool:
    try:
        members.update_contact(store, "op", "operator", 1, {field: value}, "customer called")
    except MemberError:
        return True
    return False


@pytest.mark.parametrize("phone", BAD_PHONES)
def test_a_bad_phone_is_refused_by_import_and_edit(store, tmp_path, phone):
    report = import_members(tmp_path, [(phone, "")])
    assert [(r.column_name, r.reason) for r in report.rejects.itertuples()] == [
        ("phone", f"not a valid phone number: {phone}")
    ]
    assert edit_refuses(store, "phone", phone)


@pytest.mark.parametrize("email", BAD_EMAILS)
def test_a_bad_email_is_refused_by_import_and_edit(store, tmp_path, email):
    report = import_members(tmp_path, [("", email)])
    assert [(r.column_name, r.reason) for r in report.rejects.itertuples()] == [
        ("email", f"not a valid e-mail address: {email}")
    ]
    assert edit_refuses(store, "email", email)


def test_good_phones_and_emails_pass_both(store, tmp_path):
    pairs = list(zip(GOOD_PHONES, [*GOOD_EMAILS, GOOD_EMAILS[0]], strict=True))
    report = import_members(tmp_path, pairs)
    assert report.counts()["members"] == {"read": 4, "loaded": 4, "rejected": 0}
    for phone in GOOD_PHONES:
        assert not edit_refuses(store, "phone", phone)
    for email in GOOD_EMAILS:
        assert not edit_refuses(store, "email", email)


def test_the_edit_form_says_which_field_is_wrong(store):
    with pytest.raises(MemberError) as phone:
        members.update_contact(store, "op", "operator", 1, {"phone": "-2+3"}, "called")
    assert phone.value.code == "members.error.phone"
    with pytest.raises(MemberError) as email:
        members.update_contact(store, "op", "operator", 1, {"email": "@SUM(1)"}, "called")
    assert email.value.code == "members.error.email"


def test_the_edit_form_checks_with_the_contract():
    phone = contract.MEMBERS.column("phone")
    assert contract.value_problem(phone, "-2+3") == "not a valid phone number: -2+3"
    assert contract.value_problem(phone, "13800000001") is None


def test_the_import_and_python_patterns_agree_value_by_value():
    import duckdb

    values = [*BAD_PHONES, *GOOD_PHONES, *BAD_EMAILS, *GOOD_EMAILS, "a\xa0b@x.com", "１２３４５"]
    for column in (contract.MEMBERS.column("phone"), contract.MEMBERS.column("email")):
        for value in values:
            in_sql = duckdb.execute(
                "select regexp_full_match($v, $p)", {"v": value, "p": column.pattern}
            ).fetchone()[0]
            assert in_sql == (contract.value_problem(column, value) is None), (column.name, value)

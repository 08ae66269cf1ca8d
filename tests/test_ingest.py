"""Importer: every rejection reason, encodings, strict vs lenient, idempotence, time zones."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from core.ingest import ImportRefused, import_dir, import_files
from core.store import close_store, open_store

MEMBERS_CSV = """member_id,signup_at,nickname,gender,phone,region,channel,device,status
M1,2025-01-01 10:00:00,小明,M,13800000001,广东,wechat,ios,active
M2,2025-01-02 09:30:00,小红,F,13800000002,浙江,douyin,android,
M3,2025-01-03,小刚,U,13800000003,江苏,referral,web,frozen
"""


def write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


@pytest.fixture
def store(tmp_path):
    s = open_store(tmp_path / "store.duckdb")
    yield s
    close_store(s.path)


def import_text(store, tmp_path, files: dict[str, str], **kwargs):
    folder = tmp_path / f"in{len(list(tmp_path.glob('in*')))}"
    for table, text in files.items():
        write(folder, f"{table}.csv", text)
    return import_dir(store, folder, reports_dir=tmp_path / "reports", **kwargs)


def reasons(report) -> list[tuple[int, str, str]]:
    return [(int(r.line), r.column_name, r.reason) for r in report.rejects.itertuples()]


# -- every rejection reason ------------------------------------------------------------------


def test_member_rejections_name_line_column_and_reason(store, tmp_path):
    text = MEMBERS_CSV + (
        "M4,not-a-date,a,M,,,,,\n"  # line 5
        "M5,2025-01-05,b,X,,,,,\n"  # line 6
        "M6,2025-01-05,c,F,,,,,sleeping\n"  # line 7
        "M1,2025-01-06,dup,M,,,,,\n"  # line 8
        ",2025-01-06,noid,M,,,,,\n"  # line 9
        "M7,,nodate,M,,,,,\n"  # line 10
        "M8,1850-01-01,old,M,,,,,\n"  # line 11
    )
    report = import_text(store, tmp_path, {"members": text})
    assert report.counts() == {"members": {"read": 10, "loaded": 3, "rejected": 7}}
    assert reasons(report) == [
        (5, "signup_at", "not a valid date/time: not-a-date"),
        (6, "gender", "must be one of M/F/U, got X"),
        (7, "status", "must be one of active/frozen/cancelled, got sleeping"),
        (8, "member_id", "duplicate member_id (first on line 2)"),
        (9, "member_id", "required value missing"),
        (10, "signup_at", "required value missing"),
        (11, "signup_at", "date out of range (1900-2100): 1850-01-01"),
    ]
    assert report.rejects.loc[0, "raw_text"] == "M4,not-a-date,a,M,,,,,"
    assert store.scalar("select count(*) from members") == 3


def test_unknown_tier_is_rejected(store, tmp_path):
    text = "member_id,signup_at,tier\nM1,2025-01-01,gold\nM2,2025-01-01,platinum\n"
    report = import_text(store, tmp_path, {"members": text})
    assert reasons(report) == [(3, "tier", "unknown tier: platinum")]


def test_missing_required_column_rejects_every_row(store, tmp_path):
    report = import_text(store, tmp_path, {"members": "member_id,nickname\nM1,a\nM2,b\n"})
    assert report.counts() == {"members": {"read": 2, "loaded": 0, "rejected": 2}}
    assert set(report.rejects["reason"]) == {"missing required column signup_at"}
    assert list(report.rejects["line"]) == [2, 3]


def test_event_rejections(store, tmp_path):
    events = (
        "event_id,member_id,event_time,event_type,amount,duration_s\n"
        "E1,M1,2025-01-01 10:05:00,login,,\n"  # 2 ok
        "E2,M9,2025-01-01 10:06:00,login,,\n"  # 3 unknown member
        "E3,M1,2025-01-01 10:07:00,page_view,,-1\n"  # 4 negative
        "E4,M1,2025-01-01 10:08:00,order_paid,abc,\n"  # 5 bad amount
        "E1,M1,2025-01-01 10:05:00,login,,\n"  # 6 duplicate id
        "E5,M1,2025-01-01 10:09:00,,,\n"  # 7 missing type
        "E6,M1,2025-01-01 10:09:00,login,,,extra\n"  # 8 too many columns
        "E7,M2,2025-01-02 10:09:00,wishlist,,3.5\n"  # 9 ok: unknown types are kept
    )
    report = import_text(store, tmp_path, {"members": MEMBERS_CSV, "events": events})
    assert report.counts()["events"] == {"read": 8, "loaded": 2, "rejected": 6}
    got = [(line, col, reason) for line, col, reason in reasons(report) if line >= 3]
    assert got[:5] == [
        (3, "member_id", "unknown member_id: M9"),
        (4, "duration_s", "must not be negative: -1"),
        (5, "amount", "not a valid amount: abc"),
        (6, "event_id", "duplicate event_id (first on line 2)"),
        (7, "event_type", "required value missing"),
    ]
    line, _, reason = got[5]
    assert line == 8 and reason.startswith("TOO MANY COLUMNS")
    assert report.rejects.iloc[-1]["raw_text"] == "E6,M1,2025-01-01 10:09:00,login,,,extra"
    types = store.df("select event_type from events order by event_time")["event_type"]
    assert list(types) == ["login", "wishlist"]


def test_line_numbers_after_a_malformed_line_stay_exact(store, tmp_path):
    events = (
        "member_id,event_time,event_type\n"
        "M1,2025-01-01 10:00:00,login\n"  # 2
        "M1,2025-01-01 10:01:00,login,x\n"  # 3 malformed
        "M1,2025-01-01 10:02:00,login,y\n"  # 4 malformed
        "M1,bad,login\n"  # 5
    )
    report = import_text(store, tmp_path, {"members": MEMBERS_CSV, "events": events})
    lines = [(line, col) for line, col, _ in reasons(report)]
    assert lines == [(3, None), (4, None), (5, "event_time")]


def test_content_duplicates_without_event_id(store, tmp_path):
    events = (
        "member_id,event_time,event_type\n"
        "M1,2025-01-01 10:00:00,login\n"
        "M1,2025-01-01 10:00:00,login\n"
    )
    report = import_text(store, tmp_path, {"members": MEMBERS_CSV, "events": events})
    assert reasons(report) == [
        (
            3,
            "event_id",
            "duplicate of line 2 (same content; give each event an event_id to keep both)",
        )
    ]


def test_order_rejections(store, tmp_path):
    orders = (
        "order_id,member_id,paid_at,amount,discount_amount,status\n"
        'O1,M1,2025-02-01 12:00:00,"¥1,200.50",10,paid\n'
        "O2,M1,2025-02-02 12:00:00,-5,0,paid\n"
        "O3,M1,2025-02-03 12:00:00,10,0,lost\n"
        "O1,M2,2025-02-04 12:00:00,10,0,paid\n"
        "O4,MX,2025-02-04 12:00:00,10,0,paid\n"
        "O5,M2,2025-02-04 12:00:00,,0,paid\n"
    )
    report = import_text(store, tmp_path, {"members": MEMBERS_CSV, "orders": orders})
    assert reasons(report) == [
        (3, "amount", "must not be negative: -5"),
        (4, "status", "must be one of paid/refunded, got lost"),
        (5, "order_id", "duplicate order_id (first on line 2)"),
        (6, "member_id", "unknown member_id: MX"),
        (7, "amount", "required value missing"),
    ]
    assert store.scalar("select amount from orders where order_id = 'O1'") == pytest.approx(1200.50)


def test_amounts_may_carry_the_store_currency_but_not_another(store, tmp_path):
    from core import settings

    settings.set_setting(store, "currency", "USD", actor="cli", role=None)
    orders = (
        "order_id,member_id,paid_at,amount\n"
        'O1,M1,2025-02-01,"$1,200.50"\n'
        "O2,M1,2025-02-02,12.50 USD\n"
        "O3,M1,2025-02-03,USD 7\n"
        "O4,M1,2025-02-04,¥30\n"
        "O5,M1,2025-02-05,0.00\n"
    )
    report = import_text(store, tmp_path, {"members": MEMBERS_CSV, "orders": orders})
    assert reasons(report) == [(5, "amount", "not a valid amount: ¥30")]
    amounts = store.cursor().execute("select order_id, amount from orders order by 1").fetchall()
    assert [(o, float(a)) for o, a in amounts] == [
        ("O1", 1200.50), ("O2", 12.50), ("O3", 7.0), ("O5", 0.0)
    ]  # fmt: skip


def test_cny_amounts_take_the_full_width_sign_and_yuan(store, tmp_path):
    orders = (
        'order_id,member_id,paid_at,amount\nO1,M1,2025-02-01,￥88\nO2,M1,2025-02-02,"1,000元"\n'
    )
    report = import_text(store, tmp_path, {"members": MEMBERS_CSV, "orders": orders})
    assert reasons(report) == []
    assert store.scalar("select sum(amount) from orders") == pytest.approx(1088)


def test_channel_cost_and_campaign_rejections(store, tmp_path):
    costs = "channel,month,cost\ndouyin,2025-01,1000\ndouyin,2025-01-15,900\nwechat,13/2025,5\n"
    campaigns = (
        "campaign_id,name,start_date,end_date,channel\n"
        "C1,618大促,2025-06-01,2025-06-18,douyin\n"
        "C2,反了,2025-06-18,2025-06-01,douyin\n"
    )
    report = import_text(store, tmp_path, {"channel_costs": costs, "campaigns": campaigns})
    # campaigns are imported before channel costs, so their rejects come first
    assert reasons(report) == [
        (3, "end_date", "end_date is before start_date"),
        (3, "channel", "duplicate channel/month (first on line 2)"),
        (4, "month", "not a valid month (YYYY-MM or a date): 13/2025"),
    ]
    month = store.scalar("select month from channel_costs")
    assert str(month) == "2025-01-01"


# -- encodings, formats, time zones ------------------------------------------------------------


def test_utf8_bom_and_gbk_files(store, tmp_path):
    bom = tmp_path / "bom"
    write(bom, "members.csv", "\ufeff" + MEMBERS_CSV)
    report = import_dir(store, bom, reports_dir=tmp_path / "r")
    assert report.files["members"].encoding == "utf-8"
    assert report.counts()["members"]["loaded"] == 3

    gbk = tmp_path / "gbk"
    write(gbk, "members.csv", MEMBERS_CSV.replace("M1", "G1").replace("M2", "G2")
          .replace("M3", "G3"), encoding="gbk")  # fmt: skip
    report = import_dir(store, gbk, reports_dir=tmp_path / "r")
    assert report.files["members"].encoding == "gb18030"
    assert store.scalar("select nickname from members where member_id = 'G1'") == "小明"
    assert store.scalar("select region from members where member_id = 'G2'") == "浙江"


def test_offsets_are_converted_and_naive_times_are_local(store, tmp_path):
    text = (
        "member_id,signup_at\n"
        "A,2025-05-01T10:00:00+08:00\n"
        "B,2025-05-01T02:00:00Z\n"
        "C,2025-05-01 10:00:00\n"
        "D,2025/05/01 10:00\n"
        "E,2025-05-01\n"
    )
    import_text(store, tmp_path, {"members": text})
    got = store.df("select member_id, strftime(signup_at, '%Y-%m-%d %H:%M') t from members")
    assert dict(zip(got.member_id, got.t, strict=True)) == {
        "A": "2025-05-01 10:00",
        "B": "2025-05-01 10:00",
        "C": "2025-05-01 10:00",
        "D": "2025-05-01 10:00",
        "E": "2025-05-01 00:00",
    }


def test_parquet_import_matches_csv(store, tmp_path):
    folder = tmp_path / "pq"
    folder.mkdir()
    members = pd.read_csv(pd.io.common.StringIO(MEMBERS_CSV), dtype=str)
    members["signup_at"] = pd.to_datetime(members["signup_at"], format="mixed")
    members.to_parquet(folder / "members.parquet")
    events = pd.DataFrame(
        {
            "member_id": ["M1", "M2", "MX"],
            "event_time": pd.to_datetime(
                ["2025-01-05 08:00", "2025-01-06 09:00", "2025-01-06 00:00"]
            ),
            "event_type": ["login", "search", "login"],
            "keyword": [None, "口红", None],
        }
    )
    events.to_parquet(folder / "events.parquet")
    report = import_dir(store, folder, reports_dir=tmp_path / "r")
    assert report.counts() == {
        "members": {"read": 3, "loaded": 3, "rejected": 0},
        "events": {"read": 3, "loaded": 2, "rejected": 1},
    }
    assert reasons(report) == [(3, "member_id", "unknown member_id: MX")]
    assert store.scalar("select keyword from events where event_type = 'search'") == "口红"


# -- modes and idempotence ------------------------------------------------------------------


def test_strict_mode_imports_nothing_and_reports_every_bad_row(store, tmp_path):
    events = (
        "member_id,event_time,event_type\nM1,2025-01-02,login\nM1,nope,login\nMZ,2025-01-02,login\n"
    )
    report = import_text(store, tmp_path, {"members": MEMBERS_CSV, "events": events}, strict=True)
    assert report.status == "rejected"
    assert reasons(report) == [
        (3, "event_time", "not a valid date/time: nope"),
        (4, "member_id", "unknown member_id: MZ"),
    ]
    assert report.counts()["events"] == {"read": 3, "loaded": 0, "rejected": 2}
    assert report.counts()["members"] == {"read": 3, "loaded": 0, "rejected": 0}
    assert store.scalar("select count(*) from members") == 0
    assert store.scalar("select count(*) from events") == 0
    assert store.scalar("select status from imports") == "rejected"
    assert store.scalar("select count(*) from import_rejects") == 2
    assert report.rejects_path.exists()


def test_lenient_mode_keeps_rejects_in_table_and_csv(store, tmp_path):
    events = "member_id,event_time,event_type\nM1,2025-01-02,login\nM1,nope,login\n"
    report = import_text(store, tmp_path, {"members": MEMBERS_CSV, "events": events})
    assert report.status == "loaded"
    saved = store.df(
        "select table_name, file, line, column_name, reason, raw_text from import_rejects"
    )
    assert saved.to_dict("records") == [
        {
            "table_name": "events",
            "file": "events.csv",
            "line": 3,
            "column_name": "event_time",
            "reason": "not a valid date/time: nope",
            "raw_text": "M1,nope,login",
        }
    ]
    written = pd.read_csv(report.rejects_path)
    assert list(written["line"]) == [3]
    summary = json.loads(report.report_path.read_text(encoding="utf-8"))
    assert summary["files"]["events"]["rejected"] == 1


def test_reimport_adds_nothing_twice(store, tmp_path):
    events = (
        "event_id,member_id,event_time,event_type,amount\n"
        "E1,M1,2025-01-02 10:00:00,order_paid,520\n"
        "E2,M2,2025-01-02 11:00:00,login,\n"
    )
    plain = "member_id,event_time,event_type\nM3,2025-01-03 10:00:00,login\n"
    folder = tmp_path / "same"
    write(folder, "members.csv", MEMBERS_CSV)
    write(folder, "events.csv", events)
    first = import_dir(store, folder, reports_dir=tmp_path / "r")
    before = store.table_counts()
    second = import_dir(store, folder, reports_dir=tmp_path / "r")
    assert store.table_counts()["events"] == before["events"] == 2
    assert store.table_counts()["members"] == 3
    assert store.table_counts()["orders"] == 1
    assert second.counts() == first.counts()
    assert second.files["events"].inserted == 0 and second.files["events"].unchanged == 2
    # without event_id the row's content identifies it
    import_text(store, tmp_path, {"events": plain})
    import_text(store, tmp_path, {"events": plain})
    assert store.scalar("select count(*) from events where member_key = 3") == 1


def test_reimport_updates_changed_member_fields(store, tmp_path):
    import_text(store, tmp_path, {"members": MEMBERS_CSV})
    changed = MEMBERS_CSV.replace("13800000002", "13900000002")
    report = import_text(store, tmp_path, {"members": changed})
    f = report.files["members"]
    assert (f.inserted, f.updated, f.unchanged) == (0, 1, 2)
    assert store.scalar("select phone from members where member_id = 'M2'") == "13900000002"


def test_unreadable_input_is_a_clear_error(store, tmp_path):
    folder = tmp_path / "bad"
    write(folder, "members.parquet", "this is not parquet")
    with pytest.raises(ImportRefused, match="members.parquet: cannot read the file"):
        import_dir(store, folder)
    with pytest.raises(ImportRefused, match="no contract files"):
        import_dir(store, tmp_path / "bad" / ".." / "bad" / "..")
    write(folder, "members.csv", MEMBERS_CSV)
    with pytest.raises(ImportRefused, match="holds both"):
        import_dir(store, folder)
    assert store.scalar("select count(*) from imports") == 0


def test_unknown_table_is_refused(store, tmp_path):
    path = write(tmp_path, "x.csv", "a\n1\n")
    with pytest.raises(ImportRefused, match="unknown table"):
        import_files(store, {"visits": path})


# -- imports from the app -------------------------------------------------------------------


def test_uploads_import_for_admins_and_are_audited_with_the_role(store):
    from core import audit

    report = ingest_uploads(
        store,
        {
            "members.csv": MEMBERS_CSV.encode("gbk"),
            "events.csv": b"member_id,event_time,event_type\nM1,2025-01-02 10:00:00,login\n",
        },  # fmt: skip
        role="admin",
        actor="boss",
    )
    assert report.counts() == {
        "members": {"read": 3, "loaded": 3, "rejected": 0},
        "events": {"read": 1, "loaded": 1, "rejected": 0},
    }
    row = store.df(
        "select actor, role, action from audit_log where action like 'import.%'"
    ).to_dict("records")
    assert row == [{"actor": "boss", "role": "admin", "action": "import.loaded"}]
    assert audit.verify_chain(store).ok


@pytest.mark.parametrize("role", ["viewer", "analyst", "support", "operator"])
def test_uploads_are_refused_to_everyone_but_admins(store, role):
    from core.permissions import PermissionDenied

    with pytest.raises(PermissionDenied):
        ingest_uploads(store, {"members.csv": MEMBERS_CSV.encode()}, role=role, actor="x")
    assert store.scalar("select count(*) from members") == 0
    assert store.scalar("select count(*) from imports") == 0
    denied = store.df("select role, action from audit_log").to_dict("records")
    assert denied == [{"role": role, "action": "access.denied"}]


def test_uploads_must_be_named_after_their_table(store):
    with pytest.raises(ImportRefused, match="visits.csv: name the file after its table"):
        ingest_uploads(store, {"visits.csv": b"a\n1\n"}, role="admin", actor="boss")
    assert store.scalar("select count(*) from imports") == 0


def ingest_uploads(store, uploads, role, actor):
    from core.ingest import import_uploads

    return import_uploads(store, uploads, role=role, actor=actor)

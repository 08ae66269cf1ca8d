"""The store currency and the as-of picker in the app (AppTest), and the currency in report
headers: a USD store shows ``$`` and never ``¥``; the admin's settings form on the Data page
is audited; the as-of date round-trips through the shared link and moves the numbers.

Small app store (tests/fixtures_app.py): data 2026-05-01 … 2026-06-10. Paid orders O4 ¥80
on 06-01, O1 ¥100 on 06-04, O2 ¥50.50 on 06-10 (O3 is refunded, O5 after the data). As of
06-10 the default 30-day period (05-12 … 06-10) holds O4, O1, O2: 3 orders, ¥230.50; as of
06-05 (05-07 … 06-05) it holds O4 and O1: 2 orders, ¥180.00.
"""

from __future__ import annotations

import time
from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from core import auth, cli, i18n, settings, ui
from core.config import PROJECT_ROOT
from core.store import close_store
from tests.fixtures_app import COOKIE_KEY, add_accounts, build_small_store

APP = str(PROJECT_ROOT / "app.py")
ORDERS = i18n.t("kpi.orders", "zh")
REVENUE = i18n.t("kpi.revenue", "zh")


@pytest.fixture()
def store(tmp_path, monkeypatch):
    monkeypatch.setattr(auth, "BCRYPT_ROUNDS", 4)
    path = tmp_path / "app.duckdb"
    monkeypatch.setenv("MEMBERLENS_DB", str(path))
    monkeypatch.setenv(auth.COOKIE_KEY_ENV_VAR, COOKIE_KEY)
    store = build_small_store(path)
    add_accounts(store)
    yield store
    close_store(path)


def app(username: str, query: dict | None = None, page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state["ml_session"] = {"username": username, "issued_at": time.time()}
    if query:
        at.query_params.update(query)
    at.run()
    if page:
        at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, at.exception
    return at


def kpis(at: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in at.metric}


def page_text(at: AppTest) -> str:
    parts = [str(m.value) for m in at.metric]
    for frame in at.dataframe:
        parts += [str(c) for c in frame.value.columns] + [
            str(v) for v in frame.value.values.ravel()
        ]
    parts += [str(el.value) for el in at.markdown] + [str(el.value) for el in at.caption]
    return "\n".join(parts)


# -- currency -------------------------------------------------------------------------------


def test_a_usd_store_shows_dollars_and_no_yuan_on_the_overview(store):
    assert kpis(app("viewer"))[REVENUE] == "¥230.50"
    settings.set_setting(store, "currency", "USD", "admin", "admin")
    at = app("viewer")
    assert kpis(at)[REVENUE] == "$230.50"
    assert kpis(at)[i18n.t("kpi.arpu", "zh")].startswith("$")
    assert "¥" not in page_text(at)


def test_a_usd_store_shows_dollars_on_the_channel_table_and_its_export(store):
    settings.set_setting(store, "currency", "USD", "admin", "admin")
    at = app("analyst", page="channels")
    assert not at.error
    shown = page_text(at)
    revenue = i18n.money_label(i18n.t("col.revenue", "zh"), "USD", "zh")
    assert revenue in shown and "¥" not in shown  # the table behind the chart, exported


def test_a_usd_store_writes_dollar_headers_in_reports(store, tmp_path):
    settings.set_setting(store, "currency", "USD", "admin", "admin")
    out = tmp_path / "ltv.csv"
    code = cli.main(["report", "ltv", "--db", str(store.path), "--out", str(out)])
    assert code == 0
    header = out.read_text(encoding="utf-8").splitlines()[0]
    assert header == "cohort,months_since_signup,members,revenue ($),ltv ($)"
    assert "¥" not in out.read_text(encoding="utf-8")


def test_the_default_store_writes_yuan_headers(store, tmp_path):
    out = tmp_path / "tiers.csv"
    assert cli.main(["report", "tiers", "--db", str(store.path), "--out", str(out)]) == 0
    header = out.read_text(encoding="utf-8").splitlines()[0].split(",")
    assert "revenue (¥)" in header and "discount_cost (¥)" in header and "members" in header


def test_tier_rule_thresholds_are_labelled_with_the_store_currency(store):
    settings.set_setting(store, "currency", "EUR", "admin", "admin")
    at = app("operator", page="tier_rules")
    labels = [widget.label for widget in at.number_input]
    assert any("(EUR)" in label or "（EUR）" in label for label in labels), labels
    assert not any("元" in label or "CNY" in label for label in labels)


# -- the settings section on the Data page ---------------------------------------------------


def test_admin_sets_the_currency_on_the_data_page_and_it_is_audited(store):
    at = app("admin", page="data")
    currency = next(s for s in at.selectbox if s.label == i18n.t("settings.currency", "zh"))
    currency.select("USD")
    save = next(
        b
        for b in at.button
        if b.label == i18n.t("settings.save", "zh") and "setting_currency" in b.form_id
    )
    save.click().run()
    assert not at.exception and not at.error
    assert settings.get(store, "currency") == "USD"
    row = store.df(
        "select actor, role, before_json, after_json from audit_log where action = 'setting.set'"
    ).iloc[0]
    assert (row.actor, row.role) == ("admin", "admin")
    assert (row.before_json, row.after_json) == ('{"currency":"CNY"}', '{"currency":"USD"}')


def test_the_data_page_shows_the_time_zone_locked_after_an_import(store):
    store.cursor().execute(
        "insert into imports values (1, now(), now(), 'x', 'lenient', 'loaded', 'cli')"
    )
    at = app("admin", page="data")
    zone = next(s for s in at.selectbox if s.label == i18n.t("settings.business_tz", "zh"))
    assert zone.disabled and zone.value == "Asia/Shanghai"
    assert i18n.t("settings.locked_tz", "zh") in page_text(at)


# -- as-of picker ---------------------------------------------------------------------------


def test_the_as_of_picker_defaults_to_the_last_day_and_stays_out_of_the_link(store):
    at = app("viewer")
    assert at.date_input(key="flt_as_of").value == date(2026, 6, 10)
    assert "as_of" not in at.query_params
    assert kpis(at)[ORDERS] == "3" and kpis(at)[REVENUE] == "¥230.50"


def test_the_as_of_date_round_trips_through_the_link(store):
    at = app("viewer", {"as_of": "2026-06-05"})
    assert not at.warning
    assert at.date_input(key="flt_as_of").value == date(2026, 6, 5)
    assert at.date_input(key="flt_to").value == date(2026, 6, 5)
    assert at.query_params == {"as_of": "2026-06-05"}
    assert kpis(at)[ORDERS] == "2" and kpis(at)[REVENUE] == "¥180.00"
    links = at.sidebar.get("page_link")
    assert links and all("as_of=2026-06-05" in link.proto.query_string for link in links)


def test_choosing_an_as_of_date_writes_the_link_and_moves_the_numbers(store):
    at = app("viewer")
    at.date_input(key="flt_as_of").set_value(date(2026, 6, 5)).run()
    assert at.query_params == {"as_of": "2026-06-05"}
    assert kpis(at)[ORDERS] == "2"
    # another filter keeps the as-of date in the link
    at.multiselect(key="flt_region").select("浙江").run()
    assert at.query_params == {"as_of": "2026-06-05", "region": "浙江"}
    shared = app("analyst", dict(at.query_params), page="activity")
    assert shared.date_input(key="flt_as_of").value == date(2026, 6, 5)


def test_an_as_of_date_outside_the_data_is_clamped_with_a_notice(store):
    at = app("viewer", {"as_of": "2027-01-01"})
    assert at.date_input(key="flt_as_of").value == date(2026, 6, 10)
    # the value is escaped for Markdown (issue 13.4): 2027\-01\-01 renders as 2027-01-01
    assert any(ui.md_escape("2027-01-01") in w.value for w in at.warning)
    assert at.query_params == {"as_of": "2026-06-10"}

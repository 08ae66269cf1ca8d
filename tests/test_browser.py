"""End to end in a real browser: the Streamlit server on a free port over a demo store,
driven by Playwright with Debian's Chromium (``apt-get install chromium chromium-driver``).

Set ``MEMBERLENS_SKIP_BROWSER=1`` to skip on a machine without Chromium; CI installs it, so
there a missing browser is a failure, not a skip.
"""

from __future__ import annotations

import os
import time

import pytest

from bench.app_server import CHROMIUM, ServerError, launch, serve, wait_until_idle
from core.config import PROJECT_ROOT
from core.demo import build_demo_store
from core.store import close_store

pytestmark = pytest.mark.slow

ARTIFACTS = PROJECT_ROOT / "test-artifacts"
TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A demo store (small, same generator) and ``streamlit run app.py`` serving it."""
    if not CHROMIUM.exists():
        if os.environ.get("MEMBERLENS_SKIP_BROWSER") == "1":
            pytest.skip("no Chromium at /usr/bin/chromium")
        pytest.fail("Chromium missing: apt-get install -y chromium chromium-driver")
    tmp = tmp_path_factory.mktemp("browser")
    store_path = tmp / "demo.duckdb"
    store = build_demo_store(store_path, members=3000, events=200_000, seed=42)
    region = store.scalar(
        "select region from members group by region order by count(*) desc, region limit 1"
    )
    close_store(store_path)  # the server process takes the file lock
    try:
        with serve(store_path, tmp / "server.log") as running:
            yield running.base, region
    except ServerError as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = launch(playwright)
        yield instance
        instance.close()


def wait_for_one(locator, settle_s: float = 1.0) -> None:
    """Wait until exactly one element matches and stays so for ``settle_s``: while Streamlit
    reruns (the cookie component mounting, a query-string rewrite) the previous run's
    elements linger beside the new ones for a moment."""
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    since = None
    while time.monotonic() < deadline:
        if locator.count() == 1:
            since = since or time.monotonic()
            if time.monotonic() - since >= settle_s:
                return
        else:
            since = None
        time.sleep(0.1)
    raise AssertionError(f"{locator} never settled on exactly one element")


def sign_in(page, username: str, password: str) -> None:
    wait_for_one(page.get_by_role("button", name="登录"))
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.get_by_test_id("stMetric").first.wait_for(timeout=TIMEOUT_MS)


def read_kpis(page, differ_from: dict | None = None) -> dict[str, str]:
    """The KPI cards once they have settled (same values twice, 0.5 s apart)."""
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    previous = None
    while time.monotonic() < deadline:
        labels = page.get_by_test_id("stMetricLabel").all_inner_texts()
        values = page.get_by_test_id("stMetricValue").all_inner_texts()
        current = dict(zip(labels, values, strict=False))
        if len(current) == 10 and current == previous and current != differ_from:
            return current
        previous = current
        time.sleep(0.5)
    raise AssertionError(f"KPI cards did not settle: {previous}")


def test_sign_in_filter_and_open_the_shared_link_in_another_browser(server, browser):
    base, region = server
    ARTIFACTS.mkdir(exist_ok=True)
    analyst = browser.new_context(viewport={"width": 1500, "height": 1100}, locale="zh-CN")
    page = analyst.new_page()
    page.goto(base)
    sign_in(page, "analyst", "demo-analyst-2026")
    everyone = read_kpis(page)
    assert everyone["会员数"] == "3,000"

    # choose the most common region in the sidebar filter; the URL follows
    page.get_by_test_id("stMultiSelect").first.click()
    page.keyboard.type(region)  # the option list is virtualised: narrow it down first
    page.get_by_role("option").filter(has_text=region).first.click()
    page.keyboard.press("Escape")
    page.wait_for_url("**region=*", timeout=TIMEOUT_MS)
    filtered = read_kpis(page, differ_from=everyone)
    assert int(filtered["会员数"].replace(",", "")) < 3000
    page.screenshot(path=str(ARTIFACTS / "overview_analyst_filtered.png"), full_page=True)
    shared_link = page.url

    # another person, another browser context (no cookies): the link asks for a sign-in
    # and then shows the same filtered view
    viewer = browser.new_context(viewport={"width": 1500, "height": 1100}, locale="zh-CN")
    other = viewer.new_page()
    other.goto(shared_link)
    wait_for_one(other.get_by_label("用户名"))
    assert not other.get_by_test_id("stMetric").count()
    sign_in(other, "viewer", "demo-viewer-2026")
    assert read_kpis(other) == filtered
    assert other.url == shared_link
    other.screenshot(path=str(ARTIFACTS / "overview_viewer_shared_link.png"), full_page=True)
    analyst.close()
    viewer.close()


def test_click_a_channel_bar_opens_its_member_list(server, browser):
    """Drill-down (issue 14.7): a click on a channel's bar of the D30 chart lands on the
    member list of that channel's signups, as many members as the bar's tooltip counts.

    The drillable charts draw SVG (core/ui.py ``drill_chart``): each bar is an element whose
    aria-label holds its tooltip (``D30: 7.7%; 渠道: 老带新; 新增: 189; …``)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    base, _ = server
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1500, "height": 1100}, locale="zh-CN")
    page = context.new_page()
    page.goto(base)
    sign_in(page, "analyst", "demo-analyst-2026")
    page.goto(f"{base}/channels")
    chart = page.get_by_test_id("stVegaLiteChart").first  # D30 by channel
    bars = chart.locator('[aria-roledescription="bar"]')
    wait_for_one(chart.locator("svg").first)
    wait_until_idle(page, settle_s=1.0)
    assert bars.count() >= 2
    bar = bars.nth(1)  # not simply the first mark drawn
    described = dict(
        part.split(": ", 1) for part in (bar.get_attribute("aria-label") or "").split("; ")
    )
    channel, signups = described["渠道"], described["新增"]
    assert int(signups.replace(",", "")) > 0
    for _ in range(3):  # a click while the page still reruns can be lost with the old chart
        bar.click()
        try:
            page.wait_for_url("**/member_list?*drill=channel*", timeout=15_000)
            break
        except PlaywrightTimeout:
            wait_until_idle(page, settle_s=1.0)
    else:
        raise AssertionError(f"the click on {channel} did not open the member list")
    assert "&value=" in page.url and "from=" in page.url and "to=" in page.url
    page.get_by_text(f"{signups} 位会员（截至").wait_for(timeout=TIMEOUT_MS)
    drill = page.get_by_test_id("stAlert").filter(has_text="渠道注册的会员")
    assert f"「{channel}」" in drill.inner_text()
    page.screenshot(path=str(ARTIFACTS / "drill_channel_member_list.png"), full_page=True)
    context.close()

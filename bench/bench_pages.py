"""Page timings in a real browser: sign-in and every page of the menu, cold and warm.

Usage::

    .venv/bin/python -m bench.bench_pages --db /tmp/demo.duckdb [--repeat 3] \
        [--pages activity,retention]

Starts ``streamlit run app.py`` on a free port over ``--db`` (``MEMBERLENS_DB``; the app of
``--app-dir``, default this checkout), drives Debian's Chromium (``/usr/bin/chromium``) with
Playwright, and prints two tables (results: docs/PERFORMANCE.md → Page timings):

- **sign-in form visible**: from navigation start to the password field being visible, on
  the first visit of a just-started server, in fresh browser contexts (nothing cached) and
  in a returning browser (frontend files cached, cookies cleared, so signed out);
- **sign-in complete**: from the click on the sign-in button to the first page on screen;
- per page (every page in the admin menu, or ``--pages``): the **cold** (first) visit, by a
  click on its menu link as a person does, and the **warm** visit (median of ``--repeat``
  later visits, each coming from another page).

"On screen": a run started after the click has ended (the app root's
``data-test-script-state``, what Streamlit's own end-to-end tests wait on, is back to
``notRunning``), the menu is there and the main area has content and no stale element; the
first such moment, recorded by a MutationObserver in the page. "Settled": the end of the
last run the click set off, once no run followed for ``QUIET_S`` (reruns the page causes
itself, e.g. the cookie component after a sign-in, count), with no running indicator.
"Server CPU": the CPU time the server process used meanwhile (independent of the load of a
shared machine, which the wall times are not).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.app_server import CHROMIUM, launch, serve
from core import permissions
from core.config import PROJECT_ROOT

TIMEOUT_S = 60.0
CLICK_TAKES_S = 10.0  # no run this long after a click: the click was lost, click again
QUIET_S = 0.6  # no new run within this long after a run ended: the page is finished
VIEWPORT = {"width": 1440, "height": 900}

# Records every change of Streamlit's script-run state with its time (performance.now()),
# and the first moment a run ended with the awaited page on screen (window.__mlAwait, set
# before a click: a page path and whether the menu must be there).
RUN_STATE_RECORDER = """
(() => {
  window.__mlRuns = [];
  window.__mlAwait = null;
  const seen = new WeakMap();
  const rendered = () => {
    const want = window.__mlAwait;
    if (!want || want.at !== null) return;
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return;
    const path = location.pathname.replace(/\\/+$/, '').split('/').pop() || 'overview';
    if (want.page !== null && path !== want.page) return;
    if (want.menu && !document.querySelector('[data-testid="stSidebar"] a[href]')) return;
    const main = document.querySelector('[data-testid="stMainBlockContainer"]');
    if (!main || !main.innerText.trim()) return;
    if (document.querySelector('[data-testid="stMain"] [data-stale="true"]')) return;
    let started = false;
    for (const [state, at] of window.__mlRuns) {
      if (at >= want.since && state === 'running') started = true;
    }
    if (started) want.at = performance.now();
  };
  const record = (node) => {
    const state = node.getAttribute('data-test-script-state');
    if (state && seen.get(node) !== state) {
      seen.set(node, state);
      window.__mlRuns.push([state, performance.now()]);
    }
  };
  new MutationObserver((mutations) => {
    for (const m of mutations) {
      if (m.type === 'attributes') record(m.target);
      for (const added of m.addedNodes || []) {
        if (added.nodeType === 1) {
          if (added.hasAttribute('data-test-script-state')) record(added);
          added.querySelectorAll?.('[data-test-script-state]').forEach(record);
        }
      }
    }
    rendered();
  }).observe(document, {subtree: true, childList: true, attributes: true});
})();
"""

# The end of the last run after ``since`` once no run followed for ``quiet`` ms (settled).
FINISHED_JS = """
([since, quiet]) => {
  const runs = window.__mlRuns || [];
  const now = performance.now();
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return null;
  if (document.querySelector('[data-testid^="stStatusWidgetRunning"]')) return null;
  const main = document.querySelector('[data-testid="stMainBlockContainer"]');
  if (!main || !main.innerText.trim()) return null;
  let started = false, end = null;
  for (const [state, at] of runs) {
    if (at < since) continue;
    if (state === 'running') started = true;
    else if (started && state === 'notRunning') end = at;
  }
  if (end === null || now - end < quiet) return null;
  const last = runs[runs.length - 1];
  if (last && last[0] !== 'notRunning') return null;
  return end;
}
"""


STATE_JS = """
() => ({
  state: document.querySelector('[data-testid="stApp"]')?.getAttribute('data-test-script-state'),
  running: !!document.querySelector('[data-testid^="stStatusWidgetRunning"]'),
  main: (document.querySelector('[data-testid="stMainBlockContainer"]')?.innerText || '').length,
})
"""


def now_ms(page) -> float:
    return page.evaluate("performance.now()")


def await_page(page, key: str | None, menu: bool) -> float:
    """Arm the probe for the next click; returns the page clock at arming."""
    return page.evaluate(
        "([page, menu]) => { const since = performance.now();"
        " window.__mlAwait = {page, menu, since, at: null}; return since; }",
        [key, menu],
    )


def wait_finished(page, since_ms: float) -> tuple[float | None, float]:
    """(first run ending with the awaited page on screen, end of the last run once settled),
    page clock milliseconds, for the runs started after ``since_ms``."""
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        end = page.evaluate(FINISHED_JS, [since_ms, QUIET_S * 1000])
        if end is not None:
            at = page.evaluate("window.__mlAwait && window.__mlAwait.at")
            return at, end
        time.sleep(0.05)
    runs = page.evaluate("window.__mlRuns.slice(-6)")
    state = page.evaluate(STATE_JS)
    raise TimeoutError(
        f"no finished run within {TIMEOUT_S:.0f} s at {page.url} (since {since_ms:.0f}): "
        f"{runs} {state}"
    )


def run_started(page, since_ms: float, within_s: float) -> bool:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if page.evaluate(
            "(since) => window.__mlRuns.some(([s, at]) => at >= since && s === 'running')",
            since_ms,
        ):
            return True
        time.sleep(0.05)
    return False


def check_no_error(page, what: str) -> None:
    for test_id in ("stException", "stAlertContentError"):
        if page.get_by_test_id(test_id).count():
            text = page.get_by_test_id(test_id).first.inner_text()[:300]
            raise SystemExit(f"{what}: the page shows an error: {text}")


@dataclass
class Step:
    rendered_s: float  # click (or navigation start) → the page on screen, its run ended
    settled_s: float  # … → the last run it set off ended (cookie component, link rewrite)
    server_cpu_s: float  # CPU the server process used meanwhile


def server_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def open_sign_in(browser, pid: int, context=None) -> tuple[object, object, Step]:
    """The start page in a fresh browser context (nothing cached), or in ``context`` without
    its cookies (a returning browser: the app's frontend files cached, signed out): the form
    visible (navigation start → password field visible) and settled."""
    cpu = server_cpu(pid)
    if context is None:
        context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
        context.add_init_script(RUN_STATE_RECORDER)
    else:
        for old in context.pages:
            old.close()
        context.clear_cookies()
    page = context.new_page()
    page.goto(BASE)
    page.locator('input[type="password"]').first.wait_for(state="visible", timeout=TIMEOUT_S * 1000)
    visible = now_ms(page)
    _, end = wait_finished(page, 0.0)
    fields = page.locator('input[type="password"]').count()
    if fields != 1:
        print(f"note: {fields} password fields on the finished sign-in page")
    return context, page, Step(visible / 1000, end / 1000, server_cpu(pid) - cpu)


def sign_in(page, username: str, password: str, pid: int) -> Step:
    """Sign in: from the click to the first page on screen with the menu, and settled."""
    form = page.get_by_test_id("stForm").last
    form.locator('input:not([type="password"])').first.fill(username)
    form.locator('input[type="password"]').fill(password)
    cpu = server_cpu(pid)
    clicked = await_page(page, None, True)
    form.locator('[data-testid="stFormSubmitButton"] button').click()
    page.get_by_test_id("stSidebar").locator("a").first.wait_for(timeout=TIMEOUT_S * 1000)
    rendered, end = wait_finished(page, clicked)
    check_no_error(page, "sign-in")
    rendered = end if rendered is None else rendered
    return Step((rendered - clicked) / 1000, (end - clicked) / 1000, server_cpu(pid) - cpu)


def visit(page, key: str, pid: int) -> Step:
    """Click the menu link of page ``key``: until it is on screen, and settled."""
    links = page.get_by_test_id("stSidebar").locator("a")
    target = None
    for index in range(links.count()):
        href = links.nth(index).get_attribute("href") or ""
        path = href.split("?")[0].rstrip("/").rsplit("/", 1)[-1] or "overview"
        if path == key:
            target = links.nth(index)
            break
    if target is None:
        raise SystemExit(f"no menu link for page {key!r}")
    cpu = server_cpu(pid)
    for _ in range(3):  # a click that lands while the sidebar is redrawn starts no run
        clicked = await_page(page, None, True)
        target.click()
        if run_started(page, clicked, CLICK_TAKES_S):
            break
    rendered, end = wait_finished(page, clicked)
    landed = page.url.split("?")[0].rstrip("/").rsplit("/", 1)[-1] or "overview"
    if landed != key and key != "overview":  # the default page may keep the previous path
        raise SystemExit(f"clicked {key!r} but landed on {page.url}")
    check_no_error(page, key)
    rendered = end if rendered is None else rendered
    return Step((rendered - clicked) / 1000, (end - clicked) / 1000, server_cpu(pid) - cpu)


TIMED_OUT = Step(float("nan"), float("nan"), float("nan"))


def timed_visit(page, key: str, pid: int) -> Step:
    """:func:`visit`, or :data:`TIMED_OUT` (shown as nan) when no run finished in time."""
    try:
        return visit(page, key, pid)
    except TimeoutError as exc:
        print(f"note: {key}: {exc}")
        return TIMED_OUT


def main(argv: list[str] | None = None) -> int:
    global BASE
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, type=Path, help="the store to serve")
    parser.add_argument("--user", default="admin")
    parser.add_argument("--password", default="demo-admin-2026")
    parser.add_argument(
        "--pages", default="", help="comma-separated page keys (default: the admin menu)"
    )
    parser.add_argument(
        "--app-dir",
        type=Path,
        default=PROJECT_ROOT,
        help="the checkout to serve (e.g. an older commit, to compare; default: this one)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="warm visits per page")
    parser.add_argument("--sign-ins", type=int, default=3, help="fresh-context sign-ins")
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        raise SystemExit("Chromium missing: apt-get install -y chromium")
    if not args.db.exists():
        raise SystemExit(f"no store at {args.db}")
    menu = [spec.key for spec in permissions.menu(permissions.Role.ADMIN.value)]
    keys = [k.strip() for k in args.pages.split(",") if k.strip()] or menu
    unknown = sorted(set(keys) - set(menu))
    if unknown:
        raise SystemExit(f"not in the admin menu: {', '.join(unknown)}")

    from playwright.sync_api import sync_playwright

    log_path = Path(tempfile.mkdtemp(prefix="bench_pages_")) / "server.log"
    started = time.monotonic()
    with serve(args.db.resolve(), log_path, app_dir=args.app_dir.resolve()) as server:
        BASE = server.base
        print(f"server up in {time.monotonic() - started:.1f} s ({BASE}, log {log_path})")
        pid = server.pid
        with sync_playwright() as playwright:
            browser = launch(playwright)
            forms: list[Step] = []
            sign_ins: list[Step] = []
            for _ in range(max(1, args.sign_ins) + 1):
                context, page, form = open_sign_in(browser, pid)
                forms.append(form)
                sign_ins.append(sign_in(page, args.user, args.password, pid))
                if len(forms) <= max(1, args.sign_ins):
                    context.close()
            returning_forms: list[Step] = []
            returning_sign_ins: list[Step] = []
            for _ in range(max(1, args.sign_ins)):
                context, page, form = open_sign_in(browser, pid, context)
                returning_forms.append(form)
                returning_sign_ins.append(sign_in(page, args.user, args.password, pid))
            cold = {key: timed_visit(page, key, pid) for key in keys}
            warm: dict[str, list[Step]] = {key: [] for key in keys}
            for _ in range(max(1, args.repeat)):
                for index, key in enumerate(keys):
                    # come from another page, as a person does
                    other = keys[index - 1] if len(keys) > 1 else "overview"
                    if other != key:
                        timed_visit(page, other, pid)
                    warm[key].append(timed_visit(page, key, pid))
            context.close()
            browser.close()

    def median(steps: list[Step], field: str) -> str:
        return f"{statistics.median(getattr(step, field) for step in steps):.2f}"

    later = max(1, len(forms) - 1)
    print()
    print(
        f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
        f"({os.cpu_count()} cores)"
    )
    print()
    print("| step | on screen s | settled s | server CPU s |")
    print("|---|--:|--:|--:|")
    rows = [
        ("sign-in form visible, just-started server", forms[:1]),
        (f"sign-in form visible, fresh browser (median of {later})", forms[1:]),
        ("sign-in complete, first (cold caches)", sign_ins[:1]),
        (f"sign-in complete, fresh browser (median of {later})", sign_ins[1:]),
        (
            f"sign-in form visible, returning browser (median of {len(returning_forms)})",
            returning_forms,
        ),
        (
            f"sign-in complete, returning browser (median of {len(returning_forms)})",
            returning_sign_ins,
        ),
    ]
    for label, steps in rows:
        print(
            f"| {label} | {median(steps, 'rendered_s')} | {median(steps, 'settled_s')} "
            f"| {median(steps, 'server_cpu_s')} |"
        )
    print()
    repeat = max(1, args.repeat)
    print(f"| page | cold s | warm s (median of {repeat}) | warm settled s | warm server CPU s |")
    print("|---|--:|--:|--:|--:|")
    for key in keys:
        print(
            f"| {key} | {cold[key].rendered_s:.2f} | {median(warm[key], 'rendered_s')} "
            f"| {median(warm[key], 'settled_s')} | {median(warm[key], 'server_cpu_s')} |"
        )
    return 0


BASE = ""

if __name__ == "__main__":
    sys.exit(main())

"""Screenshots of every page as a person sees it: the demo store, Debian's Chromium at
1440×900, signed in as the demo admin (every page) in the chosen language.

    python scripts/screenshots.py [--lang zh|en] [--out screenshots/] [--db PATH]

The PNGs are generated, never committed (``screenshots/`` is git-ignored). Without ``--db`` a
demo store of the first-run size is built in a temporary folder (about a minute, with the
fitted model). Chinese text needs a CJK font: ``apt-get install fonts-noto-cjk``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.app_server import launch, serve, wait_until_idle  # noqa: E402
from core import auth, i18n, permissions  # noqa: E402
from core.config import PROJECT_ROOT  # noqa: E402
from core.demo import build_demo_store  # noqa: E402
from core.store import close_store, open_store  # noqa: E402

VIEWPORT = {"width": 1440, "height": 900}
TALL = {"width": 1440, "height": 2400}  # Streamlit scrolls inside the page: a tall window shows all


def sign_in(page, lang: str, username: str, password: str) -> None:
    page.get_by_label(i18n.t("login.username", lang)).fill(username)
    page.get_by_label(i18n.t("login.password", lang)).fill(password)
    page.get_by_role("button", name=i18n.t("login.submit", lang)).click()
    page.get_by_test_id("stSidebar").get_by_text(i18n.t("sidebar.logout", lang)).wait_for()
    wait_until_idle(page)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", choices=i18n.LANGUAGES, default="zh")
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "screenshots")
    parser.add_argument("--db", type=Path, help="a demo store (default: build one)")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    out = args.out / args.lang
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        store_path = args.db
        if store_path is None:
            store_path = Path(tmp) / "demo.duckdb"
            print("building the demo store …", flush=True)
            build_demo_store(store_path, fit_models=True)
            close_store(store_path)
        auth.set_language(open_store(store_path), "admin", args.lang)
        close_store(store_path)  # the server process takes the file lock
        with serve(store_path, Path(tmp) / "server.log") as server, sync_playwright() as pw:
            browser = launch(pw)
            context = browser.new_context(
                viewport=VIEWPORT, locale="zh-CN" if args.lang == "zh" else "en-US"
            )
            page = context.new_page()
            page.goto(server.base)
            wait_until_idle(page)
            sign_in(page, args.lang, "admin", auth.DEMO_ACCOUNTS["admin"][1])
            for number, spec in enumerate(permissions.menu("admin"), start=1):
                started = time.monotonic()
                # through the menu, as a person does (a page URL would start a new session)
                menu = page.get_by_test_id("stSidebar").get_by_role("link")
                menu.filter(has_text=i18n.t(spec.title, args.lang)).first.click()
                wait_until_idle(page, settle_s=1.0)
                path = out / f"{number:02d}_{spec.key}.png"
                page.set_viewport_size(TALL)
                page.wait_for_timeout(300)
                page.screenshot(path=str(path), full_page=True)
                page.set_viewport_size(VIEWPORT)
                print(f"{spec.key:<16} {time.monotonic() - started:5.1f} s  {path}", flush=True)
            browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Screenshots of every web page, filled in and with its results, for a reviewer to look at.

    python docs/screenshots.py [OUT_DIR]     # default docs/screenshots/

Starts the web app on a loopback port with a small demo pool (fresh SQLite file), drives Debian's
Chromium through each page with Playwright (``pip install playwright``; the browser is the
system's: ``apt-get install chromium``), and writes one PNG per page.
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from flopfolio.service.live import LiveApp, find_chromium

RESULT_TIMEOUT_MS = 120_000
# The calculator pages on their default inputs: path, the button that runs it, the chart to await.
CALCULATORS = (
    ("/train", "Estimate", "#offers-chart"),
    ("/serve", "Plan capacity", "#break-even-chart"),
    ("/compare", None, "#compare-chart"),  # runs on load
    ("/plan", "Optimise the plan", "#plan-chart"),
)


def _open(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("body[data-ready]", timeout=RESULT_TIMEOUT_MS)


def _shoot(page: Page, out: Path, name: str) -> None:
    path = out / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    print(path)


def main(out: Path) -> None:
    chromium = find_chromium()
    if chromium is None:
        sys.exit("No Chromium found: apt-get install chromium (or set FLOPFOLIO_CHROMIUM).")
    out.mkdir(parents=True, exist_ok=True)
    app = LiveApp().start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium)
            page = browser.new_page(viewport={"width": 1366, "height": 900})
            page.goto(app.url + "/")
            _shoot(page, out, "index")
            for path, button, chart in CALCULATORS:
                _open(page, app.url + path)
                if button:
                    page.get_by_role("button", name=button).click()
                page.wait_for_selector(f"{chart} .main-svg", timeout=RESULT_TIMEOUT_MS)
                _shoot(page, out, path.strip("/"))
            _open(page, app.url + "/pool")
            page.get_by_label("API key").fill(app.operator_key)
            page.get_by_role("button", name="Open the dashboard").click()
            page.wait_for_selector("#pool-chart .main-svg", timeout=RESULT_TIMEOUT_MS)
            page.get_by_role("button", name="Compute the savings report").click()
            page.wait_for_selector("#savings:not([hidden])", timeout=RESULT_TIMEOUT_MS)
            _shoot(page, out, "pool-operator")
            page.get_by_role("button", name="Sign out").click()
            page.get_by_label("API key").fill(app.member_key)
            page.get_by_role("button", name="Open the dashboard").click()
            page.wait_for_selector("#member-chart .main-svg", timeout=RESULT_TIMEOUT_MS)
            _shoot(page, out, "pool-member")
            browser.close()
    finally:
        app.stop()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "screenshots")

"""The web app served for real (a demo pool in a fresh SQLite file) and, for the page tests,
Debian's Chromium driven by Playwright. In CI (``CI=true``) a missing browser fails the run;
elsewhere the page tests skip, saying what to install."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from flopfolio.service.live import LiveApp, find_chromium


@pytest.fixture(scope="session")
def live() -> Iterator[LiveApp]:
    app = LiveApp().start()
    yield app
    app.stop()
    if "Traceback" in (log := app.log()):
        print(log[log.find("Traceback") :][-20_000:])


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    chromium = find_chromium()
    if chromium is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI must have Chromium for the browser tests: apt-get install chromium")
        pytest.skip("no Chromium installed (apt-get install chromium, or set FLOPFOLIO_CHROMIUM)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=chromium)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any, live: LiveApp) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(60_000)
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    yield tab
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"

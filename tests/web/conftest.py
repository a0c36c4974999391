"""The browser tests: Debian's chromium driven by Playwright (never `playwright install`), against a real server.

SQLite is enough here: the page only calls the agent API, whose engines the e2e tests cover both.
Without chromium, Playwright or axe-core the tests skip, except under CI=true, where they fail.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.databases import fresh_database
from tests.support.server import LiveServer

CHROMIUM = os.environ.get("SODIARY_TEST_CHROMIUM", "/usr/bin/chromium")
AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def missing(message: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="module", params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not os.access(CHROMIUM, os.X_OK):
        missing(f"no chromium at {CHROMIUM} (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("the playwright package is not installed (make install)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.exists():
        missing(f"axe-core is not installed: cd {AXE.parents[2]} && npm ci")
    return AXE.read_text(encoding="utf-8")


@pytest.fixture
def demo_server(tmp_path: Path) -> Iterator[LiveServer]:
    """A brand-new install with the demo data: the scenarios answer its invitations."""
    with fresh_database("sqlite", tmp_path) as url:
        live = LiveServer(url, tmp_path / "server.log").start()
        try:
            yield live
        finally:
            live.stop()

"""Writes docs/web-signin.png, docs/web-invitations.png and docs/web-week.png from a fresh demo server.

    .venv/bin/python -m tests.web.screenshots
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

from tests.support.server import LiveServer
from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.web.pages import go, open_page, sign_in

DOCS = Path(__file__).parents[2] / "docs"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        server = LiveServer(f"sqlite:///{tmp}/demo.db", Path(tmp) / "server.log").start()
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = open_page(browser, server, width=1100)
            page.screenshot(path=DOCS / "web-signin.png")
            sign_in(page, "ben")
            page.locator("li.invitation", has_text="Project kick-off").locator("summary").click()
            page.screenshot(path=DOCS / "web-invitations.png")
            go(page, "week", "My week")
            page.get_by_role("button", name="Next week").click()
            expect(page.locator("button[data-id='686']")).to_be_visible()
            page.locator("button[data-id='686']").click()
            expect(page.locator("#details")).to_contain_text("Ada Lovelace")
            page.screenshot(path=DOCS / "web-week.png", full_page=True)
        finally:
            browser.close()
            server.stop()


if __name__ == "__main__":
    main()

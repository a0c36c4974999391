"""Driving the diary page as a person would: by labels and button names, in a browser zone and language."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Browser, Page, expect

from tests.support.server import DEMO_PASSWORDS, LiveServer


def open_page(browser: Browser, server: LiveServer, *, zone: str = "Europe/Oslo", locale: str = "en-GB",
              width: int = 1200) -> Page:
    context = browser.new_context(timezone_id=zone, locale=locale, viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(server.url + "/")
    expect(page.locator("body")).to_have_attribute("data-ready", "signin")
    return page


def sign_in(page: Page, user: str, password: str | None = None) -> None:
    page.get_by_label("User name").fill(user)
    page.get_by_label("Password").fill(password if password is not None else DEMO_PASSWORDS[user])
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("body")).to_have_attribute("data-ready", "invitations")


def go(page: Page, view: str, name: str) -> None:
    page.locator("body").evaluate("b => { delete b.dataset.ready; }")
    page.get_by_role("navigation").get_by_role("button", name=name).click()
    expect(page.locator("body")).to_have_attribute("data-ready", view)


def wait_settled(page: Page) -> None:
    """After an action: the status line says what happened and the list was reloaded."""
    expect(page.get_by_role("status")).not_to_be_empty()


def axe_violations(page: Page, axe_source: str) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now."""
    # Evaluated through the DevTools protocol, so the page's CSP (no inline script) does not block it.
    page.evaluate(axe_source + "\n;0")
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v.get("impact") in ("serious", "critical")]

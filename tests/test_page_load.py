"""Each page loads cleanly in Chromium: no error in the console (a React hydration mismatch, for
one, makes React throw the server-rendered page away, and what a person typed in the first moments
with it)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

PAGES = ["/", "/edit", "/campaign", "/history"]


@pytest.mark.parametrize("path", PAGES)
def test_the_page_loads_without_console_errors(page, app_server, path):
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(app_server.url + path, wait_until="networkidle")
    page.wait_for_selector("#language-select")
    assert errors == []

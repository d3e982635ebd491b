"""The API key stays on the server: with OPENAI_API_KEY set, nothing the browser receives (pages,
scripts, websocket frames, images) and nothing the app logs contains it.

A second production app beside the session's (own port, data and build folders), configured as an
OpenAI-compatible provider whose base URL is its own offline engine, which accepts any key."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from tests.conftest import start_app, stop_app
from tests.loopback import free_port

pytestmark = pytest.mark.browser


def test_the_api_key_never_reaches_the_browser_or_the_log(browser, tmp_path: Path):
    api_key = "sk-test-" + secrets.token_hex(16)
    port = free_port()
    extra_env = {
        "REFLEX_WEB_WORKDIR": str(tmp_path / "web"),
        "OPENAI_API_KEY": api_key,
        "OPENAI_BASE_URL": f"http://localhost:{port}/v1",
    }
    app = start_app(port, tmp_path / "data", tmp_path / "app.log", extra_env=extra_env)
    received: list[str] = []
    try:
        context = browser.new_context(viewport={"width": 1366, "height": 900})
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: received.append(str(payload))))
        page.on("response", lambda response: received.append(_text_of(response)))
        page.goto(app.url)
        assert "OpenAI-compatible" in page.inner_text("#provider-badge")
        page.fill("#prompt", "Holiday gift guide header, red and gold")
        page.wait_for_function("!document.querySelector('#generate-button').disabled")
        page.click("#generate-button")
        page.wait_for_selector("img[alt='Final image']")
        assert "$" in page.inner_text("#usage-cost"), "a paid provider shows what the tokens cost"
        # A refused request shows its message; the message carries no key either.
        page.fill("#prompt", "Holiday gift guide header [[engine:401]]")
        page.click("#generate-button")
        page.wait_for_selector("#run-error")
        context.close()
    finally:
        stop_app(app.process)
    assert len(received) > 10
    assert not [text for text in received if api_key in text]
    assert api_key not in app.log()


def _text_of(response) -> str:
    try:
        return response.text()
    except Exception:  # binary bodies (images) and bodies already gone: keep what can be read
        try:
            return response.body().decode("latin-1")
        except Exception:
            return ""

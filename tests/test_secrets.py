"""The API key stays on the server: with OPENAI_API_KEY set, nothing the browser receives (pages,
scripts, websocket frames, images) and nothing the app logs contains it.

Against `paid_app_server`: an OpenAI-compatible provider whose base URL is the app's own offline
engine, which accepts any key."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_the_api_key_never_reaches_the_browser_or_the_log(browser, paid_app_server):
    app, api_key = paid_app_server, paid_app_server.api_key
    received: list[str] = []
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: received.append(str(payload))))
    page.on("response", lambda response: received.append(_text_of(response)))
    page.goto(app.url)
    assert "OpenAI-compatible" in page.inner_text("#provider-badge")
    page.fill("#prompt", "Holiday gift guide header, red and gold")
    page.wait_for_function("!document.querySelector('#generate-button').disabled")
    assert "at gpt-image-1.5 list price" in page.inner_text("#cost-estimate"), "a paid run is estimated first"
    page.click("#generate-button")
    page.wait_for_selector("img[alt='Final image']")
    assert "$" in page.inner_text("#usage-cost"), "a paid provider shows what the tokens cost"
    # A refused request shows its message; the message carries no key either.
    page.fill("#prompt", "Holiday gift guide header [[engine:401]]")
    page.click("#generate-button")
    page.wait_for_selector("#run-error")
    context.close()
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

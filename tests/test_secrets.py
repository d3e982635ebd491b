"""The API key stays on the server: with OPENAI_API_KEY set, nothing the browser receives (pages,
scripts, websocket frames, images) on any of the four pages and nothing the app logs contains it.

Against `paid_app_server`: an OpenAI-compatible provider whose base URL is the app's own offline
engine, which accepts any key."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

PAGES = ("/", "/edit", "/campaign", "/history")


def test_the_api_key_never_reaches_the_browser_or_the_log(browser, paid_app_server):
    app, api_key = paid_app_server, paid_app_server.api_key
    key = api_key.encode()
    bodies: list[tuple[str, bytes]] = []  # every response body, read as bytes when it arrives
    unreadable: list[str] = []
    frames: list[bytes] = []
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    app.sign_in(context)
    page = context.new_page()
    page.set_default_timeout(30_000)

    def keep_body(response) -> None:
        if 300 <= response.status < 400:
            return  # a redirect has no body; where it leads is a response of its own
        try:
            bodies.append((response.url, response.body()))
        except Exception as exc:  # a body the test cannot read is a body it cannot vouch for
            unreadable.append(f"{response.url}: {exc}")

    def keep_frame(payload: str | bytes) -> None:
        frames.append(payload if isinstance(payload, bytes) else payload.encode())

    page.on("websocket", lambda ws: ws.on("framereceived", keep_frame))
    page.on("response", keep_body)
    page.goto(app.url)
    assert "OpenAI-compatible" in page.inner_text("#provider-badge")
    page.fill("#prompt", "Holiday gift guide header, red and gold")
    page.wait_for_function("!document.querySelector('#generate-button').disabled")
    assert "at gpt-image-1.5 list price" in page.inner_text("#cost-estimate"), "a paid run is estimated first"
    page.click("#generate-button")
    page.wait_for_selector("img[alt='Final image']")
    assert "$" in page.inner_text("#usage-cost"), "a paid provider shows what the tokens cost"
    page.wait_for_function("document.querySelector(\"img[alt='Final image']\").complete")
    # A refused request shows its message; the message carries no key either.
    page.fill("#prompt", "Holiday gift guide header [[engine:401]]")
    page.click("#generate-button")
    page.wait_for_selector("#run-error")
    for path in PAGES[1:]:  # every other page, as the marketer reaches it
        page.goto(app.url + path)
        page.wait_for_selector("#provider-badge")
        page.wait_for_load_state("networkidle")
    context.close()

    assert not unreadable, unreadable
    visited = {url.removeprefix(app.url).split("?")[0].rstrip("/") or "/" for url, _ in bodies}
    assert set(PAGES) <= visited, visited
    assert any(url.endswith((".png", ".webp")) for url, _ in bodies), "images were read too"
    assert len(frames) > 10
    # The search reads what the browser got: the prompt typed is there, in the websocket's frames.
    assert any(b"Holiday gift guide header" in frame for frame in frames)
    assert not [url for url, body in bodies if key in body]
    assert not [frame for frame in frames if key in frame]
    assert api_key not in app.log()

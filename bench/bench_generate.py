"""One generation (1536x1024, 3 partials, PNG) in chromium against the production app.

Prints the websocket bytes the page received, the final image's bytes, and, for each engine event,
the delay from the moment the engine sent it to the moment its thumbnail (or the final image) was in
the DOM. To timestamp the engine's sends, the app is pointed (OPENAI_BASE_URL) at an offline engine
served by this script on loopback, wrapped in an ASGI layer that notes when each event's bytes left.

Run: .venv/bin/python bench/bench_generate.py
"""

from __future__ import annotations

import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from email_image_app.imagegen.server import create_engine_app  # noqa: E402
from tests import conftest  # noqa: E402
from tests.loopback import free_port, serve_asgi  # noqa: E402

STEP_DELAY = 0.5
EVENT_LINE = re.compile(rb"event: (\S+)\n")

OBSERVE_DOM = """
window.__seen = [];
new MutationObserver(() => {
  const steps = document.querySelectorAll('img[alt^="Step "]').length;
  const final = document.querySelectorAll('img[alt="Final image"]').length;
  const last = window.__seen[window.__seen.length - 1] || {steps: 0, final: 0};
  if (steps > last.steps || final > last.final) window.__seen.push({steps, final, at: Date.now()});
}).observe(document.body, {childList: true, subtree: true});
"""


class SendClock:
    """ASGI wrapper noting (event type, wall time) after each SSE event's bytes were handed to the server."""

    def __init__(self, app) -> None:
        self.app = app
        self.sent: list[tuple[str, float]] = []

    async def __call__(self, scope, receive, send):
        async def timed_send(message):
            await send(message)
            if message["type"] == "http.response.body":
                for name in EVENT_LINE.findall(message.get("body", b"")):
                    self.sent.append((name.decode(), time.time()))

        await self.app(scope, receive, timed_send)


def main() -> None:
    from playwright.sync_api import sync_playwright

    clock = SendClock(create_engine_app(step_delay=STEP_DELAY))
    with serve_asgi(clock) as engine_url, tempfile.TemporaryDirectory() as data_dir:
        port = free_port()
        log_path = Path(data_dir) / "app.log"
        # The app talks to this script's engine, as it would to any OpenAI-compatible base URL.
        app = conftest.start_app(port, Path(data_dir), log_path, extra_env={"OPENAI_BASE_URL": f"{engine_url}/v1"})
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=conftest.CHROMIUM,
                    args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                          "--disable-component-update", "--disable-sync", "--no-first-run"],
                )
                page = browser.new_page(viewport={"width": 1366, "height": 900})
                received = {"frames": 0, "bytes": 0}

                def on_websocket(ws) -> None:
                    def on_frame(payload) -> None:
                        received["frames"] += 1
                        received["bytes"] += len(payload if isinstance(payload, bytes) else payload.encode())

                    ws.on("framereceived", on_frame)

                page.on("websocket", on_websocket)
                page.goto(app.url)
                page.click("#option-size")
                page.get_by_role("option", name="1536×1024 (native)", exact=True).click()
                page.fill("#prompt", "Black Friday deals on headphones, dark background, neon accents")
                page.wait_for_function("!document.querySelector('#generate-button').disabled")
                bytes_before = received["bytes"]
                page.evaluate(OBSERVE_DOM)
                page.click("#generate-button")
                page.wait_for_selector("img[alt='Final image']", timeout=60_000)
                page.wait_for_function("document.querySelector('#generate-button').innerText.trim() === 'Generate'")
                seen = page.evaluate("window.__seen")
                final_url = page.get_attribute("img[alt='Final image']", "src")
                final_bytes = len(page.request.get(app.url + final_url).body())
                run_ws_bytes = received["bytes"] - bytes_before
                browser.close()
        finally:
            conftest.stop_app(app.process)

    partial_sends = [at for name, at in clock.sent if name.endswith("partial_image")]
    final_sends = [at for name, at in clock.sent if name.endswith("completed")]
    step_times = {}
    for entry in seen:
        for n in range(1, entry["steps"] + 1):
            step_times.setdefault(n, entry["at"] / 1000)
        if entry["final"]:
            step_times.setdefault("final", entry["at"] / 1000)

    print("generation: 1536x1024 PNG, 3 partial images, engine step delay", STEP_DELAY, "s")
    print(f"final image: {final_bytes:,} bytes")
    print(f"websocket bytes received during the run: {run_ws_bytes:,} ({run_ws_bytes / final_bytes:.3f} x the final image)")
    for index, sent_at in enumerate(partial_sends, start=1):
        shown = step_times.get(index)
        delay = f"{(shown - sent_at) * 1000:.0f} ms" if shown else "never shown"
        print(f"partial {index}: engine sent -> thumbnail in DOM: {delay}")
    if final_sends and "final" in step_times:
        print(f"final: engine sent -> final image in DOM: {(step_times['final'] - final_sends[0]) * 1000:.0f} ms")


if __name__ == "__main__":
    main()

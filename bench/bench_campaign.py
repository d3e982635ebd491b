"""Time a 1 hero + 6 products campaign in chromium at 1, 2 and 4 images at once, against the
offline engine with a fixed step delay, and count the websocket bytes the page received.

Run: .venv/bin/python bench/bench_campaign.py [--runs N] [--step-delay S]
Starts the production app on a free port (as the browser tests do), drives /campaign with
Playwright, and prints per concurrency the median wall time (click -> every tile done) and the
websocket bytes and frames received during the run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import Browser, Page, WebSocket, sync_playwright  # noqa: E402

from tests.conftest import CHROMIUM, CHROMIUM_ARGS, start_app, stop_app  # noqa: E402
from tests.loopback import free_port  # noqa: E402

PRODUCTS = 6
CONCURRENCIES = (1, 2, 4)
PARTIAL_IMAGES = 3  # the page's default
SUBJECT = "Black Friday: every sneaker 40% off"
PRODUCTS_CSV = "\n".join(
    f'SKU-{n},Sneaker model {n},"Canvas upper, colour {n}, white sole"' for n in range(1, PRODUCTS + 1)
)


@dataclass
class RunFigures:
    seconds: float
    ws_bytes: int
    ws_frames: int


class WebsocketCounter:
    """Payload bytes and frames the page receives on its websockets (Reflex's /_event)."""

    def __init__(self, page: Page) -> None:
        self.bytes = 0
        self.frames = 0
        page.on("websocket", self._watch)

    def _watch(self, socket: WebSocket) -> None:
        socket.on("framereceived", self._count)

    def _count(self, payload: str | bytes) -> None:
        self.bytes += len(payload.encode() if isinstance(payload, str) else payload)
        self.frames += 1

    def reset(self) -> None:
        self.bytes = self.frames = 0


def run_campaign(browser: Browser, url: str, concurrency: int) -> RunFigures:
    """One campaign in a fresh browser context (a new session: no tiles of an earlier run)."""
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    try:
        page = context.new_page()
        page.set_default_timeout(60_000)
        return _drive(page, WebsocketCounter(page), url, concurrency)
    finally:
        context.close()


def _drive(page: Page, counter: WebsocketCounter, url: str, concurrency: int) -> RunFigures:
    page.goto(f"{url}/campaign")
    page.fill("#campaign-subject", SUBJECT)
    page.click("#paste-csv")
    page.fill("#products-csv", PRODUCTS_CSV)
    page.click("#import-csv")
    page.wait_for_function(f"document.querySelectorAll('textarea[id^=\"prompt-product-\"]').length === {PRODUCTS}")
    page.click("#option-concurrency")
    page.get_by_role("option", name=str(concurrency), exact=True).click()
    page.wait_for_function(f"document.querySelector('#option-concurrency').innerText.trim() === '{concurrency}'")
    page.wait_for_function("!document.querySelector('#generate-campaign').disabled")
    counter.reset()
    started = time.perf_counter()
    page.click("#generate-campaign")
    page.wait_for_function(
        f"document.querySelectorAll('.campaign-tile[data-status=completed]').length === {PRODUCTS + 1}",
        timeout=300_000,
    )
    seconds = time.perf_counter() - started
    return RunFigures(seconds, counter.bytes, counter.frames)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--step-delay", default="0.3")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-campaign-") as folder:
        app = start_app(free_port(), Path(folder), Path(folder) / "reflex.log", step_delay=args.step_delay)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                run_campaign(browser, app.url, 2)  # warm-up: first page load, engine fonts
                print(
                    f"campaign: 1 hero + {PRODUCTS} products, {PARTIAL_IMAGES} partials each, offline engine, "
                    f"step delay {args.step_delay} s, median of {args.runs} run(s)"
                )
                print(f"{'at once':>8}{'wall time':>12}{'ws bytes':>12}{'ws frames':>11}{'bytes/frame':>13}")
                for concurrency in CONCURRENCIES:
                    runs = [run_campaign(browser, app.url, concurrency) for _ in range(args.runs)]
                    seconds = statistics.median(run.seconds for run in runs)
                    ws_bytes = round(statistics.median(run.ws_bytes for run in runs))
                    frames = round(statistics.median(run.ws_frames for run in runs))
                    print(f"{concurrency:>8}{seconds:>11.2f}s{ws_bytes:>12,}{frames:>11}{ws_bytes / max(frames, 1):>13,.0f}")
                browser.close()
        finally:
            stop_app(app.process)


if __name__ == "__main__":
    main()

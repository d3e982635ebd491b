"""How long a streamed step takes to reach the page, in one process and through the cluster, and how
long a tab waits when its replica dies mid-run. Chromium + Playwright, as the browser tests drive it.

1. Partial -> thumbnail: a scripted provider in this process (tests/scripted_provider.py, 0.4 s
   between events) notes the wall time each `partial_image` event is handed to its HTTP server; the
   page notes `performance.timeOrigin + performance.now()` when each step thumbnail enters the DOM.
   Latency = DOM time - sent time, per step; median, p95, max per mode:
   - embedded: one app (`make run`), its embedded worker, OPENAI_BASE_URL = the scripted provider;
   - cluster: two replicas, one worker, nginx, Redis and Postgres (the tests' cluster, on services
     this script starts).
2. Reconnect, worst case (cluster): a tab pinned to web-1 (web-2 stopped while it connects, started
   again once the run began), the provider holding the run after step 1; web-1 killed (-9) and the
   hold released in the same instant. Kill -> step 2 in the DOM, kill -> final image, per trial.
   Then one trial where the user reloads (onto web-2) right after the kill instead of waiting for the
   socket to reconnect by itself: reload -> steps shown again.

It asserts nothing; it prints what it saw, including steps shown twice, dropped, or never shown.

Run: .venv/bin/python bench/bench_job_latency.py [--generations 10] [--trials 5] [--only embedded|cluster]
"""

from __future__ import annotations

import argparse
import secrets
import shutil
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import Browser, Page, sync_playwright

from cluster.services import start_postgres, start_redis
from cluster.topology import start_cluster, stop_cluster
from tests.cluster_fixture import RunningCluster, cluster_plan
from tests.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    RunningApp,
    seed_admin,
    start_app,
    stop_app,
)
from tests.loopback import free_port, serve_asgi
from tests.scripted_provider import ScriptedProvider

PARTIALS = 3  # the page's default
WAIT_MS = 120_000  # a generation on 2 shared cores, or a replica coming back, may be slow

# Installed in every page of a context before its scripts (so also after a reload): each change of
# the steps strip or of the final image, with the wall time it happened (comparable to time.time()).
RECORD_SHOWN = """
window.__shown = [];
let last = null;
const look = () => {
  const alts = Array.from(document.querySelectorAll('#steps-strip img')).map(e => e.getAttribute('alt'));
  const final = !!document.querySelector('img[alt="Final image"]');
  const key = JSON.stringify([alts, final]);
  if (key === last) return;
  last = key;
  window.__shown.push({alts, final, wall: (performance.timeOrigin + performance.now()) / 1000});
};
new MutationObserver(look).observe(document, {childList: true, subtree: true, attributes: true});
"""


def partials_sent(provider: ScriptedProvider, word: str) -> list[float]:
    """When each partial image of the generation whose prompt holds `word` was handed to the server."""
    return [at for prompt, at in list(provider.partials_sent) if word in prompt]


@dataclass
class Shown:
    """What one page showed, from its `window.__shown` record."""

    changes: list[dict]
    odd: list[str] = field(default_factory=list)

    def first(self, alt: str, after: float = 0.0) -> float | None:
        return next((c["wall"] for c in self.changes if alt in c["alts"] and c["wall"] >= after), None)

    def final(self, after: float = 0.0) -> float | None:
        return next((c["wall"] for c in self.changes if c["final"] and c["wall"] >= after), None)

    def check(self) -> Shown:
        """Note anything a user would find odd: a step shown twice, a step gone again, steps missing."""
        seen: set[str] = set()
        for change in self.changes:
            alts = change["alts"]
            if len(alts) != len(set(alts)):
                self.odd.append(f"a step shown twice at once: {alts}")
            gone = seen - set(alts)
            if gone and not change["final"] and alts:
                self.odd.append(f"steps {sorted(gone)} gone from the strip, then {alts}")
            seen |= set(alts)
        expected = {f"Step {n}" for n in range(1, PARTIALS + 1)}
        if not self.changes or self.changes[-1]["alts"] != sorted(expected):
            self.odd.append(f"last strip {self.changes[-1]['alts'] if self.changes else None}, not {sorted(expected)}")
        return self


def shown(page: Page) -> Shown:
    return Shown(page.evaluate("window.__shown")).check()


def new_page(browser: Browser, app: RunningApp) -> Page:
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    app.sign_in(context)
    context.add_init_script(RECORD_SHOWN)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    return page


def start_generation(page: Page, url: str, prompt: str) -> None:
    page.goto(url)
    page.fill("#prompt", prompt)
    page.wait_for_function("!document.querySelector('#generate-button').disabled")
    page.click("#generate-button")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


# ----- 1. partial -> thumbnail -----


def step_latencies(browser: Browser, app: RunningApp, provider: ScriptedProvider, mode: str, generations: int) -> list[float]:
    """`generations` runs in fresh tabs; the latency of each step (s), printing anything odd."""
    latencies: list[float] = []
    for n in range(1, generations + 1):
        word = f"lat{secrets.token_hex(3)}"
        page = new_page(browser, app)
        try:
            start_generation(page, app.url, f"Spring sale banner {word}, pastel flowers")
            page.wait_for_selector("img[alt='Final image']")
            record = shown(page)
        finally:
            page.context.close()
        sent = partials_sent(provider, word)
        if len(sent) != PARTIALS:
            record.odd.append(f"the provider sent {len(sent)} partial images")
        for step, sent_at in enumerate(sent, start=1):
            at = record.first(f"Step {step}")
            if at is None:
                record.odd.append(f"step {step} never shown")
            else:
                latencies.append(at - sent_at)
        for odd in record.odd:
            print(f"  {mode} generation {n}: {odd}")
    return latencies


def print_latencies(mode: str, latencies: list[float]) -> None:
    ms = [value * 1000 for value in latencies]
    if not ms:
        print(f"{mode:<9} no step shown")
        return
    print(
        f"{mode:<9} steps {len(ms):>3}   median {statistics.median(ms):6.0f} ms   "
        f"p95 {percentile(ms, 0.95):6.0f} ms   max {max(ms):6.0f} ms   min {min(ms):6.0f} ms"
    )


# ----- 2. reconnect mid-run -----


def pinned_run(browser: Browser, cluster: RunningCluster, word: str) -> Page:
    """A tab whose websocket is on web-1, its run held by the provider after step 1, web-2 up again."""
    cluster.stop_replica("web-2")
    page = new_page(browser, cluster)
    start_generation(page, cluster.url, f"Rainy day boots {word}, city street")
    page.wait_for_selector("img[alt='Step 1']")
    cluster.start_replica("web-2")
    return page


def reconnect_trial(browser: Browser, cluster: RunningCluster, provider: ScriptedProvider, reload: bool) -> dict:
    word = f"rc{secrets.token_hex(3)}"
    gate = provider.hold(word)
    page = pinned_run(browser, cluster, word)
    try:
        killed_at = time.time()
        cluster.stop_replica("web-1", signal.SIGKILL)
        gate.set()
        if reload:
            page.reload()
        page.wait_for_selector("img[alt='Final image']")
        record = shown(page)
    finally:
        gate.set()
        page.context.close()
        cluster.start_replica("web-1")
    figures = {
        "step 1 again": record.first("Step 1", killed_at) if reload else None,
        "step 2": record.first("Step 2", killed_at),
        "final": record.final(killed_at),
    }
    result = {name: (at - killed_at if at is not None else None) for name, at in figures.items()}
    result["odd"] = record.odd
    return result


def print_trial(label: str, result: dict) -> None:
    parts = [
        f"kill -> {name} " + (f"{value:5.2f} s" if value is not None else "never")
        for name, value in result.items()
        if name != "odd" and not (name == "step 1 again" and value is None)
    ]
    odd = f"   odd: {'; '.join(result['odd'])}" if result["odd"] else ""
    print(f"  {label:<8} " + "   ".join(parts) + odd)


# ----- modes -----


def embedded_mode(browser: Browser, provider: ScriptedProvider, provider_url: str, folder: Path, generations: int) -> None:
    port = free_port()
    app = start_app(
        port, folder / "data", folder / "app.log",
        extra_env={
            "REFLEX_WEB_WORKDIR": str(folder / "web"),
            "OPENAI_API_KEY": "sk-bench-latency",
            "OPENAI_BASE_URL": provider_url + "/v1",
        },
    )
    try:
        print_latencies("embedded", step_latencies(browser, app, provider, "embedded", generations))
    finally:
        stop_app(app.process)


def cluster_mode(
    browser: Browser, provider: ScriptedProvider, provider_url: str, folder: Path,
    generations: int, trials: int,
) -> None:
    redis = start_redis(folder / "redis")
    # Not under a private folder of ours: PostgreSQL runs as `postgres` when we are root.
    postgres_folder = Path(tempfile.mkdtemp(prefix="bench-latency-postgres-"))
    postgres = start_postgres(postgres_folder, durable=False)
    plan = cluster_plan(folder / "cluster", redis, postgres, provider_url)
    cluster = RunningCluster(plan)
    try:
        cluster.session_token, cluster.api_token, cluster.admin_id = seed_admin(plan.shared_data, url=plan.db_url)
        start_cluster(plan)
        print_latencies("cluster", step_latencies(browser, cluster, provider, "cluster", generations))
        if trials:
            print("\nreconnect mid-run (cluster), times from the kill -9 of the tab's replica (web-1):")
            results = []
            for n in range(1, trials + 1):
                results.append(reconnect_trial(browser, cluster, provider, reload=False))
                print_trial(f"trial {n}", results[-1])
            for name in ("step 2", "final"):
                values = [r[name] for r in results if r[name] is not None]
                print(f"  max kill -> {name}: {max(values):.2f} s" if values else f"  {name}: never shown")
            print_trial("reload", reconnect_trial(browser, cluster, provider, reload=True))
    finally:
        stop_cluster(plan, drain_seconds=10)
        redis.stop()
        postgres.stop()
        shutil.rmtree(postgres_folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--generations", type=int, default=10, help="generations per mode")
    parser.add_argument("--trials", type=int, default=5, help="kill -9 trials (cluster); 0: none")
    parser.add_argument("--only", choices=["embedded", "cluster"])
    args = parser.parse_args()

    provider = ScriptedProvider(step_delay=0.4)
    print(f"{args.generations} generations of {PARTIALS} partial images per mode, provider step delay 0.4 s")
    print("latency = step thumbnail in the DOM - partial image handed to the provider's HTTP server\n")
    with serve_asgi(provider) as provider_url, tempfile.TemporaryDirectory(prefix="bench-latency-") as tmp:
        folder = Path(tmp)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                if args.only in (None, "embedded"):
                    embedded_mode(browser, provider, provider_url, folder / "embedded", args.generations)
                if args.only in (None, "cluster"):
                    cluster_mode(browser, provider, provider_url, folder, args.generations, args.trials)
            finally:
                browser.close()


if __name__ == "__main__":
    main()

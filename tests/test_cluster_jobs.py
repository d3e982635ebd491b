"""Jobs outlive the web process, in Chromium against the whole cluster (two web replicas behind
nginx, one worker, Redis, Postgres; tests/cluster_fixture.py) and a scripted provider that sees
what OpenAI would see and can hold a run after its first step (tests/scripted_provider.py).

To know which replica a tab talks to, a test stops the other one before the tab opens; to move
the tab, it kills its replica (kill -9, as a crash) once the other is back. Each test leaves the
cluster whole again."""

from __future__ import annotations

import io
import os
import secrets
import signal
import time

import httpx
import pytest
from PIL import Image

from cluster import processes
from tests.cluster_fixture import signed_in_page
from tests.test_generate_page import start_generation, step_alts

pytestmark = pytest.mark.browser


@pytest.fixture
def whole_cluster(cluster):
    """The cluster, and after the test every replica and the worker running again."""
    yield cluster
    for name in cluster.replicas:
        if not processes.running(cluster.plan.pid_file(name)):
            cluster.start_replica(name)
    if not processes.running(cluster.plan.pid_file("worker-1")):
        cluster.start_worker()


def tab_on_web_1(cluster, page, prompt: str) -> None:
    """A run started from a tab whose websocket is on web-1 (web-2 is down while it connects)."""
    cluster.stop_replica("web-2")
    start_generation(page, cluster.url, prompt)
    page.wait_for_selector("img[alt='Step 1']")
    cluster.start_replica("web-2")


def final_image(cluster, page) -> Image.Image:
    src = page.get_attribute("img[alt='Final image']", "src")
    response = httpx.get(cluster.url + src, cookies=cluster.cookies, timeout=10)
    assert response.status_code == 200
    return Image.open(io.BytesIO(response.content))


def wait_until(check, timeout: float = 30.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)  # polling another process's observable state


def test_kill_9_of_the_tab_s_replica_mid_run_the_tab_reconnects_and_sees_the_run_finish(
    cluster_page, whole_cluster
):
    cluster, page = whole_cluster, cluster_page
    word = f"crash{secrets.token_hex(3)}"
    gate = cluster.provider.hold(word)
    tab_on_web_1(cluster, page, f"Autumn boots {word}, warm light")

    cluster.stop_replica("web-1", signal.SIGKILL)  # the tab's replica crashes mid-run
    gate.set()  # the provider goes on: the worker stores the steps; the tab must show them

    page.wait_for_selector("img[alt='Final image']")
    assert step_alts(page) == ["Step 1", "Step 2", "Step 3"]  # replayed once, none twice
    assert final_image(cluster, page).size == (1200, 600)
    assert page.inner_text("#generate-button").strip() == "Generate"
    assert cluster.provider.streams_for(word) == 1  # one paid request: nothing was re-run


def test_a_reload_that_lands_on_the_other_replica_shows_the_run_finishing(cluster_page, whole_cluster):
    """A deploy: the tab leaves web-1 (its websocket closes cleanly), web-1 stops, the tab comes
    back on web-2 and follows the same run (Reflex's state in Redis, the job's log) to its end."""
    cluster, page = whole_cluster, cluster_page
    word = f"reload{secrets.token_hex(3)}"
    gate = cluster.provider.hold(word)
    tab_on_web_1(cluster, page, f"Velvet cushions {word}, window light")

    page.reload()  # lands on either replica...
    page.wait_for_selector("img[alt='Step 1']")
    cluster.stop_replica("web-1")  # ...then web-1 goes, and the next load can only land on web-2
    page.reload()
    page.wait_for_selector("img[alt='Step 1']")
    gate.set()

    page.wait_for_selector("img[alt='Final image']")
    assert step_alts(page) == ["Step 1", "Step 2", "Step 3"]
    assert final_image(cluster, page).size == (1200, 600)
    assert cluster.provider.streams_for(word) == 1


def test_a_reload_on_the_other_replica_shows_the_run_and_its_cancel_closes_the_provider_stream(
    cluster_page, whole_cluster
):
    cluster, page = whole_cluster, cluster_page
    word = f"cancel{secrets.token_hex(3)}"
    gate = cluster.provider.hold(word)
    tab_on_web_1(cluster, page, f"Winter coats {word}, snow")

    cluster.stop_replica("web-1", signal.SIGKILL)
    page.reload()  # lands on web-2, the only replica left: the run is shown where it is
    page.wait_for_selector("img[alt='Step 1']")
    page.wait_for_selector("#cancel-button")
    page.click("#cancel-button")  # handled by web-2; the job runs in the worker

    wait_until(lambda: cluster.provider.ended_early(word) == 1, what="the provider stream to close")
    page.wait_for_selector("text=Cancelled")
    gate.set()
    assert step_alts(page) == ["Step 1"]
    assert page.inner_text("#generate-button").strip() == "Generate"


def test_sigterm_on_the_worker_mid_run_lets_the_run_finish_then_the_worker_exits(cluster_page, whole_cluster):
    cluster, page = whole_cluster, cluster_page
    word = f"drain{secrets.token_hex(3)}"
    gate = cluster.provider.hold(word)
    start_generation(page, cluster.url, f"Garden party {word}, lanterns")
    page.wait_for_selector("img[alt='Step 1']")

    worker_pid = processes.read_pid(cluster.plan.pid_file("worker-1"))
    assert worker_pid is not None
    os.kill(worker_pid, signal.SIGTERM)  # a deploy: stop taking jobs, finish the running one
    gate.set()

    page.wait_for_selector("img[alt='Final image']")
    assert step_alts(page) == ["Step 1", "Step 2", "Step 3"]
    assert final_image(cluster, page).size == (1200, 600)
    wait_until(lambda: not processes.running(cluster.plan.pid_file("worker-1")), what="the worker to exit")
    assert "stopped" in (cluster.plan.log("worker-1")).read_text()


def test_kill_9_of_the_worker_ends_the_run_interrupted_with_its_step_kept_and_retry_works(
    cluster_page, whole_cluster
):
    cluster, page = whole_cluster, cluster_page
    word = f"lapse{secrets.token_hex(3)}"
    gate = cluster.provider.hold(word)
    start_generation(page, cluster.url, f"Beach towels {word}, noon sun")
    page.wait_for_selector("img[alt='Step 1']")

    cluster.stop_worker(sig=signal.SIGKILL)
    # The lease (3 s here) lapses; a web replica's sweep marks the job and ends its log.
    page.wait_for_selector("#run-error")
    assert "stopped while this image was being made" in page.inner_text("#run-error")
    step = page.get_attribute("img[alt='Step 1']", "src")
    assert httpx.get(cluster.url + step, cookies=cluster.cookies, timeout=10).status_code == 200
    assert page.inner_text("#generate-button").strip() == "Retry"
    gate.set()

    cluster.start_worker()
    page.click("#generate-button")  # Retry: a new job, run by the new worker
    page.wait_for_selector("img[alt='Final image']")
    assert final_image(cluster, page).size == (1200, 600)


def test_restarting_the_replicas_does_not_interrupt_a_job_running_in_the_worker(cluster_page, whole_cluster):
    cluster, page = whole_cluster, cluster_page
    word = f"restart{secrets.token_hex(3)}"
    gate = cluster.provider.hold(word)
    start_generation(page, cluster.url, f"Picnic baskets {word}, meadow")
    page.wait_for_selector("img[alt='Step 1']")

    for name in cluster.replicas:  # one after the other, as a rolling deploy does
        cluster.stop_replica(name)
        cluster.start_replica(name)
    gate.set()

    page.wait_for_selector("img[alt='Final image']")
    assert step_alts(page) == ["Step 1", "Step 2", "Step 3"]
    assert "stopped while this image was being made" not in page.inner_text("body")


def test_past_the_installation_s_stream_cap_a_run_shows_it_is_queued_then_runs(browser, cluster):
    """EMAIL_IMAGE_MAX_STREAMS is 2 in the test cluster: two held runs fill it, a third tab waits."""
    word = f"cap{secrets.token_hex(3)}"
    gate = cluster.provider.hold(word)
    pages = []
    try:
        for n in range(3):
            page = signed_in_page(browser, cluster)
            pages.append(page)
            start_generation(page, cluster.url, f"Lantern {n} {word}")
            if n < 2:
                page.wait_for_selector("img[alt='Step 1']")
        waiting = pages[2]
        waiting.wait_for_function("document.querySelector('#run-stage')?.innerText.includes('Queued (next in line)')")
        assert "Generating" in waiting.inner_text("#generate-button")  # not frozen: it says why it waits
        assert cluster.provider.streams_for(word) == 2
        gate.set()
        for page in pages:
            page.wait_for_selector("img[alt='Final image']")
        assert cluster.provider.streams_for(word) == 3
    finally:
        gate.set()
        for page in pages:
            page.context.close()


def test_kill_9_of_the_worker_its_waiting_job_runs_on_the_next_one_and_its_begun_ones_are_not_rerun(
    browser, whole_cluster
):
    """Two runs hold the cluster's two streams; a third waits its turn in the same worker. The worker
    is killed: the third never reached the provider, so the next worker runs it; the first two may
    have been billed, so they end interrupted (Retry is the marketer's call), never re-run."""
    cluster = whole_cluster
    begun, waiting = f"begun{secrets.token_hex(3)}", f"waiting{secrets.token_hex(3)}"
    gate = cluster.provider.hold(begun)
    pages = []
    try:
        for prompt in (f"Lamp A {begun}", f"Lamp B {begun}", f"Lamp C {waiting}"):
            page = signed_in_page(browser, cluster)
            pages.append(page)
            start_generation(page, cluster.url, prompt)
            if begun in prompt:
                page.wait_for_selector("img[alt='Step 1']")
        pages[2].wait_for_function("document.querySelector('#run-stage')?.innerText.includes('Queued')")

        cluster.stop_worker(sig=signal.SIGKILL)
        cluster.start_worker()

        pages[2].wait_for_selector("img[alt='Final image']")
        for page in pages[:2]:
            page.wait_for_selector("#run-error")
            assert "stopped while this image was being made" in page.inner_text("#run-error")
        assert (cluster.provider.streams_for(begun), cluster.provider.streams_for(waiting)) == (2, 1)
    finally:
        gate.set()
        for page in pages:
            page.context.close()


def test_with_no_worker_up_the_page_says_so_and_the_run_starts_when_one_is_back(cluster_page, whole_cluster):
    cluster, page = whole_cluster, cluster_page
    cluster.stop_worker()  # a deploy gone wrong: no worker
    health = httpx.get(f"{cluster.replica_url('web-1')}/_health", timeout=10).json()
    start_generation(page, cluster.url, f"Rain boots {secrets.token_hex(3)}, puddles")
    page.wait_for_selector("#no-worker")
    assert "Nothing is lost" in page.inner_text("#no-worker")

    cluster.start_worker()
    page.wait_for_selector("img[alt='Final image']")
    assert page.locator("#no-worker").count() == 0
    assert health["workers_up"] == 0
    wait_until(
        lambda: httpx.get(f"{cluster.replica_url('web-1')}/_health", timeout=10).json()["workers_up"] == 1,
        what="/_health to count the worker",
    )

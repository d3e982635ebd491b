"""Nothing lost on restart: the app is killed (SIGKILL, its whole process group) while a generation
streams; started again on the same data folder, it shows the job `interrupted` — once the killed
process's lease on it has expired (a short one here) — with the partial images received before the
kill, served and valid.

A second production app beside the session's: its own port, data folder and build folder."""

from __future__ import annotations

import io
import os
import secrets
import signal
import time
from pathlib import Path

import httpx
import pytest
from PIL import Image

from email_image_app.domain.history import GalleryQuery, JobHistory
from email_image_app.domain.job_records import Job
from tests.conftest import RunningApp, start_app, stop_app
from tests.loopback import free_port

pytestmark = pytest.mark.browser

# Long enough between two partials to kill the app after the first one and before the final.
STEP_DELAY = "2.0"
# The killed process's lease on its job lapses this long after its last renewal.
LEASE_SECONDS = "2"


def wait_for_first_partial(history: JobHistory, word: str, timeout: float = 60) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        jobs = history.gallery(GalleryQuery(search=word)).jobs
        if jobs and jobs[0].partial_count >= 1:
            return jobs[0]
        time.sleep(0.05)  # polling another process's database
    raise AssertionError("no partial image was recorded in time")


def wait_for_status(history: JobHistory, job_id: str, status: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while history.detail(job_id).job.status != status:
        assert time.monotonic() < deadline, f"job {job_id} did not become {status} in time"
        time.sleep(0.05)  # polling another process's database


def assert_served_image(app: RunningApp, url: str) -> None:
    response = httpx.get(app.url + url, cookies=app.cookies, timeout=5)
    assert response.status_code == 200, url
    with Image.open(io.BytesIO(response.content)) as image:
        image.load()  # decodes every pixel: a truncated file fails here


def test_a_killed_app_keeps_the_partials_and_marks_the_job_interrupted(browser, tmp_path: Path):
    data_dir, log_path = tmp_path / "data", tmp_path / "app.log"
    extra_env = {
        "REFLEX_WEB_WORKDIR": str(tmp_path / "web"), "LOCAL_ENGINE_STEP_DELAY": STEP_DELAY,
        "EMAIL_IMAGE_LEASE_SECONDS": LEASE_SECONDS,
    }
    history = JobHistory(f"sqlite:///{data_dir / 'studio.db'}")
    word = "zq" + secrets.token_hex(4)

    app = start_app(free_port(), data_dir, log_path, extra_env=extra_env)
    try:
        context = browser.new_context(viewport={"width": 1366, "height": 900})
        app.sign_in(context)
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.goto(app.url)
        page.fill("#prompt", f"Garden furniture sale {word}")
        page.wait_for_function("!document.querySelector('#generate-button').disabled")
        page.click("#generate-button")
        running = wait_for_first_partial(history, word)
        os.killpg(app.process.pid, signal.SIGKILL)
        app.process.wait(timeout=10)
        context.close()
    finally:
        stop_app(app.process)  # no-op once killed; stops it if the test failed before
    before_kill = history.detail(running.id)
    assert before_kill.job.status == "running" and before_kill.final is None
    assert len(before_kill.partials) >= 1

    restarted = start_app(free_port(), data_dir, log_path, extra_env=extra_env)
    try:
        wait_for_status(history, running.id, "interrupted")  # the restarted app's lease sweep
        after = history.detail(running.id)
        assert [image.url for image in after.partials] == [image.url for image in before_kill.partials]
        for image in after.partials:
            for url in (image.url, image.preview_url, image.thumb_url):
                assert_served_image(restarted, url)
        assert_served_image(restarted, after.job.cover_url)

        context = browser.new_context(viewport={"width": 1366, "height": 900})
        restarted.sign_in(context)
        page = context.new_page()
        page.goto(restarted.url + "/history")
        card = page.locator(f".job-card[data-job-id='{running.id}']")
        card.wait_for()
        assert card.get_attribute("data-status") == "interrupted" and "Interrupted" in card.inner_text()
        card.click()
        page.wait_for_selector("#opened-error")
        assert page.locator(".history-tile").count() == len(after.partials)
        context.close()
    finally:
        stop_app(restarted.process)

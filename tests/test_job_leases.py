"""Job leases on both databases: a job whose process is alive is never called interrupted; one
whose process died is, once its lease expires, with its images kept; restarting one process does
not touch another process's jobs. Time is given explicitly (`now`) where a test is about rules,
and the real sweep loop runs where a test is about the processes."""

from __future__ import annotations

import asyncio
import concurrent.futures
import time
from datetime import timedelta
from typing import Any, Iterator

import pytest

from email_image_app.domain import database, history, job_leases
from email_image_app.domain.history import JobHistory, SavedImage
from email_image_app.domain.job_records import JobInfo, Lease, utc_now
from email_image_app.domain.job_stream import JobTarget, StepSaved, store_stream
from email_image_app.domain.store import ImageStore
from email_image_app.imagegen.client import OFFLINE_API_KEY, ImageStreamClient
from email_image_app.imagegen.options import ImageOptions
from email_image_app.imagegen.server import create_engine_app
from tests.loopback import serve_asgi


@pytest.fixture
def jobs(database_url: str, monkeypatch: pytest.MonkeyPatch) -> JobHistory:
    database.upgrade(database_url)
    found = JobHistory(database_url)
    monkeypatch.setattr(history, "_default", found)
    return found


def info(prompt: str = "Summer sale on red sneakers") -> JobInfo:
    return JobInfo(kind="generation", prompt=prompt, model="gpt-image-1.5", provider="offline", options={})


def partial(job_id: str, index: int) -> SavedImage:
    base = f"/files/{job_id}/step-{index + 1}"
    return SavedImage("partial", index, f"{base}.png", f"{base}-preview.webp", f"{base}-thumb.webp", 10, 8, 8)


def statuses(jobs: JobHistory, *job_ids: str) -> dict[str, str]:
    return {job_id: jobs.detail(job_id).job.status for job_id in job_ids}


def run(coroutine: Any) -> Any:
    """`asyncio.run` in a thread of its own (the session's Playwright may hold this one's loop)."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def test_a_live_lease_is_kept_and_an_expired_one_is_swept_with_its_partials(jobs: JobHistory):
    now = utc_now()
    jobs.start("live", info(), 1200, 600, lease=Lease("web-1", now + timedelta(seconds=15)))
    jobs.start("expired", info(), 1200, 600, lease=Lease("web-1", now - timedelta(seconds=1)))
    jobs.start("no-lease", info(), 1200, 600)  # made before leases existed: counts as expired
    jobs.start("done", info(), 1200, 600, lease=Lease("web-1", now - timedelta(seconds=1)))
    jobs.finish("done", "failed")
    for index in range(2):
        jobs.add_image("expired", partial("expired", index))

    assert jobs.sweep_expired_leases(now) == ["expired", "no-lease"]
    assert jobs.sweep_expired_leases(now) == []
    assert statuses(jobs, "live", "expired", "no-lease", "done") == {
        "live": "running", "expired": "interrupted", "no-lease": "interrupted", "done": "failed",
    }
    swept = jobs.detail("expired")
    assert [image.index for image in swept.partials] == [0, 1] and swept.job.partial_count == 2
    assert "stopped" in swept.job.error_message.render("en")
    jobs.finish("expired", "cancelled")  # a late end does not overwrite the verdict
    assert jobs.detail("expired").job.status == "interrupted"
    # The live one's lease, once it lapses unrenewed, is swept in turn.
    assert jobs.sweep_expired_leases(now + timedelta(seconds=16)) == ["live"]


def test_restarting_one_process_does_not_mark_the_other_ones_job(jobs: JobHistory):
    """Two processes share the database; B is restarted (its jobs' leases stop being renewed)."""
    start = utc_now()
    lease_seconds = 15
    jobs.start("a-job", info(), 1200, 600, lease=Lease("replica-a", start + timedelta(seconds=lease_seconds)))
    jobs.start("b-job", info(), 1200, 600, lease=Lease("replica-b", start + timedelta(seconds=lease_seconds)))

    # B's new process sweeps at start: both leases are live, nothing is marked.
    assert jobs.sweep_expired_leases(start + timedelta(seconds=1)) == []
    # A keeps renewing its job; a renewal in B's name does not extend A's lease.
    for beat in range(1, 8):
        moment = start + timedelta(seconds=5 * beat)
        jobs.renew_leases("replica-a", ["a-job", "b-job"], moment + timedelta(seconds=lease_seconds))
        jobs.renew_leases("replica-b-new", ["a-job", "b-job"], moment + timedelta(seconds=lease_seconds))
        swept = jobs.sweep_expired_leases(moment)
        assert "a-job" not in swept
    assert statuses(jobs, "a-job", "b-job") == {"a-job": "running", "b-job": "interrupted"}
    job_a = jobs.detail("a-job").job
    assert job_a.lease_holder == "replica-a" and job_a.lease_expires_at > start + timedelta(seconds=35)


def test_the_sweep_loop_marks_a_dead_process_job_and_spares_a_renewed_one(jobs, monkeypatch):
    monkeypatch.setenv("EMAIL_IMAGE_LEASE_SECONDS", "0.6")

    async def scenario() -> tuple[dict[str, str], Lease]:
        keeper = job_leases.LeaseKeeper(jobs, "kept", holder="alive")
        jobs.start("kept", info(), 1200, 600, lease=keeper.lease)
        keeper.keep()
        # The dead process's lease lapses after the kept job's first one would have: once it is
        # swept, a sweep has run past that moment, so only renewals kept "kept" running.
        dead = Lease("dead", keeper.lease.expires_at + timedelta(seconds=0.2))
        jobs.start("orphan", info(), 1200, 600, lease=dead)
        jobs.add_image("orphan", partial("orphan", 0))
        sweeper = asyncio.create_task(job_leases.leases_swept(lambda: jobs))
        try:
            deadline = time.monotonic() + 10
            while jobs.detail("orphan").job.status == "running":
                assert time.monotonic() < deadline, "the expired lease was never swept"
                await asyncio.sleep(0.05)  # polling the database for the sweep's verdict
            return statuses(jobs, "kept", "orphan"), keeper.lease
        finally:
            sweeper.cancel()
            keeper.stop()

    seen, first_lease = run(scenario())
    assert seen == {"kept": "running", "orphan": "interrupted"}
    assert jobs.detail("kept").job.lease_expires_at > first_lease.expires_at
    assert len(jobs.detail("orphan").partials) == 1


@pytest.fixture(scope="module")
def slow_engine_url() -> Iterator[str]:
    with serve_asgi(create_engine_app(step_delay=0.3)) as url:
        yield url + "/v1"


def test_a_streamed_job_holds_a_lease_while_it_runs_and_no_sweep_ends_it(jobs, slow_engine_url, tmp_path, monkeypatch):
    """A lease a third of a step long: the job lives through sweeps only because it is renewed."""
    monkeypatch.setenv("EMAIL_IMAGE_LEASE_SECONDS", "0.3")
    monkeypatch.setenv("EMAIL_IMAGE_REPLICA", "replica-under-test")
    job = JobInfo("generation", "Autumn knitwear banner", "gpt-image-1.5", "offline", {"size": "1024x1024"})
    options = ImageOptions(model="gpt-image-1.5", size="1024x1024", quality="low", output_format="jpeg", partial_images=3)
    target = JobTarget(width=400, height=400, output_format="jpeg", name_stem="autumn")

    async def stream_while_sweeping() -> list[tuple[str, str | None]]:
        sweeper = asyncio.create_task(job_leases.leases_swept(lambda: jobs, every=0.05))
        seen = []
        try:
            events = ImageStreamClient(slow_engine_url, OFFLINE_API_KEY, max_retries=0).stream_generate(job.prompt, options)
            async for item in store_stream(events, "streamed", target, store=ImageStore(tmp_path / "images"), info=job):
                if isinstance(item, StepSaved):
                    row = jobs.detail("streamed").job
                    seen.append((row.status, row.lease_holder))
        finally:
            sweeper.cancel()
        return seen

    seen = run(stream_while_sweeping())
    assert seen == [("running", "replica-under-test")] * 3
    assert jobs.detail("streamed").job.status == "completed"

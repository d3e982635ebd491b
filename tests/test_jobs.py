"""The job tier without a browser, in memory (one process) and on a real Redis (the `redis_server`
fixture): a job submitted runs against the offline engine on loopback, its log replays from the
start to a late follower, a Cancel reaches it, and the stream cap queues the rest, saying how many
are ahead."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from email_image_app.domain.database import upgrade
from email_image_app.domain.history import default_history
from email_image_app.domain.job_stream import FinalSaved, JobTarget, StepSaved
from email_image_app.domain.jobs import bus as bus_module
from email_image_app.domain.jobs.bus import JobBus
from email_image_app.domain.jobs.event_log import TICK
from email_image_app.domain.jobs.events import CANCELLED, COMPLETED, JobEnded, Queued, Started
from email_image_app.domain.jobs.queue import jobs_served
from email_image_app.domain.jobs.spec import JobSpec
from email_image_app.domain.job_records import JobInfo
from email_image_app.domain.store import new_job_id
from email_image_app.imagegen.options import ImageOptions
from email_image_app.imagegen.server import create_engine_app
from tests.loopback import serve_asgi


@pytest.fixture
def engine_url(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    monkeypatch.setenv("EMAIL_IMAGE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.delenv("REFLEX_DB_URL", raising=False)
    monkeypatch.delenv("EMAIL_IMAGE_DB_URL", raising=False)
    upgrade()
    with serve_asgi(create_engine_app(step_delay=0.2, faults=True)) as url:
        monkeypatch.setenv("EMAIL_IMAGE_ENGINE_URL", url + "/v1")
        yield url


@pytest.fixture(params=["memory", "redis"])
def bus(request: pytest.FixtureRequest, engine_url: str, monkeypatch: pytest.MonkeyPatch) -> JobBus:
    if request.param == "redis":
        redis = request.getfixturevalue("redis_server")
        monkeypatch.setenv("REFLEX_REDIS_URL", redis.url)
    else:
        monkeypatch.delenv("REFLEX_REDIS_URL", raising=False)
    monkeypatch.setenv("EMAIL_IMAGE_MAX_STREAMS", "1")
    monkeypatch.setattr(bus_module, "_buses", {})
    return bus_module.job_bus()


def generation(prompt: str, partials: int = 2) -> JobSpec:
    options = ImageOptions(model="gpt-image-1", size="1024x1024", quality="low", partial_images=partials)
    info = JobInfo("generation", prompt, "gpt-image-1", "offline", {"size": "1024x1024"})
    return JobSpec(new_job_id(), "generate", prompt, options, JobTarget(600, 300, "png"), info=info)


async def events_of(bus: JobBus, job_id: str, after: str = "0") -> list[object]:
    found = []
    async for item in bus.follow(job_id, after, heartbeat=0.5):
        if item is not TICK:
            found.append(item[1])
    return found


def test_a_job_runs_to_its_final_image_and_its_log_replays_to_a_late_follower(bus: JobBus):
    async def scenario() -> tuple[list[object], list[object]]:
        async with jobs_served(bus):
            spec = generation("a lighthouse at dawn")
            await bus.submit(spec)
            live = await events_of(bus, spec.job_id)
            replayed = await events_of(bus, spec.job_id)  # a tab that reconnects after the end
            return live, replayed

    live, replayed = asyncio.run(scenario())
    kinds = [type(event).__name__ for event in live]
    assert kinds == ["Accepted", "Started", "StepSaved", "StepSaved", "FinalSaved", "JobEnded"]
    assert live[-1] == JobEnded(COMPLETED, partials=2)
    assert replayed == live
    final = live[4]
    assert isinstance(final, FinalSaved) and (final.width, final.height) == (600, 300)
    row = default_history().detail(final.url.split("/")[2])
    assert row is not None and row.job.status == "completed"


def test_a_cancel_reaches_the_running_job_and_ends_its_log_cancelled(bus: JobBus):
    async def scenario() -> list[object]:
        async with jobs_served(bus):
            spec = generation("a slow harbour", partials=3)
            await bus.submit(spec)
            seen: list[object] = []
            async for item in bus.follow(spec.job_id, heartbeat=0.5):
                if item is TICK:
                    continue
                seen.append(item[1])
                if isinstance(item[1], StepSaved):
                    await bus.cancel(spec.job_id)
            return seen

    seen = asyncio.run(scenario())
    assert isinstance(seen[-1], JobEnded) and seen[-1].status == CANCELLED
    assert sum(isinstance(event, StepSaved) for event in seen) < 3


def test_past_the_stream_cap_a_job_waits_its_turn_and_says_how_many_are_ahead(bus: JobBus):
    async def scenario() -> list[list[object]]:
        async with jobs_served(bus):
            specs = [generation(f"queue test {n}", partials=1) for n in range(3)]
            for spec in specs:
                await bus.submit(spec)
            return list(await asyncio.gather(*(events_of(bus, spec.job_id) for spec in specs)))

    logs = asyncio.run(scenario())
    assert all(log[-1] == JobEnded(COMPLETED, partials=1) for log in logs)
    waits = sorted(max((e.ahead for e in log if isinstance(e, Queued)), default=-1) for log in logs)
    assert waits == [-1, 0, 1]  # one ran at once; the next was next in line; the last had one ahead
    starts = [log.index(next(e for e in log if isinstance(e, Started))) for log in logs]
    assert all(start >= 0 for start in starts)


def test_a_job_delivered_again_after_it_was_begun_is_not_run_again_and_its_log_ends(bus: JobBus, engine_url: str):
    """Its worker died after `Started` (maybe after the provider billed it): whoever takes the
    redelivered message does not run it again; with no history row to sweep, the log ends here."""
    from email_image_app.domain.jobs.events import INTERRUPTED
    from email_image_app.domain.jobs.runner import run_job

    async def scenario() -> list[object]:
        spec = generation("a twice delivered kite")
        await bus.log.append(spec.job_id, Started("worker-that-died"))
        await run_job(spec, bus)
        return [event for _, event in await bus.log.read(spec.job_id, "0", 0)]

    log = asyncio.run(scenario())
    assert [type(event).__name__ for event in log] == ["Started", "JobEnded"]
    assert log[-1].status == INTERRUPTED
    assert httpx.get(engine_url + "/v1/engine/status", timeout=5).json()["streams_started"] == 0

"""A campaign's tiles on the job tier (its "images at once" limit, order, retries, cancels, the
429 pause) against the offline engine on loopback, and one tile's stream with fake streams and a
store in a temporary folder; no browser."""

from __future__ import annotations

import asyncio
import base64
import io
import time
from pathlib import Path
from typing import AsyncIterator, Iterator

import pytest
from PIL import Image

from email_image_app.domain.campaign.runner import (
    EmailRendition,
    EmailSaved,
    RateLimitWait,
    tile_job,
    tile_stream,
)
from email_image_app.domain.database import upgrade
from email_image_app.domain.job_stream import FinalSaved, JobTarget, StepSaved
from email_image_app.domain.jobs import bus as bus_module
from email_image_app.domain.jobs.bus import job_bus
from email_image_app.domain.jobs.event_log import TICK
from email_image_app.domain.jobs.events import CANCELLED, COMPLETED, FAILED, JobEnded, Queued, Started
from email_image_app.domain.jobs.provider import use_job_client
from email_image_app.domain.jobs.queue import jobs_served
from email_image_app.domain.jobs.spec import JobSpec
from email_image_app.imagegen.client import ImageStreamClient
from email_image_app.imagegen.events import ImageCompleted, ImageUsage, PartialImage, RateLimitError
from email_image_app.imagegen.options import ImageOptions
from email_image_app.domain.store import ImageStore, new_job_id
from tests.loopback import serve_asgi
from tests.scripted_provider import ScriptedProvider


def run(coroutine):
    return asyncio.run(coroutine)


# ---------------------------------------------------------------------------------------------
# A campaign's tiles on the job tier (in memory: this process is the worker), against the offline
# engine on loopback behind a counter of the generation streams open at once.


def opened(provider: ScriptedProvider) -> list[str]:
    """The first sentence of each prompt (the tile's name), in the order their streams opened."""
    return [prompt.split(".")[0] for prompt in provider.seen_prompts]


@pytest.fixture
def provider(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[ScriptedProvider]:
    monkeypatch.setenv("EMAIL_IMAGE_DATA_DIR", str(tmp_path))
    for name in ("REFLEX_REDIS_URL", "REFLEX_DB_URL", "EMAIL_IMAGE_DB_URL", "OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(bus_module, "_buses", {})
    upgrade()
    counting = ScriptedProvider(step_delay=0.15)
    with serve_asgi(counting) as url:
        # No retries of its own: a 429 reaches the tile at once.
        use_job_client(ImageStreamClient(url + "/v1", "offline", max_retries=0))
        try:
            yield counting
        finally:
            use_job_client(None)


def tile(campaign_id: str, prompt: str, concurrency: int) -> JobSpec:
    options = ImageOptions(model="gpt-image-1", size="1024x1024", quality="low", partial_images=1)
    return tile_job(
        new_job_id(), prompt, options, JobTarget(400, 400, "png", name_stem=prompt.split(".")[0]),
        campaign_id=campaign_id, concurrency=concurrency, rendition=RENDITION, info=None,
    )


async def log_of(job_id: str) -> list[tuple[float, object]]:
    """The job's events, each with when it was seen."""
    seen = []
    async for item in job_bus().follow(job_id, heartbeat=0.5):
        if item is not TICK:
            seen.append((time.monotonic(), item[1]))
    return seen


def kinds(log: list[tuple[float, object]]) -> list[str]:
    return [type(event).__name__ for _, event in log]


def test_a_campaign_streams_at_most_its_limit_at_once_in_the_order_queued(provider: ScriptedProvider):
    async def main() -> list[list[tuple[float, object]]]:
        async with jobs_served():
            specs = [tile("c1", f"tile-{n}. a red sneaker", concurrency=2) for n in range(5)]
            for spec in specs:  # all at once, as the page and the command line submit them
                await job_bus().submit(spec)
            return list(await asyncio.gather(*(log_of(spec.job_id) for spec in specs)))

    logs = run(main())
    assert provider.peak == 2 and sorted(opened(provider)) == [f"tile-{n}" for n in range(5)]
    # In the order queued (the first two start together: their requests may reach the provider
    # either way round; the last one starts only after three have finished).
    assert set(opened(provider)[:2]) == {"tile-0", "tile-1"} and opened(provider)[-1] == "tile-4"
    for log in logs:
        assert kinds(log)[-4:] == ["StepSaved", "FinalSaved", "EmailSaved", "JobEnded"]
        assert log[-1][1] == JobEnded(COMPLETED, partials=1)
    # The ones past the limit said how many were ahead of them while they waited.
    assert [max((e.ahead for _, e in log if isinstance(e, Queued)), default=-1) for log in logs] == [-1, -1, 0, 1, 2]


def test_limit_is_kept_between_one_and_four():
    assert tile("c", "x", 0).tile.concurrency == 1 and tile("c", "x", 9).tile.concurrency == 4


def test_a_retried_tile_queues_within_the_limit_and_a_cancelled_waiting_one_never_starts(provider: ScriptedProvider):
    async def main() -> dict[str, list[tuple[float, object]]]:
        async with jobs_served():
            specs = {name: tile("c2", f"{name}. a wool scarf", concurrency=1) for name in ("a", "b", "c")}
            for spec in specs.values():
                await job_bus().submit(spec)
            followers = {name: asyncio.ensure_future(log_of(spec.job_id)) for name, spec in specs.items()}
            async for item in job_bus().follow(specs["a"].job_id, heartbeat=0.5):
                if item is not TICK and isinstance(item[1], Started):
                    break
            await job_bus().cancel(specs["b"].job_id)  # cancelled while it waits
            specs["late"] = tile("c2", "late. a wool scarf", concurrency=1)  # a retry: a new job
            await job_bus().submit(specs["late"])
            followers["late"] = asyncio.ensure_future(log_of(specs["late"].job_id))
            return {name: await follower for name, follower in followers.items()}

    logs = run(main())
    assert opened(provider) == ["a", "c", "late"] and provider.peak == 1
    assert "Started" not in kinds(logs["b"]) and logs["b"][-1][1] == JobEnded(CANCELLED)
    assert all(logs[name][-1][1].status == COMPLETED for name in ("a", "c", "late"))


def test_a_failing_tile_does_not_stop_the_others(provider: ScriptedProvider):
    async def main() -> list[list[tuple[float, object]]]:
        async with jobs_served():
            specs = [tile("c3", p, concurrency=2) for p in ("bad. [[engine:cut]]", "a. hat", "b. bag")]
            for spec in specs:
                await job_bus().submit(spec)
            return list(await asyncio.gather(*(log_of(spec.job_id) for spec in specs)))

    bad, *good = [log[-1][1] for log in run(main())]
    assert bad.status == FAILED and bad.error is not None
    assert [ended.status for ended in good] == [COMPLETED, COMPLETED]


def test_a_429_pauses_the_campaigns_new_starts_but_not_its_running_tiles(provider: ScriptedProvider):
    async def main() -> dict[str, list[tuple[float, object]]]:
        async with jobs_served():
            names = ("limited", "running", "next")
            prompts = {"limited": "limited. [[engine:429]]", "running": "running. a lamp", "next": "next. a chair"}
            specs = {name: tile("c4", prompts[name], concurrency=2) for name in names}
            for name in names:
                await job_bus().submit(specs[name])
            logs = await asyncio.gather(*(log_of(specs[name].job_id) for name in names))
            return dict(zip(names, logs))

    logs = run(main())
    waited = next((at, e) for at, e in logs["limited"] if isinstance(e, RateLimitWait))
    assert waited[1] == RateLimitWait(1.0, 1)  # the engine's Retry-After
    assert logs["limited"][-1][1].status == FAILED  # the one retry was refused again
    assert logs["running"][-1][1].status == COMPLETED
    next_started = next(at for at, e in logs["next"] if isinstance(e, Started))
    # "running" had finished long before: "next" had a free slot, and waited for the pause.
    assert next_started - waited[0] >= 0.9


# ---------------------------------------------------------------------------------------------
# tile_stream


def _png_b64(width: int, height: int, colour: tuple[int, int, int, int]) -> str:
    image = Image.new("RGBA", (width, height), colour)
    image.paste((20, 120, 200, 255), (width // 4, height // 4, 3 * width // 4, 3 * height // 4))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return base64.b64encode(buffer.getvalue()).decode()


async def _fake_stream(partials: int = 2) -> AsyncIterator[PartialImage | ImageCompleted]:
    for index in range(partials):
        yield PartialImage(b64_json=_png_b64(512, 512, (200, 200, 200, 255)), index=index)
    # Transparent corners: the email rendition must fill them with the email background.
    final = _png_b64(1024, 1024, (0, 0, 0, 0))
    yield ImageCompleted(b64_json=final, usage=ImageUsage(10, 20, 30), partial_images=partials)


def _rate_limited_stream(retry_after: float | None) -> AsyncIterator[PartialImage | ImageCompleted]:
    async def failing() -> AsyncIterator[PartialImage | ImageCompleted]:
        raise RateLimitError("slow down", status=429, retry_after=retry_after)
        yield  # pragma: no cover - makes this an async generator

    return failing()


TARGET = JobTarget(width=400, height=400, output_format="png", name_stem="product-1")
RENDITION = EmailRendition(output_format="jpeg", background="#ff0000", max_bytes=80_000)


async def _collect(source: AsyncIterator) -> list:
    return [item async for item in source]


def test_tile_stream_stores_steps_final_and_an_email_rendition_within_budget(tmp_path: Path):
    store = ImageStore(tmp_path, "/files")
    items = run(_collect(tile_stream(_fake_stream, "job1", TARGET, RENDITION, store=store)))
    assert [type(item) for item in items] == [StepSaved, StepSaved, FinalSaved, EmailSaved]
    final, email = items[2], items[3]
    assert Image.open(io.BytesIO(store.read(final.url))).size == (400, 400)
    assert email.filename == "product-1-email.jpg" and email.url == "/files/job1/product-1-email.jpg"
    email_bytes = store.read(email.url)
    assert len(email_bytes) == email.size_bytes <= RENDITION.max_bytes
    rendered = Image.open(io.BytesIO(email_bytes))
    assert rendered.format == "JPEG" and rendered.size == (400, 400)
    red, green, blue = rendered.convert("RGB").getpixel((2, 2))
    assert red > 230 and green < 30 and blue < 30, "transparency is flattened onto the email background"


def test_a_429_pauses_new_starts_then_the_tile_retries_once(tmp_path: Path):
    store, calls, pauses = ImageStore(tmp_path, "/files"), [], []

    def open_stream() -> AsyncIterator:
        calls.append(time.monotonic())
        return _rate_limited_stream(0.2) if len(calls) == 1 else _fake_stream(1)

    async def main() -> tuple[list, float]:
        items = []
        async for item in tile_stream(open_stream, "job2", TARGET, RENDITION, pause_new_starts=pauses.append, store=store):
            items.append(item)
        return items

    items = run(main())
    assert items[0] == RateLimitWait(0.2, 1)
    assert pauses == [0.2]  # the campaign's new starts were paused for the told wait
    assert [type(item) for item in items[1:]] == [StepSaved, FinalSaved, EmailSaved]
    assert calls[1] - calls[0] >= 0.2


def test_a_second_429_fails_the_tile(tmp_path: Path):
    store = ImageStore(tmp_path, "/files")
    seen: list = []

    async def main() -> None:
        async for item in tile_stream(lambda: _rate_limited_stream(0.01), "job3", TARGET, RENDITION, store=store):
            seen.append(item)

    with pytest.raises(RateLimitError):
        run(main())
    assert seen == [RateLimitWait(0.01, 1)]


def test_a_wait_longer_than_the_clients_limit_is_not_waited_for(tmp_path: Path):
    store = ImageStore(tmp_path, "/files")
    with pytest.raises(RateLimitError):
        run(_collect(tile_stream(lambda: _rate_limited_stream(3600), "job4", TARGET, RENDITION, store=store)))

"""The campaign's fan-out (bounded concurrency, rate-limit pause) and one tile's stream, without a
browser: fake streams, a store in a temporary folder."""

from __future__ import annotations

import asyncio
import base64
import io
import time
from pathlib import Path
from typing import AsyncIterator

import pytest
from PIL import Image

from email_image_app.domain.campaign.runner import (
    EmailRendition,
    EmailSaved,
    RateLimitWait,
    TileFanout,
    tile_stream,
)
from email_image_app.domain.job_stream import FinalSaved, JobTarget, StepSaved
from email_image_app.imagegen.events import ImageCompleted, ImageUsage, PartialImage, RateLimitError
from email_image_app.domain.store import ImageStore


def run(coroutine):
    return asyncio.run(coroutine)


# ---------------------------------------------------------------------------------------------
# TileFanout


def test_fanout_runs_in_order_and_never_more_than_the_limit():
    async def main() -> tuple[int, list[str], bool]:
        fanout, running, peak, order = TileFanout(2), 0, 0, []

        async def job(key: str) -> None:
            nonlocal running, peak
            running += 1
            peak = max(peak, running)
            order.append(key)
            await asyncio.sleep(0.01)
            running -= 1

        for key in "abcde":
            fanout.add(key)
        await fanout.run(job)
        return peak, order, fanout.closed

    assert run(main()) == (2, list("abcde"), True)


def test_limit_is_kept_between_one_and_four():
    assert TileFanout(0).limit == 1 and TileFanout(9).limit == 4


def test_tiles_added_while_running_join_and_discarded_ones_never_start():
    async def main() -> tuple[list[str], bool]:
        fanout, started = TileFanout(1), []

        async def job(key: str) -> None:
            started.append(key)
            if key == "a":
                fanout.add("late")  # a retry while the run is going
                assert fanout.discard("b")  # cancelled while queued
                assert not fanout.discard("a")  # running: not in the queue any more
            await asyncio.sleep(0)

        for key in ("a", "b", "c"):
            fanout.add(key)
        await fanout.run(job)
        return started, fanout.add("after")

    started, added_after_end = run(main())
    assert started == ["a", "c", "late"]
    assert added_after_end is False


def test_a_crashing_tile_does_not_stop_the_others():
    async def main() -> list[str]:
        fanout, finished = TileFanout(2), []

        async def job(key: str) -> None:
            if key == "bad":
                raise RuntimeError("boom")
            await asyncio.sleep(0.01)
            finished.append(key)

        for key in ("bad", "a", "b"):
            fanout.add(key)
        await fanout.run(job)
        return finished

    assert sorted(run(main())) == ["a", "b"]


def test_pause_holds_back_new_starts_but_not_running_tiles():
    async def main() -> dict[str, float]:
        fanout, starts, origin = TileFanout(2), {}, time.monotonic()

        async def job(key: str) -> None:
            starts[key] = time.monotonic() - origin
            if key == "a":
                fanout.pause_new_starts(0.3)
                await asyncio.sleep(0.05)  # keeps running through the pause

        for key in ("a", "b", "c"):
            fanout.add(key)
        await fanout.run(job)
        return starts

    starts = run(main())
    # "b" may have started with "a" (same loop turn); "c" had to wait for the pause to end.
    assert starts["c"] >= 0.3
    assert starts["a"] < 0.1


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


def test_a_429_pauses_the_fanout_then_the_tile_retries_once(tmp_path: Path):
    store, fanout, calls = ImageStore(tmp_path, "/files"), TileFanout(2), []

    def open_stream() -> AsyncIterator:
        calls.append(time.monotonic())
        return _rate_limited_stream(0.2) if len(calls) == 1 else _fake_stream(1)

    async def main() -> tuple[list, float]:
        items = []
        async for item in tile_stream(open_stream, "job2", TARGET, RENDITION, pause_new_starts=fanout.pause_new_starts, store=store):
            items.append(item)
            if isinstance(item, RateLimitWait):
                paused = fanout.paused_for
        return items, paused

    items, paused = run(main())
    assert items[0] == RateLimitWait(0.2, 1)
    assert 0.1 < paused <= 0.2
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

"""Running a campaign's tiles: a bounded fan-out that pauses new starts while the provider rate-limits
us, and the stream of one tile (partials, final image, email-ready version). No Reflex here: the
campaign page's state applies what these yield.

One `TileFanout` per campaign, kept in a registry by campaign id, so that a tile retried while the
run is going joins the same queue and the same concurrency limit instead of starting a second run.
"""

from __future__ import annotations

import asyncio
import collections
import inspect
import logging
import time
from dataclasses import dataclass
from typing import AsyncIterator, Awaitable, Callable

from email_image_app.domain import imaging
from email_image_app.domain.formatting import file_extension
from email_image_app.domain.job_stream import FinalSaved, JobTarget, StepSaved, store_stream
from email_image_app.domain.job_records import JobInfo
from email_image_app.imagegen.retries import MAX_RETRY_AFTER
from email_image_app.imagegen.events import RateLimitError, StreamEvent
from email_image_app.domain.store import ImageStore, image_store

logger = logging.getLogger(__name__)

MIN_CONCURRENCY, MAX_CONCURRENCY, DEFAULT_CONCURRENCY = 1, 4, 2
# When a 429 carries no Retry-After: wait this long before the one retry.
DEFAULT_RATE_LIMIT_WAIT = 10.0

TileJob = Callable[[str], Awaitable[None]]


class TileFanout:
    """Runs queued tiles, at most `limit` at a time, in the order they were queued.

    `pause_new_starts(seconds)` holds back new starts (running tiles go on); `discard(key)` takes
    a tile out of the queue before it starts. `run(job)` returns when the queue is empty and no
    tile is running; after that the fanout is closed and `add` refuses keys.
    """

    def __init__(self, limit: int = DEFAULT_CONCURRENCY) -> None:
        self.limit = max(MIN_CONCURRENCY, min(MAX_CONCURRENCY, limit))
        self._queue: collections.deque[str] = collections.deque()
        self._running: dict[str, asyncio.Task] = {}
        self._wake = asyncio.Event()
        self._resume_at = 0.0
        self.started = False
        self.closed = False

    def add(self, key: str) -> bool:
        """Queue `key`; False once the fanout has finished (start a new one then)."""
        if self.closed:
            return False
        if key not in self._queue and key not in self._running:
            self._queue.append(key)
            self._wake.set()
        return True

    def discard(self, key: str) -> bool:
        """Take `key` out of the queue; False when it is not waiting (running, or never queued)."""
        try:
            self._queue.remove(key)
        except ValueError:
            return False
        return True

    def pause_new_starts(self, seconds: float) -> None:
        self._resume_at = max(self._resume_at, time.monotonic() + seconds)
        self._wake.set()

    @property
    def paused_for(self) -> float:
        return max(0.0, self._resume_at - time.monotonic())

    async def run(self, job: TileJob) -> None:
        """Start queued tiles as room allows until all are done. Errors of a job are its own
        business: `job` must report them (a failed tile does not stop the others)."""
        self.started = True
        try:
            while True:
                while self._queue and len(self._running) < self.limit and self.paused_for == 0:
                    self._start(self._queue.popleft(), job)
                if not self._queue and not self._running:
                    return
                self._wake.clear()
                # Wake on a finished tile, a new key, or the end of a rate-limit pause.
                timeout = self.paused_for if self._queue and self.paused_for else None
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout)
                except asyncio.TimeoutError:
                    pass
        finally:
            self.closed = True
            for task in self._running.values():
                task.cancel()

    def _start(self, key: str, job: TileJob) -> None:
        task = asyncio.create_task(job(key), name=f"campaign-tile-{key}")
        self._running[key] = task

        def finished(_: asyncio.Task) -> None:
            if self._running.get(key) is task:
                del self._running[key]
            if not task.cancelled() and task.exception() is not None:
                # Jobs report their own failures; this is a bug in one, and the others go on.
                logger.error("campaign tile %s crashed", key, exc_info=task.exception())
            self._wake.set()

        task.add_done_callback(finished)


_fanouts: dict[str, TileFanout] = {}


def open_fanout(campaign_id: str, limit: int) -> TileFanout:
    """The campaign's fanout that is still taking tiles, or a new one."""
    fanout = _fanouts.get(campaign_id)
    if fanout is None or fanout.closed:
        fanout = _fanouts[campaign_id] = TileFanout(limit)
    return fanout


def running_fanout(campaign_id: str) -> TileFanout | None:
    fanout = _fanouts.get(campaign_id)
    return fanout if fanout is not None and fanout.started and not fanout.closed else None


def forget_fanout(campaign_id: str, fanout: TileFanout) -> None:
    if _fanouts.get(campaign_id) is fanout:
        del _fanouts[campaign_id]


# ---------------------------------------------------------------------------------------------
# One tile's stream


@dataclass(frozen=True)
class RateLimitWait:
    """The provider said 429 after the client's own retries: the tile waits, then tries once more."""

    seconds: float
    attempt: int


@dataclass(frozen=True)
class EmailSaved:
    """The email-ready rendition of the final image, within the slot's byte budget."""

    url: str
    filename: str
    size_bytes: int
    width: int
    height: int
    quality: int
    output_format: str


@dataclass(frozen=True)
class EmailRendition:
    output_format: str  # "jpeg" | "webp"
    background: str  # transparency is flattened onto this colour
    max_bytes: int


TileItem = StepSaved | FinalSaved | EmailSaved | RateLimitWait
StreamFactory = Callable[[], AsyncIterator[StreamEvent]]


def email_filename(stem: str, output_format: str) -> str:
    return f"{stem}-email.{file_extension(output_format)}"


def rate_limit_wait(error: RateLimitError) -> float | None:
    """Seconds to wait before the retry, or None when the provider asks for too long to wait here."""
    if error.retry_after is None:
        return DEFAULT_RATE_LIMIT_WAIT
    if error.retry_after > MAX_RETRY_AFTER:
        return None
    return max(error.retry_after, 0.0)


async def tile_stream(
    open_stream: StreamFactory,
    job_id: str,
    target: JobTarget,
    rendition: EmailRendition,
    *,
    info: JobInfo | None = None,
    pause_new_starts: Callable[[float], object] | None = None,
    store: ImageStore = image_store,
) -> AsyncIterator[TileItem]:
    """Stream one tile: its steps and final image (stored by `store_stream`), then the email-ready
    rendition made in a thread. A 429 that outlasted the client's own retries pauses new starts
    (`pause_new_starts`: the campaign's, in whichever process) for the told wait, and this tile
    tries once more after it."""
    started = time.monotonic()
    for attempt in (1, 2):
        try:
            stream = store_stream(open_stream(), job_id, target, store=store, started=started, info=info)
            async for item in stream:
                yield item
                if isinstance(item, FinalSaved):
                    yield await asyncio.to_thread(save_email_rendition, store, job_id, item, target, rendition)
            return
        except RateLimitError as error:
            wait = rate_limit_wait(error)
            if attempt == 2 or wait is None:
                raise
            if pause_new_starts is not None:
                paused = pause_new_starts(wait)
                if inspect.isawaitable(paused):
                    await paused
            yield RateLimitWait(wait, attempt)
            await asyncio.sleep(wait)


def save_email_rendition(
    store: ImageStore, job_id: str, final: FinalSaved, target: JobTarget, rendition: EmailRendition
) -> EmailSaved:
    """Compress the stored final image to the rendition's budget and store it beside the original."""
    compressed = imaging.compress_to_budget(
        store.read(final.url),
        rendition.max_bytes,
        output_format=rendition.output_format,
        background=rendition.background,
    )
    filename = email_filename(target.name_stem, rendition.output_format)
    saved = store.save(job_id, filename, compressed.data)
    return EmailSaved(
        url=saved.url,
        filename=filename,
        size_bytes=saved.size_bytes,
        width=compressed.width,
        height=compressed.height,
        quality=compressed.quality,
        output_format=rendition.output_format,
    )

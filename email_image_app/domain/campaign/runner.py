"""Running a campaign's tiles: each tile is a job of the job tier (`tile_job`), and this is what a
worker does with one (`tile_stream`: partials, final image, email-ready version, and one retry
after a 429 that pauses the campaign's new starts). No Reflex here: the campaign page and the
command line submit the jobs and follow their logs (`domain.jobs`).

The campaign's "images at once" limit is not kept here: all tiles are queued at once and the
job tier's slot group `campaign:<id>` lets that many stream, in the order they were queued, in
whichever processes run them.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from dataclasses import dataclass
from typing import AsyncIterator, Callable

from email_image_app.domain import imaging
from email_image_app.domain.formatting import file_extension
from email_image_app.domain.job_stream import FinalSaved, JobTarget, StepSaved, store_stream
from email_image_app.domain.job_records import JobInfo
from email_image_app.domain.jobs.spec import JobSpec, TileInputs
from email_image_app.imagegen.options import ImageOptions
from email_image_app.imagegen.retries import MAX_RETRY_AFTER
from email_image_app.imagegen.events import RateLimitError, StreamEvent
from email_image_app.domain.store import ImageStore, image_store


MIN_CONCURRENCY, MAX_CONCURRENCY, DEFAULT_CONCURRENCY = 1, 4, 2
# When a 429 carries no Retry-After: wait this long before the one retry.
DEFAULT_RATE_LIMIT_WAIT = 10.0

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


# ---------------------------------------------------------------------------------------------
# One tile as a job


def clamped_concurrency(value: int) -> int:
    """The campaign's "images at once", kept between MIN_CONCURRENCY and MAX_CONCURRENCY."""
    return max(MIN_CONCURRENCY, min(MAX_CONCURRENCY, int(value)))


def tile_job(
    job_id: str,
    prompt_sent: str,
    options: ImageOptions,
    target: JobTarget,
    *,
    campaign_id: str,
    concurrency: int,
    rendition: EmailRendition,
    info: JobInfo | None,
) -> JobSpec:
    """One tile as a job of the job tier. Every tile of a campaign is submitted at once: the
    worker side holds the campaign's limit (the slot group `campaign:<id>`) and its 429 pause,
    across processes, so a retried tile (a new job id) queues within the same limit."""
    tile = TileInputs(
        campaign_id=campaign_id,
        concurrency=clamped_concurrency(concurrency),
        email_format=rendition.output_format,
        email_background=rendition.background,
        email_max_bytes=rendition.max_bytes,
    )
    return JobSpec(job_id, "campaign_tile", prompt_sent, options, target, info=info, tile=tile)

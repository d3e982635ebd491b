"""Turn a provider's image stream into stored files: previews and thumbnails per step, the final
image at exactly the asked size. Pages consume `store_stream` and put only URLs in their state.

All Pillow work runs in a thread (`asyncio.to_thread`) so the event loop keeps serving websockets.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, AsyncIterator

from email_image_app.domain import imaging
from email_image_app.domain.formatting import file_extension
from email_image_app.domain.error_messages import describe_error
from email_image_app.domain.history import JobHistory, SavedImage, default_history
from email_image_app.domain.job_leases import LeaseKeeper
from email_image_app.domain.job_records import JobInfo
from email_image_app.domain.messages import Message
from email_image_app.imagegen.options import detect_format
from email_image_app.imagegen.events import ImageCompleted, ImageUsage, IncompleteStreamError, PartialImage, StreamEvent
from email_image_app.domain.cancellation import RunCancelled, is_user_cancel
from email_image_app.domain.store import ImageStore, StoredFile, image_store

if TYPE_CHECKING:
    from PIL import Image

PREVIEW_MAX_SIDE = 960
THUMB_MAX_SIDE = 160
CARD_MAX_SIDE = 480  # the history gallery's card: sharp at its width, a few dozen KB
THUMB_QUALITY = 70
CARD_QUALITY = 80

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StepSaved:
    """A partial image, stored; `preview_url` is a light rendition at the final aspect ratio."""

    index: int
    url: str
    preview_url: str
    thumb_url: str
    elapsed_ms: int


@dataclass(frozen=True)
class FinalSaved:
    url: str
    thumb_url: str
    filename: str
    mime_type: str
    size_bytes: int
    width: int
    height: int
    output_format: str
    usage: ImageUsage | None
    duration_ms: int
    partial_images: int


@dataclass(frozen=True)
class JobTarget:
    """What the user asked for: exact pixels and format (the provider may have produced another size)."""

    width: int
    height: int
    output_format: str
    compression: int | None = None
    flatten_color: str | None = None  # paint transparency onto this colour (e.g. "white" background)
    name_stem: str = "image"

    def with_stem(self, stem: str) -> JobTarget:
        return dataclasses.replace(self, name_stem=stem)


def _save_step_files(
    store: ImageStore, job_id: str, data: bytes, index: int, target: JobTarget
) -> tuple[StoredFile, StoredFile, StoredFile, tuple[int, int]]:
    """Blocking (one thread hop per step): the partial as sent, a light preview at the final aspect
    ratio and a thumbnail, from one decode of the partial (the thumbnail shrinks the preview)."""
    scale = min(1.0, PREVIEW_MAX_SIDE / max(target.width, target.height))
    width, height = max(1, round(target.width * scale)), max(1, round(target.height * scale))
    img = imaging.decode(data, covering=(width, height))
    preview_img = imaging.fit_preview(img, width, height, target.output_format, background=target.flatten_color)
    preview, preview_format = imaging.encode_preview(preview_img)
    _, thumb = imaging.encode_rendition(preview_img, THUMB_MAX_SIDE, quality=THUMB_QUALITY)
    stem = f"step-{index + 1}"
    original = store.save(job_id, f"{stem}.{file_extension(detect_format(data) or target.output_format)}", data)
    preview_file = store.save(job_id, f"{stem}-preview.{file_extension(preview_format)}", preview)
    thumb_file = store.save(job_id, f"{stem}-thumb.webp", thumb)
    return original, preview_file, thumb_file, imaging.image_size(data)


def _kept_as_sent(data: bytes, target: JobTarget) -> bool:
    """The provider's bytes are already the final: the asked size and format, and no background to
    paint (checked on the pixels later when there is one). Re-encoding them would only cost CPU
    and quality."""
    return imaging.image_size(data) == (target.width, target.height) and detect_format(data) == target.output_format


def _final_image(data: bytes, target: JobTarget, rendition_side: int) -> tuple[bytes, Image.Image]:
    """The final's bytes at the target size, and its pixels for the renditions: one decode."""
    if _kept_as_sent(data, target):
        if target.flatten_color is None or target.output_format == "jpeg":
            # Only renditions come from these pixels: a JPEG may decode at a fraction of its size.
            return data, imaging.decode(data, covering=imaging.shrunk_size((target.width, target.height), rendition_side))
        img = imaging.decode(data)
        if imaging.is_opaque(img):
            return data, img  # nothing to paint onto the background
    else:
        img = imaging.decode(data)
    fitted = imaging.fit_image(img, target.width, target.height, target.output_format, background=target.flatten_color)
    return imaging.encode(fitted, target.output_format, quality=target.compression), fitted


def _save_final_files(
    store: ImageStore, job_id: str, data: bytes, target: JobTarget, filename: str, *, card: bool
) -> tuple[StoredFile, StoredFile, StoredFile | None]:
    """Blocking (one thread hop): the final image at the target size, its thumbnail and, with
    `card`, the history gallery's card. One decode: the card shrinks the final's pixels, the
    thumbnail shrinks the card."""
    final, img = _final_image(data, target, CARD_MAX_SIDE if card else THUMB_MAX_SIDE)
    final_file = store.save(job_id, filename, final)
    card_file = None
    if card:
        img, card_bytes = imaging.encode_rendition(img, CARD_MAX_SIDE, quality=CARD_QUALITY)
        card_file = store.save(job_id, "final-card.webp", card_bytes)
    _, thumb = imaging.encode_rendition(img, THUMB_MAX_SIDE, quality=THUMB_QUALITY)
    thumb_file = store.save(job_id, "final-thumb.webp", thumb)
    return final_file, thumb_file, card_file


async def _store_step(
    event: PartialImage, job_id: str, target: JobTarget, store: ImageStore, started: float
) -> tuple[StepSaved, SavedImage]:
    original, preview_file, thumb_file, (width, height) = await asyncio.to_thread(
        _save_step_files, store, job_id, event.image, event.index, target
    )
    step = StepSaved(
        index=event.index,
        url=original.url,
        preview_url=preview_file.url,
        thumb_url=thumb_file.url,
        elapsed_ms=round((time.monotonic() - started) * 1000),
    )
    record = SavedImage(
        "partial", event.index, original.url, preview_file.url, thumb_file.url, original.size_bytes, width, height,
        step.elapsed_ms,
    )
    return step, record


async def _store_final(
    event: ImageCompleted, job_id: str, target: JobTarget, store: ImageStore, started: float, *, card: bool
) -> tuple[FinalSaved, SavedImage]:
    """The final image at the target size and its thumbnail; with `card`, also the larger
    rendition the history gallery shows (only recorded jobs appear there)."""
    filename = f"{target.name_stem}-{target.width}x{target.height}.{file_extension(target.output_format)}"
    final_file, thumb_file, card_file = await asyncio.to_thread(
        _save_final_files, store, job_id, event.image, target, filename, card=card
    )
    card_url = card_file.url if card_file is not None else None
    saved = FinalSaved(
        url=final_file.url,
        thumb_url=thumb_file.url,
        filename=filename,
        mime_type="image/jpeg" if target.output_format == "jpeg" else f"image/{target.output_format}",
        size_bytes=final_file.size_bytes,
        width=target.width,
        height=target.height,
        output_format=target.output_format,
        usage=event.usage,
        duration_ms=round((time.monotonic() - started) * 1000),
        partial_images=event.partial_images,
    )
    record = SavedImage(
        "final", 0, final_file.url, card_url, thumb_file.url, final_file.size_bytes, target.width, target.height,
        saved.duration_ms,
    )
    return saved, record


async def _record_end(recorder: JobRecorder, exc: BaseException) -> None:
    """How a stream that raised `exc` ended, for its history row."""
    if isinstance(exc, asyncio.CancelledError) and not is_user_cancel(exc):
        # Not the Cancel button: the server is stopping. The job did not end by anyone's choice.
        await recorder.finish("interrupted")
    elif isinstance(exc, (asyncio.CancelledError, GeneratorExit, RunCancelled)):
        await recorder.finish("cancelled")
    elif isinstance(exc, Exception):
        await recorder.finish("failed", describe_error(exc, partials_received=recorder.partials))
    # KeyboardInterrupt / SystemExit: the process is going; the next start says `interrupted`.


async def store_stream(
    events: AsyncIterator[StreamEvent],
    job_id: str,
    target: JobTarget,
    *,
    store: ImageStore = image_store,
    started: float | None = None,
    info: JobInfo | None = None,
) -> AsyncIterator[StepSaved | FinalSaved]:
    """Store every event of `events` under `job_id`, yielding what was stored as it lands.

    With `info`, the job is recorded in the history as it goes: its row when the stream starts
    (with this process's lease on it, renewed while it runs), each image as it is stored, then how
    it ended (completed, failed, or cancelled)."""
    started = time.monotonic() if started is None else started
    recorder: JobRecorder | None = None
    if info is not None:
        recorder = JobRecorder(default_history(), job_id, started)
        await recorder.start(info, target.width, target.height)
    try:
        async for event in events:
            if isinstance(event, PartialImage):
                step, record = await _store_step(event, job_id, target, store, started)
                if recorder is not None:
                    await recorder.image(record)
                yield step
            elif isinstance(event, ImageCompleted):
                final, record = await _store_final(event, job_id, target, store, started, card=recorder is not None)
                if recorder is not None:
                    await recorder.complete(record, final.usage, final.duration_ms)
                yield final
                return  # n=1: the first completed image is the job's result
    except BaseException as exc:
        if recorder is not None:
            await _record_end(recorder, exc)
        raise
    if recorder is not None:  # the provider closed the stream without a final image
        await _record_end(recorder, IncompleteStreamError())


class JobRecorder:
    """Records one job from async code. A database failure is logged and never stops the image
    stream: the marketer's image matters more than its history row."""

    def __init__(self, history: JobHistory, job_id: str, started: float) -> None:
        self.history = history
        self.job_id = job_id
        self.started = started
        self.enabled = True
        self.partials = 0
        # This process's lease on the job while it runs, so no other process's sweep ends it.
        self.lease = LeaseKeeper(history, job_id)

    def elapsed_ms(self) -> int:
        return round((time.monotonic() - self.started) * 1000)

    async def _run(self, action: str, function: Any, *args: Any, **kwargs: Any) -> None:
        if not self.enabled:
            return
        try:
            await asyncio.to_thread(function, *args, **kwargs)
        except Exception:
            logger.exception("history: could not record %s of job %s", action, self.job_id)
            if action == "start":
                self.enabled = False  # no row to update: skip the rest instead of logging each

    async def start(self, info: JobInfo, width: int, height: int) -> None:
        await self._run("start", self.history.start, self.job_id, info, width, height, lease=self.lease.lease)
        if self.enabled:
            self.lease.keep()

    async def image(self, image: SavedImage) -> None:
        self.partials += image.kind == "partial"
        await self._run("an image", self.history.add_image, self.job_id, image)

    async def complete(self, final: SavedImage, usage: ImageUsage | None, duration_ms: int) -> None:
        self.lease.stop()
        await self._run("completion", self.history.complete, self.job_id, final, usage=usage, duration_ms=duration_ms)

    async def finish(self, status: str, error: Message | None = None) -> None:
        self.lease.stop()
        await self._run(status, self.history.finish, self.job_id, status, error=error, duration_ms=self.elapsed_ms())

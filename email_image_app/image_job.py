"""Turn a provider's image stream into stored files: previews and thumbnails per step, the final
image at exactly the asked size. Pages consume `store_stream` and put only URLs in their state.

All Pillow work runs in a thread (`asyncio.to_thread`) so the event loop keeps serving websockets.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
import time
import unicodedata
from dataclasses import dataclass
from typing import AsyncIterator

from email_image_app import imaging
from email_image_app.imagegen.events import ImageCompleted, ImageUsage, PartialImage, StreamEvent
from email_image_app.store import ImageStore, image_store

PREVIEW_MAX_SIDE = 960
THUMB_MAX_SIDE = 160


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
class JobInfo:
    """What a job is, for its history record: kind, prompt, request options and provider."""

    kind: str  # "generation" | "edit" | "campaign"
    prompt: str
    model: str
    provider: str
    options: dict[str, object]  # the request fields sent, plus "target_size"
    parent_id: str | None = None  # e.g. the campaign a tile belongs to


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


def filename_stem(prompt: str, max_words: int = 5) -> str:
    """A readable file name from the prompt: 'Summer sale, red shoes!' -> 'summer-sale-red-shoes'."""
    ascii_text = unicodedata.normalize("NFKD", prompt).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())[:max_words]
    return "-".join(words)[:60].strip("-") or "image"


def _extension(output_format: str) -> str:
    return "jpg" if output_format == "jpeg" else output_format


def _preview_and_thumb(data: bytes, target: JobTarget) -> tuple[bytes, bytes]:
    scale = min(1.0, PREVIEW_MAX_SIDE / max(target.width, target.height))
    width, height = max(1, round(target.width * scale)), max(1, round(target.height * scale))
    preview = imaging.fit_exact(data, width, height, "webp", quality=80)
    return preview, imaging.thumbnail(preview, THUMB_MAX_SIDE)


def _final_bytes(data: bytes, target: JobTarget) -> bytes:
    if imaging.image_size(data) == (target.width, target.height) and target.flatten_color is None:
        return data  # exactly what the provider made: keep its bytes untouched
    return imaging.fit_exact(
        data,
        target.width,
        target.height,
        target.output_format,
        quality=target.compression,
        background=target.flatten_color,
    )


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

    `info` describes the job for its history record (kept by the history store when given)."""
    started = time.monotonic() if started is None else started
    ext = _extension(target.output_format)
    async for event in events:
        if isinstance(event, PartialImage):
            preview, thumb = await asyncio.to_thread(_preview_and_thumb, event.image, target)
            original = await asyncio.to_thread(store.save, job_id, f"step-{event.index + 1}.{ext}", event.image)
            preview_file = await asyncio.to_thread(store.save, job_id, f"step-{event.index + 1}-preview.webp", preview)
            thumb_file = await asyncio.to_thread(store.save, job_id, f"step-{event.index + 1}-thumb.webp", thumb)
            yield StepSaved(
                index=event.index,
                url=original.url,
                preview_url=preview_file.url,
                thumb_url=thumb_file.url,
                elapsed_ms=round((time.monotonic() - started) * 1000),
            )
        elif isinstance(event, ImageCompleted):
            final = await asyncio.to_thread(_final_bytes, event.image, target)
            thumb = await asyncio.to_thread(imaging.thumbnail, final, THUMB_MAX_SIDE)
            filename = f"{target.name_stem}-{target.width}x{target.height}.{ext}"
            final_file = await asyncio.to_thread(store.save, job_id, filename, final)
            thumb_file = await asyncio.to_thread(store.save, job_id, "final-thumb.webp", thumb)
            yield FinalSaved(
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
            return  # n=1: the first completed image is the job's result

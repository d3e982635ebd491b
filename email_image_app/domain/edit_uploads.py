"""The editor's inputs: the image to edit, its reference images and its mask, validated,
normalised (EXIF orientation applied) and stored; plus the mask painted in the browser.

No Reflex and no event loop here: everything is blocking Pillow and disk work that the page runs in
a thread (`asyncio.to_thread`). Pages keep the returned URLs and sizes, never the bytes.
"""

from __future__ import annotations

import base64
import binascii
import io
import logging
import secrets
from dataclasses import dataclass
from typing import Any, Iterable

from PIL import Image

from email_image_app.domain import imaging
from email_image_app.domain import upload_checks
from email_image_app.imagegen.uploads import MAX_EDIT_IMAGES
from email_image_app.domain.imaging import DEFAULT_UPLOAD_MAX_BYTES, DEFAULT_UPLOAD_MAX_PIXELS
from email_image_app.domain.upload_checks import UploadError
from email_image_app.domain.store import ImageStore, image_store, new_job_id
from email_image_app.domain.jobs.spec import EditInputs
from email_image_app.domain.formatting import file_extension, format_bytes
from email_image_app.domain.messages import Message, message, sentences

logger = logging.getLogger(__name__)

# OpenAI takes up to 16 input images: the one to edit plus 15 references.
MAX_REFERENCE_IMAGES = MAX_EDIT_IMAGES - 1
# The page shows light renditions; the provider gets the full (upright) file.
DISPLAY_MAX_SIDE = 1280
REFERENCE_THUMB_MAX_SIDE = 160
# The painting canvas works at most at this resolution; the server scales the mask up to the image.
MASK_CANVAS_MAX_SIDE = 1024
# How the area to change is shown over the image: the painter's brush colour, half transparent.
MASK_TINT = (255, 45, 85, 128)
PAINTED_MASK_NAME = "painted mask"
_PNG_DATA_URL_PREFIX = "data:image/png;base64,"


@dataclass(frozen=True)
class UploadLimits:
    max_bytes: int = DEFAULT_UPLOAD_MAX_BYTES
    max_pixels: int = DEFAULT_UPLOAD_MAX_PIXELS

    @property
    def max_megabytes(self) -> int:
        return self.max_bytes // (1024 * 1024)


@dataclass(frozen=True)
class StoredUpload:
    """An accepted upload on disk: `url` is the normalised file sent to the provider, `display_url`
    a light rendition for the page (for a mask: the area to change, tinted)."""

    url: str
    display_url: str
    filename: str  # as the user named it: for labels and messages only
    width: int
    height: int
    format: str
    size_bytes: int

    @property
    def label(self) -> str:
        return f"{self.width}×{self.height} · {imaging.FORMAT_LABELS[self.format]} · {format_bytes(self.size_bytes)}"




def _stored_name(role: str, extension: str) -> str:
    # A fresh name per upload: a replaced image never reuses a URL the browser may have cached.
    return f"{role}-{secrets.token_hex(4)}.{extension}"


def refuse_if_too_large(filename: str, declared_size: int | None, limits: UploadLimits = UploadLimits()) -> None:
    """Refuse a file from the size its upload declared, before reading a byte of it."""
    if declared_size is not None and declared_size > limits.max_bytes:
        raise upload_checks.too_large_error(filename, declared_size, limits.max_bytes)


def store_image(
    upload_id: str,
    role: str,
    data: bytes,
    filename: str,
    *,
    display_max_side: int = DISPLAY_MAX_SIDE,
    limits: UploadLimits = UploadLimits(),
    store: ImageStore = image_store,
) -> StoredUpload:
    """Validate an image upload (raises UploadError naming the file) and store it upright."""
    image = upload_checks.validate_upload(data, filename, max_bytes=limits.max_bytes, max_pixels=limits.max_pixels)
    extension = file_extension(image.format)
    name = _stored_name(role, extension)
    saved = store.save(upload_id, name, image.data)
    display = imaging.thumbnail(image.data, display_max_side, output_format="webp", quality=85)
    display_file = store.save(upload_id, name.rsplit(".", 1)[0] + "-display.webp", display)
    return StoredUpload(saved.url, display_file.url, filename, image.width, image.height, image.format, saved.size_bytes)


def store_mask(
    upload_id: str,
    data: bytes,
    filename: str,
    image_width: int,
    image_height: int,
    *,
    limits: UploadLimits = UploadLimits(),
    store: ImageStore = image_store,
) -> StoredUpload:
    """Validate a mask against the image's size (alpha 0 = area to change) and store it as PNG."""
    mask = upload_checks.validate_mask(
        data, filename, image_width, image_height, max_bytes=limits.max_bytes, max_pixels=limits.max_pixels
    )
    name = _stored_name("mask", "png")
    saved = store.save(upload_id, name, mask.data)
    display_file = store.save(upload_id, name.rsplit(".", 1)[0] + "-display.webp", mask_overlay(mask.data))
    return StoredUpload(saved.url, display_file.url, filename, mask.width, mask.height, "png", saved.size_bytes)


def mask_overlay(mask_png: bytes, max_side: int = DISPLAY_MAX_SIDE) -> bytes:
    """A webp to lay over the image: the area to change tinted like the brush, the rest clear."""
    with Image.open(io.BytesIO(mask_png)) as mask:
        alpha = mask.convert("RGBA").getchannel("A")
    alpha.thumbnail((max_side, max_side), Image.Resampling.NEAREST)
    change = alpha.point(lambda value: MASK_TINT[3] if value == 0 else 0)
    overlay = Image.new("RGBA", alpha.size, MASK_TINT[:3] + (0,))
    overlay.putalpha(change)
    return imaging.encode(overlay, "webp", quality=80)


def mask_canvas_size(width: int, height: int, max_side: int = MASK_CANVAS_MAX_SIDE) -> tuple[int, int]:
    """The painting canvas's pixels for a width x height image: its proportions, at most `max_side`."""
    if width <= 0 or height <= 0:
        return 0, 0
    scale = min(1.0, max_side / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def mask_from_painting(data_url: str, image_width: int, image_height: int) -> bytes:
    """The mask PNG for the image from the painter's export, which is a PNG data URL of the canvas
    (any size) whose transparent pixels are the painted ones.

    It is scaled to the image's size and made two-level: a pixel is to change (alpha 0) when it
    was at least half painted, so the soft edge of a brush stroke does not leave a faint seam.
    """
    if not data_url.startswith(_PNG_DATA_URL_PREFIX):
        raise UploadError("not_image", message("painted_mask_not_png"), PAINTED_MASK_NAME)
    try:
        png = base64.b64decode(data_url[len(_PNG_DATA_URL_PREFIX):], validate=True)
    except (binascii.Error, ValueError):
        raise UploadError("corrupt", message("painted_mask_unreadable"), PAINTED_MASK_NAME) from None
    painting = upload_checks.validate_upload(png, PAINTED_MASK_NAME, allowed=("png",))
    with Image.open(io.BytesIO(painting.data)) as img:
        alpha = img.convert("RGBA").getchannel("A")
    alpha = alpha.resize((image_width, image_height), Image.Resampling.BILINEAR)
    keep = alpha.point(lambda value: 255 if value >= 128 else 0)
    if keep.getextrema()[0] == 255:
        raise UploadError("empty_mask", message("upload_refused_empty_mask"), PAINTED_MASK_NAME)
    mask = Image.new("RGBA", (image_width, image_height), (0, 0, 0, 255))
    mask.putalpha(keep)
    # Made here at the image's size with an alpha channel: no need to validate it again (on a
    # 36-megapixel image that would double the ~2 s this takes).
    return imaging.encode(mask, "png")


def load_edit_inputs(
    image_urls: list[str], mask_mode: str, mask_source: str, width: int, height: int, job_id: str,
    *, store: ImageStore = image_store,
) -> tuple[list[bytes], bytes | None]:
    """The stored images' bytes and the mask to send (blocking: run it in a thread).

    `mask_source` is the stored mask's URL (upload mode) or the painter's data URL (paint mode);
    a painted mask is kept with the job's files, so the job shows what was asked. Files that cannot
    be read back are refused like an upload (UploadError "unreadable"), so the run ends failed
    with a reason like any other."""
    try:
        images = [store.read(url) for url in image_urls]
        if mask_mode == "upload":
            return images, store.read(mask_source)
        if mask_mode == "paint":
            mask = mask_from_painting(mask_source, width, height)
            store.save(job_id, "mask.png", mask)
            return images, mask
        return images, None
    except UploadError:
        raise
    except (OSError, ValueError) as exc:
        logger.warning("edit %s: the stored inputs could not be read back", job_id, exc_info=True)
        raise UploadError("unreadable", message("inputs_unreadable")) from exc


def browser_refusal(rejected: Iterable[dict[str, Any]]) -> Message | None:
    """The browser's refusals ([{name, codes}] from the drop zone) as one message; None if none."""
    refusals = []
    for record in rejected:
        codes = set(record.get("codes") or [])
        if "too-many-files" in codes:
            refusals.append(message("one_file_at_a_time"))
            break
        refusals.append(message("not_an_accepted_image", name=str(record.get("name") or "file")))
    return sentences(*refusals) if refusals else None


def store_edit_inputs(
    images: list[tuple[bytes, str]], mask: bytes | None, width: int, height: int, *, store: ImageStore = image_store
) -> EditInputs:
    """An edit's inputs, stored as the page stores uploads (blocking): the job carries their URLs,
    so a worker in another process reads the same files. `images` are (bytes, format) pairs — the
    image first, then its references; `width` x `height` is the image's size."""
    upload_id = new_job_id()
    roles = ["original", *(f"reference-{n}" for n in range(1, len(images)))]
    urls = tuple(
        store.save(upload_id, f"{role}.{file_extension(image_format)}", data).url
        for role, (data, image_format) in zip(roles, images)
    )
    mask_url = store.save(upload_id, "mask.png", mask).url if mask is not None else ""
    return EditInputs(urls, "upload" if mask is not None else "none", mask_url, width, height)

"""Pillow helpers the pages share: fit to an exact size, flatten, encode, compress to a byte budget,
thumbnails. (Uploads are checked in upload_checks.py.)

Everything here is synchronous and CPU-bound; async callers wrap calls in `asyncio.to_thread`.
Images come in and go out as bytes, so nothing here knows about files, URLs or Reflex.
"""

from __future__ import annotations

import io
import math
import struct
from dataclasses import dataclass

from PIL import Image, ImageColor, ImageOps

from email_image_app.imagegen.options import MIME_TYPES, OUTPUT_FORMATS
from email_image_app.domain.formatting import format_bytes

# Formats the image APIs accept and produce, by the short names the API uses.
IMAGE_FORMATS: tuple[str, ...] = OUTPUT_FORMATS
FORMAT_LABELS: dict[str, str] = {"png": "PNG", "jpeg": "JPEG", "webp": "WebP"}

DEFAULT_QUALITY: dict[str, int] = {"jpeg": 88, "webp": 85}
DEFAULT_UPLOAD_MAX_BYTES = 50 * 1024 * 1024
DEFAULT_UPLOAD_MAX_PIXELS = 36_000_000

# compress_to_budget: quality search range and the smallest side worth shrinking to.
_BUDGET_MAX_QUALITY = 90
_BUDGET_DOWNSCALE_STEP = 0.85
_BUDGET_MIN_SIDE = 64

# Errors Pillow raises for damaged or truncated files while parsing or decoding.
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error)


# ---------------------------------------------------------------------------------------------
# Format detection and basic facts


def image_size(image_bytes: bytes) -> tuple[int, int]:
    """(width, height) as stored, read from the header without decoding the pixels."""
    with Image.open(io.BytesIO(image_bytes)) as img:
        return img.size


def has_alpha(img: Image.Image) -> bool:
    """True when the image carries transparency (alpha channel or a transparent palette entry)."""
    return img.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in img.info


# ---------------------------------------------------------------------------------------------
# Pixel operations


def flatten(img: Image.Image, color: str | tuple[int, int, int] = "#ffffff") -> Image.Image:
    """An RGB copy of `img` with any transparency composited onto `color`."""
    if not has_alpha(img):
        return img.convert("RGB")
    rgba = img.convert("RGBA")
    background = Image.new("RGB", rgba.size, _rgb(color))
    background.paste(rgba, mask=rgba.getchannel("A"))
    background.info = {key: value for key, value in img.info.items() if key == "icc_profile"}
    return background


def _rgb(color: str | tuple[int, int, int]) -> tuple[int, int, int]:
    if isinstance(color, str):
        return ImageColor.getrgb(color)[:3]
    return tuple(color[:3])  # type: ignore[return-value]


def _working_copy(img: Image.Image) -> Image.Image:
    """RGB or RGBA, so that resizing can use LANCZOS (Pillow resamples palette images NEAREST)."""
    return img.convert("RGBA" if has_alpha(img) else "RGB")


def _cover_fit(img: Image.Image, width: int, height: int) -> Image.Image:
    """Crop the centre to the target aspect ratio, then resize to exactly width x height."""
    return ImageOps.fit(img, (width, height), method=Image.Resampling.LANCZOS, centering=(0.5, 0.5))


# ---------------------------------------------------------------------------------------------
# Encoding


def encode(img: Image.Image, output_format: str, *, quality: int | None = None) -> bytes:
    """Encode `img` as png/jpeg/webp with this app's save settings (the one place for them).

    JPEG has no transparency, so an image with alpha is flattened onto white here; callers that
    want another colour flatten first.
    """
    output_format = _check_format(output_format)
    save_args: dict[str, object] = {}
    if icc_profile := img.info.get("icc_profile"):
        save_args["icc_profile"] = icc_profile
    if output_format == "png":
        if img.mode not in ("1", "L", "LA", "P", "RGB", "RGBA", "I", "I;16"):
            img = _working_copy(img)
        save_args["optimize"] = True
    elif output_format == "jpeg":
        img = flatten(img) if has_alpha(img) else img.convert("L" if img.mode == "L" else "RGB")
        save_args.update(quality=_quality_or_default(quality, "jpeg"), optimize=True, progressive=True)
    else:  # webp
        if img.mode not in ("RGB", "RGBA"):
            img = _working_copy(img)
        # method 6 squeezes out the last few percent; with an alpha channel it is ~15x slower
        # (libwebp then also compresses the alpha plane at its slowest setting) for <1% gain.
        method = 4 if img.mode == "RGBA" else 6
        save_args.update(quality=_quality_or_default(quality, "webp"), method=method)
    buffer = io.BytesIO()
    img.save(buffer, format=output_format.upper(), **save_args)
    return buffer.getvalue()


def _quality_or_default(quality: int | None, output_format: str) -> int:
    return DEFAULT_QUALITY[output_format] if quality is None else quality


def _check_format(output_format: str) -> str:
    normalized = "jpeg" if output_format.lower() == "jpg" else output_format.lower()
    if normalized not in IMAGE_FORMATS:
        raise ValueError(f"Unsupported output format '{output_format}'; use png, jpeg or webp.")
    return normalized


def _open_rgb_or_rgba(image_bytes: bytes) -> Image.Image:
    with Image.open(io.BytesIO(image_bytes)) as img:
        return _working_copy(img)


# ---------------------------------------------------------------------------------------------
# Fit, compress, thumbnail


def fit_exact(
    image_bytes: bytes,
    width: int,
    height: int,
    output_format: str,
    *,
    quality: int | None = None,
    background: str | None = None,
) -> bytes:
    """Cover-crop (centred) and resize to exactly width x height, encoded as `output_format`.

    Transparency is kept for png/webp unless `background` is given; for jpeg it is flattened onto
    `background` (white by default).
    """
    if width <= 0 or height <= 0:
        raise ValueError(f"Invalid target size {width}x{height}: width and height must be positive.")
    output_format = _check_format(output_format)
    img = _open_rgb_or_rgba(image_bytes)
    if background is not None or output_format == "jpeg":
        # Flatten before resampling so edge pixels blend with the real background colour.
        img = flatten(img, background or "#ffffff")
    return encode(_cover_fit(img, width, height), output_format, quality=quality)


@dataclass(frozen=True)
class CompressedImage:
    data: bytes
    width: int
    height: int
    quality: int
    output_format: str

    @property
    def mime_type(self) -> str:
        return MIME_TYPES[self.output_format]


class ImageTooLargeError(ValueError):
    """The image cannot be made to fit the byte budget at any acceptable size and quality."""


def compress_to_budget(
    image_bytes: bytes,
    max_bytes: int,
    *,
    output_format: str = "jpeg",
    background: str | None = "#ffffff",
    min_quality: int = 40,
) -> CompressedImage:
    """The best-quality jpeg/webp encoding of the image that is at most `max_bytes` long.

    Searches quality from 90 down to `min_quality` first, since that keeps every pixel; only when
    even `min_quality` is too big does it shrink the image and search again. `background=None`
    keeps webp transparency; otherwise transparency is flattened onto `background`.
    """
    output_format = _check_format(output_format)
    if output_format == "png":
        raise ValueError("compress_to_budget works with lossy formats only: jpeg or webp.")
    original = _open_rgb_or_rgba(image_bytes)
    if background is not None or output_format == "jpeg":
        original = flatten(original, background or "#ffffff")

    scale = 1.0
    while True:
        img = _scaled(original, scale)
        if min(img.size) < _BUDGET_MIN_SIDE:
            raise ImageTooLargeError(
                f"The image cannot be compressed to {format_bytes(max_bytes)} as {output_format}: even at "
                f"quality {min_quality} it would have to shrink below {_BUDGET_MIN_SIDE} pixels."
            )
        found = _best_quality_within(img, output_format, max_bytes, min_quality)
        if isinstance(found, CompressedImage):
            return found
        # `found` is the size at min_quality; bytes shrink roughly with pixel count, so jump
        # straight to an area that should fit (5% margin), but always by at least one ~0.85 step.
        scale *= min(_BUDGET_DOWNSCALE_STEP, math.sqrt(max_bytes / found) * 0.95)


def _scaled(img: Image.Image, scale: float) -> Image.Image:
    if scale >= 1.0:
        return img
    size = (max(1, round(img.width * scale)), max(1, round(img.height * scale)))
    return img.resize(size, Image.Resampling.LANCZOS)


def _best_quality_within(
    img: Image.Image, output_format: str, max_bytes: int, min_quality: int
) -> CompressedImage | int:
    """The highest quality in [min_quality, 90] that fits, or the byte count at min_quality."""

    def attempt(quality: int) -> CompressedImage:
        return CompressedImage(encode(img, output_format, quality=quality), *img.size, quality, output_format)

    best = attempt(_BUDGET_MAX_QUALITY)
    if len(best.data) <= max_bytes:
        return best
    floor = attempt(min_quality)
    if len(floor.data) > max_bytes:
        return len(floor.data)
    # Invariant: `floor` fits; everything above `high` is known not to fit.
    low, high = min_quality + 1, _BUDGET_MAX_QUALITY - 1
    while low <= high:
        middle = (low + high) // 2
        candidate = attempt(middle)
        if len(candidate.data) <= max_bytes:
            floor, low = candidate, middle + 1
        else:
            high = middle - 1
    return floor


def thumbnail(image_bytes: bytes, max_side: int = 160, *, output_format: str = "webp", quality: int = 70) -> bytes:
    """A small preview (a few KB) whose longer side is at most `max_side`, aspect kept.

    webp keeps transparency; jpeg flattens it onto white.
    """
    with Image.open(io.BytesIO(image_bytes)) as img:
        # draft() lets JPEG decode at a reduced scale, which is much faster for big photos.
        img.draft("RGB", (max_side, max_side))
        small = _working_copy(img)
    small.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    return encode(small, output_format, quality=quality)

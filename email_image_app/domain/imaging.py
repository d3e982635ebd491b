"""Pillow helpers the pages share: decode once, fit to an exact size, flatten, encode, compress to a
byte budget, thumbnails and the other renditions pages show. (Uploads are checked in upload_checks.py.)

Everything here is synchronous and CPU-bound; async callers wrap calls in `asyncio.to_thread`.
Images come in and go out as bytes, so nothing here knows about files, URLs or Reflex.
"""

from __future__ import annotations

import io
import math
import struct
from dataclasses import dataclass

from PIL import Image, ImageColor

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

# Renditions (a step's preview, thumbnails, the gallery's card) are made for every step of every
# job, so their encoders favour CPU over the last percent of bytes (bench/bench_app_cpu.py, 960x480):
# an opaque preview is a JPEG (libjpeg-turbo: ~2 ms, and fewer bytes than WebP for photos; WebP at
# method 6 took 30-110 ms), a transparent one WebP at method 0 (~6 ms); thumbnails and cards WebP
# at method 4 (a third of method 6's time for ~3% more bytes).
PREVIEW_JPEG_QUALITY = 75
PREVIEW_WEBP_QUALITY = 80
RENDITION_WEBP_METHOD = 4
_TRANSPARENT_PREVIEW_WEBP_METHOD = 0
# Shrinking a rendition by a large factor first averages integer blocks (`Image.reduce`), then
# resamples the rest: Pillow documents a gap of 2-3 as indistinguishable from a fair resample.
RENDITION_REDUCING_GAP = 2.0

# Errors Pillow raises for damaged or truncated files while parsing or decoding.
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error)


# ---------------------------------------------------------------------------------------------
# Format detection and basic facts


def image_size(image_bytes: bytes) -> tuple[int, int]:
    """(width, height) as stored, read from the header without decoding the pixels."""
    with Image.open(io.BytesIO(image_bytes)) as img:
        return img.size


def format_of(image_bytes: bytes) -> str:
    """The file format ("png", "jpeg", "webp", ...) an image's header names, without decoding it."""
    with Image.open(io.BytesIO(image_bytes)) as img:
        return (img.format or "png").lower()


def has_alpha(img: Image.Image) -> bool:
    """True when the image carries transparency (alpha channel or a transparent palette entry)."""
    return img.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in img.info


def is_opaque(img: Image.Image) -> bool:
    """True when no pixel is even partly transparent (an alpha channel that is all 255 counts)."""
    if not has_alpha(img):
        return True
    return _working_mode(img).getchannel("A").getextrema()[0] == 255


# ---------------------------------------------------------------------------------------------
# Pixel operations


def flatten(img: Image.Image, color: str | tuple[int, int, int] = "#ffffff") -> Image.Image:
    """`img` in RGB with any transparency composited onto `color` (`img` itself when already RGB)."""
    if not has_alpha(img):
        return img if img.mode == "RGB" else img.convert("RGB")
    rgba = img.convert("RGBA")
    background = Image.new("RGB", rgba.size, _rgb(color))
    background.paste(rgba, mask=rgba.getchannel("A"))
    background.info = {key: value for key, value in img.info.items() if key == "icc_profile"}
    return background


def _rgb(color: str | tuple[int, int, int]) -> tuple[int, int, int]:
    if isinstance(color, str):
        return ImageColor.getrgb(color)[:3]
    return tuple(color[:3])  # type: ignore[return-value]


def _working_mode(img: Image.Image) -> Image.Image:
    """RGB or RGBA, so that resizing can use LANCZOS (Pillow resamples palette images NEAREST):
    `img` itself when it already is one (a copy of a big image costs as much as a resize's pass)."""
    mode = "RGBA" if has_alpha(img) else "RGB"
    if img.mode == mode and "transparency" not in img.info:
        img.load()
        return img
    return img.convert(mode)


def cover_fit(
    img: Image.Image,
    width: int,
    height: int,
    *,
    resample: Image.Resampling = Image.Resampling.LANCZOS,
    reducing_gap: float | None = None,
) -> Image.Image:
    """Crop the centre to the target aspect ratio and resize to exactly width x height, in one
    resample (the crop is the resize's source box, so no cropped copy is made)."""
    if width <= 0 or height <= 0:
        raise ValueError(f"Invalid target size {width}x{height}: width and height must be positive.")
    crop_width, crop_height = _cover_crop(img.size, width, height)
    left, top = (img.width - crop_width) / 2, (img.height - crop_height) / 2
    box = (left, top, left + crop_width, top + crop_height)
    return img.resize((width, height), resample, box=box, reducing_gap=reducing_gap)


def _cover_crop(size: tuple[int, int], width: int, height: int) -> tuple[float, float]:
    """The largest area of `size` with the aspect ratio of width x height (as ImageOps.fit crops)."""
    source_ratio, ratio = size[0] / size[1], width / height
    if source_ratio == ratio:
        return float(size[0]), float(size[1])
    if source_ratio > ratio:
        return size[1] * ratio, float(size[1])
    return float(size[0]), size[0] / ratio


def shrunk(img: Image.Image, max_side: int) -> Image.Image:
    """`img` with its longer side at most `max_side`, aspect kept; never enlarged (then `img` itself)."""
    size = shrunk_size(img.size, max_side)
    if size == img.size:
        return img
    return img.resize(size, Image.Resampling.LANCZOS, reducing_gap=RENDITION_REDUCING_GAP)


def shrunk_size(size: tuple[int, int], max_side: int) -> tuple[int, int]:
    """`size` with its longer side at most `max_side`, aspect kept; never enlarged."""
    if max(size) <= max_side:
        return size
    scale = max_side / max(size)
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))


# ---------------------------------------------------------------------------------------------
# Encoding


def encode(
    img: Image.Image, output_format: str, *, quality: int | None = None, webp_method: int | None = None
) -> bytes:
    """Encode `img` as png/jpeg/webp with this app's save settings (the one place for them).

    JPEG has no transparency, so an image with alpha is flattened onto white here; callers that
    want another colour flatten first. `webp_method` trades bytes for speed (renditions).
    """
    output_format = _check_format(output_format)
    save_args: dict[str, object] = {}
    if icc_profile := img.info.get("icc_profile"):
        save_args["icc_profile"] = icc_profile
    if output_format == "png":
        if img.mode not in ("1", "L", "LA", "P", "RGB", "RGBA", "I", "I;16"):
            img = _working_mode(img)
        save_args["optimize"] = True
    elif output_format == "jpeg":
        img = flatten(img) if has_alpha(img) or img.mode not in ("L", "RGB") else img
        save_args.update(quality=_quality_or_default(quality, "jpeg"), optimize=True, progressive=True)
    else:  # webp
        if img.mode not in ("RGB", "RGBA"):
            img = _working_mode(img)
        # method 6 squeezes out the last few percent; with an alpha channel it is ~15x slower
        # (libwebp then also compresses the alpha plane at its slowest setting) for <1% gain.
        method = webp_method if webp_method is not None else 4 if img.mode == "RGBA" else 6
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


def encode_preview(img: Image.Image) -> tuple[bytes, str]:
    """A light rendition to look at, not to keep: (bytes, format), JPEG when opaque, else WebP."""
    if is_opaque(img):
        buffer = io.BytesIO()
        img.convert("RGB").save(buffer, format="JPEG", quality=PREVIEW_JPEG_QUALITY, optimize=True)
        return buffer.getvalue(), "jpeg"
    return encode(img, "webp", quality=PREVIEW_WEBP_QUALITY, webp_method=_TRANSPARENT_PREVIEW_WEBP_METHOD), "webp"


def encode_rendition(img: Image.Image, max_side: int, *, quality: int) -> tuple[Image.Image, bytes]:
    """A WebP thumbnail or card of `img` at most `max_side`, and the shrunk image (the next, smaller
    rendition is made from it rather than from a decode of these bytes)."""
    small = shrunk(img, max_side)
    return small, encode(small, "webp", quality=quality, webp_method=RENDITION_WEBP_METHOD)


# ---------------------------------------------------------------------------------------------
# Decoding


def decode(image_bytes: bytes, *, covering: tuple[int, int] | None = None) -> Image.Image:
    """The image as RGB or RGBA (what resampling wants), decoded once for all that is made of it.

    With `covering` (width, height), a JPEG may decode at 1/2, 1/4 or 1/8 scale (libjpeg's DCT
    scaling costs a fraction of a full decode and a resize) as long as a centred crop to that
    aspect ratio still has at least those pixels; other formats always decode in full.
    """
    with Image.open(io.BytesIO(image_bytes)) as img:
        if covering is not None:
            crop_width, _ = _cover_crop(img.size, *covering)
            most = crop_width / covering[0]  # the largest scale-down that still covers
            if most >= 2:
                img.draft(None, (math.ceil(img.width / most), math.ceil(img.height / most)))
        return _working_mode(img)


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
    fitted = fit_image(decode(image_bytes), width, height, output_format, background=background)
    return encode(fitted, output_format, quality=quality)


def fit_image(
    img: Image.Image,
    width: int,
    height: int,
    output_format: str,
    *,
    background: str | None = None,
    resample: Image.Resampling = Image.Resampling.LANCZOS,
    reducing_gap: float | None = None,
) -> Image.Image:
    """`fit_exact` on a decoded image, not encoded: the caller makes other renditions from it."""
    if background is not None or _check_format(output_format) == "jpeg":
        # Flatten before resampling so edge pixels blend with the real background colour.
        img = flatten(img, background or "#ffffff")
    return cover_fit(img, width, height, resample=resample, reducing_gap=reducing_gap)


def fit_preview(
    img: Image.Image, width: int, height: int, output_format: str, *, background: str | None = None
) -> Image.Image:
    """`fit_image` for a preview of a draft: bilinear differs from LANCZOS by far less than the
    preview's own compression does (48 dB vs 37 dB PSNR on the engine's drafts) in half the time."""
    return fit_image(
        img, width, height, output_format, background=background,
        resample=Image.Resampling.BILINEAR, reducing_gap=RENDITION_REDUCING_GAP,
    )


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
    original = decode(image_bytes)
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
        small = _working_mode(img)
    return encode(shrunk(small, max_side), output_format, quality=quality)

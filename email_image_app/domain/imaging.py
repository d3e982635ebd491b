"""Pillow helpers the pages share: fit to an exact size, flatten, encode, compress to a byte budget,
thumbnails, and validation of uploaded images and masks.

Everything here is synchronous and CPU-bound; async callers wrap calls in `asyncio.to_thread`.
Images come in and go out as bytes, so nothing here knows about files, URLs or Reflex.
"""

from __future__ import annotations

import io
import math
import struct
from dataclasses import dataclass
from typing import Iterable

from PIL import ExifTags, Image, ImageColor, ImageOps, JpegImagePlugin, PngImagePlugin, WebPImagePlugin

from email_image_app.imagegen.options import MIME_TYPES, OUTPUT_FORMATS, detect_format
from email_image_app.domain.formatting import format_bytes
from email_image_app.domain.messages import Message, message

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




# ---------------------------------------------------------------------------------------------
# Upload validation

_MEGABYTE = 1024 * 1024
# JPEG/WebP re-encoded only to make EXIF-rotated uploads upright: keep the generation loss small.
_REENCODE_QUALITY = 95
# Header parsers per format. Constructing one parses the header only and, unlike Image.open,
# skips the process-wide Image.MAX_IMAGE_PIXELS check, so our own `max_pixels` is the one limit
# and it is applied before a single pixel is decoded.
_HEADER_PARSERS: dict[str, type[Image.Image]] = {
    "png": PngImagePlugin.PngImageFile,
    "jpeg": JpegImagePlugin.JpegImageFile,
    "webp": WebPImagePlugin.WebPImageFile,
}


class UploadError(ValueError):
    """An uploaded file we refuse. `reason` is a short code; `refusal` says why for people (a
    catalogue message, worded when shown); `message` is its English, for logs and scripts."""

    def __init__(self, reason: str, refusal: Message, filename: str = "") -> None:
        self.reason = reason
        self.refusal = refusal
        self.message = refusal.render("en")
        self.filename = filename
        super().__init__(self.message)


@dataclass(frozen=True)
class ValidatedImage:
    """An accepted upload: bytes of a decodable, upright image of a supported format."""

    data: bytes
    format: str
    width: int
    height: int
    mime_type: str


def validate_upload(
    data: bytes,
    filename: str,
    *,
    max_bytes: int = DEFAULT_UPLOAD_MAX_BYTES,
    max_pixels: int = DEFAULT_UPLOAD_MAX_PIXELS,
    allowed: Iterable[str] = IMAGE_FORMATS,
) -> ValidatedImage:
    """Check an uploaded image and return it normalised (EXIF orientation applied).

    Raises UploadError with reason 'empty', 'too_large', 'not_image', 'unsupported_type',
    'corrupt' or 'too_many_pixels'.
    """
    validated, _ = _decode_upload(data, filename, max_bytes=max_bytes, max_pixels=max_pixels, allowed=allowed)
    return validated


def validate_mask(
    data: bytes,
    filename: str,
    image_width: int,
    image_height: int,
    **limits: object,
) -> ValidatedImage:
    """Check an edit mask and return it as an RGBA PNG the same size as the image.

    Fully transparent pixels (alpha 0) mark the area to change. A mask without an alpha channel
    takes its alpha from its grey level, so black areas are the ones to change.
    `limits` are validate_upload's keyword arguments.
    """
    upload, img = _decode_upload(data, filename, **limits)  # type: ignore[arg-type]
    if (upload.width, upload.height) != (image_width, image_height):
        raise UploadError(
            "mask_size_mismatch",
            message(
                "upload_refused_mask_size_mismatch", name=filename, size=_dimensions(upload.width, upload.height),
                image_size=_dimensions(image_width, image_height),
            ),
            filename,
        )
    mask = _mask_with_alpha(img)
    return ValidatedImage(encode(mask, "png"), "png", mask.width, mask.height, MIME_TYPES["png"])


def _mask_with_alpha(img: Image.Image) -> Image.Image:
    if has_alpha(img):
        return img.convert("RGBA")
    rgba = img.convert("RGBA")
    rgba.putalpha(img.convert("L"))
    return rgba


def _decode_upload(
    data: bytes,
    filename: str,
    *,
    max_bytes: int = DEFAULT_UPLOAD_MAX_BYTES,
    max_pixels: int = DEFAULT_UPLOAD_MAX_PIXELS,
    allowed: Iterable[str] = IMAGE_FORMATS,
) -> tuple[ValidatedImage, Image.Image]:
    """validate_upload, also returning the decoded upright image for callers that need pixels."""
    allowed = tuple(allowed)
    if not data:
        raise UploadError("empty", message("upload_refused_empty", name=filename), filename)
    # Byte size first: it costs nothing and bounds everything that follows.
    if len(data) > max_bytes:
        raise too_large_error(filename, len(data), max_bytes)
    image_format = _require_allowed_format(data, filename, allowed)
    img = _open_header(data, filename, image_format)
    width, height = img.size
    if width * height > max_pixels:
        raise UploadError(
            "too_many_pixels",
            message(
                "upload_refused_too_many_pixels", name=filename, size=_dimensions(width, height),
                megapixels=f"{width * height / 1e6:.1f}", max_mp=f"{max_pixels / 1e6:g}",
            ),
            filename,
        )
    _load_pixels(img, filename, image_format)

    upright = _upright(img)
    if upright is img:
        return ValidatedImage(data, image_format, width, height, MIME_TYPES[image_format]), img
    normalised = encode(upright, image_format, quality=_REENCODE_QUALITY)
    return ValidatedImage(normalised, image_format, upright.width, upright.height, MIME_TYPES[image_format]), upright


def too_large_error(filename: str, size_bytes: int, max_bytes: int = DEFAULT_UPLOAD_MAX_BYTES) -> UploadError:
    """The refusal of a file over the byte limit; public so a caller that knows the size from the
    upload's headers can refuse it without reading the file."""
    return UploadError(
        "too_large",
        message("upload_refused_too_large", name=filename, size=format_bytes(size_bytes), limit=_limit_text(max_bytes)),
        filename,
    )


def _require_allowed_format(data: bytes, filename: str, allowed: tuple[str, ...]) -> str:
    """The content's format if it is one of `allowed`; else UploadError naming what it is."""
    image_format = detect_format(data)
    if image_format in allowed:
        return image_format  # type: ignore[return-value]
    accepted = _or_list([FORMAT_LABELS.get(name, name.upper()) for name in allowed])
    actual = FORMAT_LABELS[image_format] if image_format else _identify_other_image(data)
    if actual is None:
        raise UploadError("not_image", message("upload_refused_not_image", name=filename, accepted=accepted), filename)
    raise UploadError(
        "unsupported_type",
        message("upload_refused_unsupported_type", name=filename, actual=actual, accepted=accepted),
        filename,
    )


def _identify_other_image(data: bytes) -> str | None:
    """The name of an image format Pillow recognises (GIF, BMP, TIFF...), or None."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            return img.format or "different kind of"
    except Image.DecompressionBombError:
        return "different kind of"
    except Exception:  # noqa: BLE001 - any plugin may choke on arbitrary bytes; that means "not an image"
        return None


def _open_header(data: bytes, filename: str, image_format: str) -> Image.Image:
    try:
        return _HEADER_PARSERS[image_format](io.BytesIO(data))
    except _DECODE_ERRORS:
        raise _corrupt(filename, image_format) from None


def _load_pixels(img: Image.Image, filename: str, image_format: str) -> None:
    """Decode every pixel now, so truncated or damaged files are refused at upload time."""
    try:
        img.load()
    except (*_DECODE_ERRORS, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _corrupt(filename, image_format) from None


def _corrupt(filename: str, image_format: str) -> UploadError:
    return UploadError(
        "corrupt", message("upload_refused_corrupt", name=filename, format=FORMAT_LABELS[image_format]), filename
    )


def _upright(img: Image.Image) -> Image.Image:
    """`img` itself when it needs no EXIF rotation; otherwise a rotated copy without the tag."""
    orientation = img.getexif().get(ExifTags.Base.Orientation, 1)
    if orientation not in range(2, 9):
        return img
    upright = ImageOps.exif_transpose(img)
    # The re-encoded file keeps the colour profile but drops EXIF (which also drops GPS data).
    upright.info = {key: value for key, value in img.info.items() if key == "icc_profile"}
    return upright


def _dimensions(width: int, height: int) -> str:
    # A string, not numbers: pixel sizes read "6200x6200" in every language (no "6,200").
    return f"{width}x{height}"


def _limit_text(count: int) -> str:
    if count >= _MEGABYTE:
        return f"{count / _MEGABYTE:g} MB"
    return format_bytes(count)


def _or_list(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " or " + names[-1]

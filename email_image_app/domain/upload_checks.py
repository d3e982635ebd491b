"""Validating uploaded images and masks before anything is decoded in full: the format from the
bytes (not the name), the size in bytes and pixels, a readable file; EXIF rotation applied.
A refusal is an `UploadError` whose `refusal` says why for people (a catalogue message).
Synchronous and CPU-bound, like imaging.py: async callers use `asyncio.to_thread`.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Iterable

from PIL import ExifTags, Image, ImageOps, JpegImagePlugin, PngImagePlugin, WebPImagePlugin

from email_image_app.imagegen.options import MIME_TYPES, detect_format
from email_image_app.domain.formatting import format_bytes
from email_image_app.domain.messages import Message, message

from email_image_app.domain.imaging import DEFAULT_UPLOAD_MAX_BYTES, DEFAULT_UPLOAD_MAX_PIXELS, FORMAT_LABELS, IMAGE_FORMATS, _DECODE_ERRORS, encode, has_alpha


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

"""Multipart parts of an edit request: `image` or repeated `image[]`, `mask`, and form fields,
encoded as openai-python does. Every file part carries a filename and an image content type."""

from __future__ import annotations

from typing import Any, Mapping, Sequence, Union

from .events import InvalidRequestError
from .options import MIME_TYPES, detect_format

MAX_EDIT_IMAGES = 16

ImageFile = Union[bytes, tuple[str, bytes, str]]


def form_fields(fields: Mapping[str, object]) -> dict[str, str]:
    # As openai-python encodes forms: booleans as "true"/"false", numbers as decimal strings.
    def text(value: object) -> str:
        return ("true" if value else "false") if isinstance(value, bool) else str(value)

    return {name: text(value) for name, value in fields.items() if value is not None}


def sniff_image_type(data: bytes) -> str | None:
    """'image/png' | 'image/jpeg' | 'image/webp' from the magic bytes, or None."""
    image_format = detect_format(data)
    return MIME_TYPES[image_format] if image_format else None


def _file_part(file: ImageFile, default_stem: str, param: str) -> tuple[str, bytes, str]:
    """(filename, bytes, content type). Every part needs an image type (notes §6.10)."""
    if isinstance(file, tuple):
        filename, data, content_type = file
        data = bytes(data)
    else:
        filename, data, content_type = "", bytes(file), ""
    if not data:
        raise InvalidRequestError(f"The {default_stem.replace('-', ' ')} file is empty.", param=param)
    if not content_type.startswith("image/"):
        content_type = sniff_image_type(data) or ""
    if not content_type:
        raise InvalidRequestError(
            f"The {default_stem.replace('-', ' ')} is not a PNG, JPEG or WebP image.",
            param=param,
            code="unsupported_file_mimetype",
        )
    if not filename:
        extension = {"image/jpeg": "jpg"}.get(content_type, content_type.partition("/")[2] or "png")
        filename = f"{default_stem}.{extension}"
    return filename, data, content_type


def image_parts(images: Sequence[ImageFile] | ImageFile, mask: ImageFile | None) -> list[tuple[str, Any]]:
    files = _as_image_list(images)
    if not files:
        raise InvalidRequestError("Add an image to edit.", param="image")
    if len(files) > MAX_EDIT_IMAGES:
        raise InvalidRequestError(f"At most {MAX_EDIT_IMAGES} images can be edited at once.", param="image")
    # One file goes as `image`, several as repeated `image[]` (openai-python's array_format="brackets").
    if len(files) == 1:
        parts: list[tuple[str, Any]] = [("image", _file_part(files[0], "image", "image"))]
    else:
        parts = [("image[]", _file_part(file, f"image-{i + 1}", "image")) for i, file in enumerate(files)]
    if mask is not None:
        filename, data, content_type = _file_part(mask, "mask", "mask")
        if content_type != "image/png":
            raise InvalidRequestError("The mask must be a PNG with an alpha channel.", param="mask")
        parts.append(("mask", (filename, data, content_type)))
    return parts


def _as_image_list(images: Sequence[ImageFile] | ImageFile) -> list[ImageFile]:
    if isinstance(images, (bytes, bytearray, memoryview)):
        return [bytes(images)]
    if isinstance(images, tuple) and len(images) == 3 and isinstance(images[0], str):
        return [images]  # one (filename, bytes, content type) file
    return list(images)

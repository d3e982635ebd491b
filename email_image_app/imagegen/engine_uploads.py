"""Reading an edit's uploaded images and mask (multipart, or JSON with `images[].image_url` data
URLs): their count, types, sizes and pixels checked against `EngineLimits` before anything is
decoded in full, then decoded once and reduced to the output size (engine_inputs.py).
Anything wrong is an `ApiError` (a 4xx in OpenAI's error JSON), as in engine_requests.py.
"""

from __future__ import annotations

import base64
import binascii
import io
from dataclasses import dataclass, field
from typing import Any

from PIL import Image
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request

from email_image_app.imagegen.engine_errors import ApiError, invalid_value
from email_image_app.imagegen.engine_fields import BodyEncoding
from email_image_app.imagegen.engine_inputs import EditInputs, UnreadableInputError, load_edit_inputs
from email_image_app.imagegen.options import (
    ImageOptions,
    parse_size,
)

from email_image_app.imagegen.engine_requests import (
    ACCEPTED_MIME_TYPES,
    ALPHA_MODES,
    DECODABLE_FORMATS,
    EDIT_FIELDS,
    IMAGE_PART,
    UNSUPPORTED_MIME_HINT,
    EngineLimits,
    ImageRequest,
    InputImage,
    auto_edit_size,
    check_content_length,
    check_fields,
    parse_json_object,
    read_body,
    read_fields,
)


@dataclass
class _FilePart:
    """One uploaded file, before validation. `name` is how errors refer to it (image, image[0], mask)."""

    name: str
    content_type: str | None
    data: bytes


@dataclass
class EditUpload:
    """An edit request as received (form fields, image parts, mask part), before `validate_images`."""

    fields: dict[str, Any] = field(default_factory=dict)
    images: list[_FilePart] = field(default_factory=list)
    mask: _FilePart | None = None


def _decode_data_url(url: Any, name: str) -> _FilePart:
    if not isinstance(url, str):
        raise ApiError(400, f"Invalid type for '{name}': expected a string.", param=name, code="invalid_type")
    if not url.startswith("data:"):
        raise invalid_value(name, f"Invalid '{name}': the offline engine cannot fetch URLs; send a data URL (data:image/png;base64,...).")
    header, _, payload = url[5:].partition(",")
    media_type, *parameters = header.split(";")
    if "base64" not in parameters:
        raise invalid_value(name, f"Invalid '{name}': expected a base64 data URL.")
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise invalid_value(name, f"Invalid '{name}': the base64 payload could not be decoded.") from None
    return _FilePart(name, media_type or None, data)


def json_edit_upload(body: dict[str, Any], limits: EngineLimits) -> EditUpload:
    upload = EditUpload(fields={k: v for k, v in body.items() if k not in ("images", "mask")})
    references = body.get("images")
    if references is None:
        raise ApiError(400, "Missing required parameter: 'images'.", param="images", code="missing_required_parameter")
    if not isinstance(references, list):
        raise ApiError(400, "Invalid type for 'images': expected an array of objects.", param="images", code="invalid_type")
    _check_image_count(len(references), "images", limits)
    for index, reference in enumerate(references):
        name = f"images[{index}]"
        if not isinstance(reference, dict):
            raise ApiError(400, f"Invalid type for '{name}': expected an object.", param=name, code="invalid_type")
        if "file_id" in reference:
            raise invalid_value(f"{name}.file_id", "The offline engine has no Files API; send image_url with a data URL.")
        upload.images.append(_decode_data_url(reference.get("image_url"), f"{name}.image_url"))
    mask = body.get("mask")
    if mask is not None:
        if not isinstance(mask, dict) or "image_url" not in mask:
            raise invalid_value("mask", "Invalid 'mask': expected an object with an image_url data URL.")
        upload.mask = _decode_data_url(mask["image_url"], "mask")
    return upload


def _check_image_count(count: int, param: str, limits: EngineLimits) -> None:
    if count == 0:
        raise ApiError(400, f"Missing required parameter: '{param}'.", param=param, code="missing_required_parameter")
    if count > limits.max_images:
        raise ApiError(
            400,
            f"Invalid '{param}': array too long. Expected an array with maximum length {limits.max_images}, "
            f"but got an array with length {count} instead.",
            param=param, code="array_above_max_length",
        )


async def multipart_edit_upload(request: Request, limits: EngineLimits) -> EditUpload:
    upload = EditUpload()
    raw_images: list[tuple[str, UploadFile]] = []
    try:
        # Room for a few more files than allowed, so the count check below can name the problem.
        async with request.form(max_files=limits.max_images * 4 + 2, max_fields=200) as form:
            for key, value in form.multi_items():
                is_image_key = IMAGE_PART.fullmatch(key) is not None
                if isinstance(value, str):
                    if is_image_key or key == "mask":
                        raise ApiError(
                            400,
                            f"Invalid type for '{key}': expected one of an array of files or file, but got a string instead.",
                            param=key, code="invalid_type",
                        )
                    upload.fields[key] = value
                elif is_image_key:
                    raw_images.append((key, value))
                elif key == "mask":
                    upload.mask = await _read_part("mask", value, limits)
                else:
                    raise ApiError(400, f"Unknown parameter: '{key}'.", param=key, code="unknown_parameter")
            _check_image_count(len(raw_images), "image", limits)
            single = len(raw_images) == 1 and raw_images[0][0] == "image"
            for index, (_, value) in enumerate(raw_images):
                upload.images.append(await _read_part("image" if single else f"image[{index}]", value, limits))
    except (MultiPartException, HTTPException) as error:
        detail = getattr(error, "message", None) or getattr(error, "detail", None) or str(error)
        raise ApiError(400, f"Invalid multipart body: {detail}") from None
    return upload


async def read_edit(request: Request, limits: EngineLimits) -> tuple[ImageRequest, EditUpload]:
    """An `/images/edits` request (multipart, or JSON with data URLs): its fields validated, its
    files received but not yet inspected."""
    content_type = request.headers.get("content-type", "").lower()
    if content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        check_content_length(request, limits.max_multipart_bytes)
        upload = await multipart_edit_upload(request, limits)
        encoding = BodyEncoding.FORM
    else:
        body = parse_json_object(await read_body(request, limits.max_json_bytes))
        check_fields(body, EDIT_FIELDS)
        upload = json_edit_upload(body, limits)
        encoding = BodyEncoding.JSON
    return read_fields(upload.fields, encoding, limits, edit=True), upload


async def _read_part(name: str, part: UploadFile, limits: EngineLimits) -> _FilePart:
    if part.size is not None and part.size > limits.max_file_bytes:
        raise _too_large(name, part.size, limits)
    return _FilePart(name, part.content_type, await part.read())


def _too_large(name: str, size: int, limits: EngineLimits) -> ApiError:
    return ApiError(
        400,
        f"Invalid file '{name}': {size / 1e6:.1f} MB is over the {limits.max_file_bytes / 1e6:.0f} MB limit.",
        param=name, code="file_too_large",
    )


def _unreadable(name: str) -> ApiError:
    return ApiError(
        400, f"Invalid file '{name}': the image could not be decoded. {UNSUPPORTED_MIME_HINT}",
        param=name, code="invalid_image_file",
    )


@dataclass(frozen=True)
class _Header:
    """What an image file says about itself before any pixel is decoded."""

    format: str | None
    width: int
    height: int
    has_alpha: bool


def _read_header(part: _FilePart, limits: EngineLimits) -> _Header:
    try:
        with Image.open(io.BytesIO(part.data)) as image:
            return _Header(
                image.format, image.width, image.height,
                image.mode in ALPHA_MODES or "transparency" in image.info,
            )
    except Image.DecompressionBombError:
        raise _too_many_pixels(part.name, 0, 0, limits) from None
    except Exception:  # Pillow raises many types for files it cannot identify
        raise _unreadable(part.name) from None


def _inspect_image(part: _FilePart, limits: EngineLimits) -> tuple[InputImage, _Header]:
    """Check type, bytes and pixels of one upload from its header; decoding comes later, once the
    working size is known (`load_inputs`)."""
    content_type = (part.content_type or "").split(";")[0].strip().lower()
    if not content_type:
        raise ApiError(
            400,
            f"Invalid file '{part.name}': failed to determine mimetype. Ensure you are providing the file's "
            "mimetype as part of the 'Content-Type' header.",
            param=part.name, code="missing_file_mimetype",
        )
    if content_type not in ACCEPTED_MIME_TYPES:
        raise ApiError(
            400,
            f"Invalid file '{part.name}': unsupported mimetype ('{content_type[:100]}'). {UNSUPPORTED_MIME_HINT}",
            param=part.name, code="unsupported_file_mimetype",
        )
    if len(part.data) > limits.max_file_bytes:
        raise _too_large(part.name, len(part.data), limits)
    header = _read_header(part, limits)
    if header.format not in DECODABLE_FORMATS:
        raise ApiError(
            400, f"Invalid file '{part.name}': its content is {header.format}, not an image in a supported format. {UNSUPPORTED_MIME_HINT}",
            param=part.name, code="unsupported_file_mimetype",
        )
    if header.width * header.height > limits.max_input_pixels:
        raise _too_many_pixels(part.name, header.width, header.height, limits)
    return InputImage(part.name, part.data, header.width, header.height), header


def _too_many_pixels(name: str, width: int, height: int, limits: EngineLimits) -> ApiError:
    size = f" ({width}x{height})" if width else ""
    return ApiError(
        400, f"Invalid file '{name}': the image{size} has more than {limits.max_input_pixels:,} pixels.",
        param=name, code="image_too_large",
    )


@dataclass(frozen=True)
class CheckedImages:
    """An edit's images and mask, checked from their headers and within the request's pixel cap."""

    images: tuple[InputImage, ...]
    mask: InputImage | None


def check_images(upload: EditUpload, limits: EngineLimits) -> CheckedImages:
    """Types, sizes, per-image and per-request pixel caps, and the mask's shape; no decoding."""
    images = tuple(_inspect_image(part, limits)[0] for part in upload.images)
    mask = None
    if upload.mask is not None:
        mask, mask_header = _inspect_image(upload.mask, limits)
        first = images[0]
        if (mask.width, mask.height) != (first.width, first.height):
            raise invalid_value(
                "mask",
                f"Invalid mask: it must have the same dimensions as the image ({first.width}x{first.height}); "
                f"got {mask.width}x{mask.height}.",
                type="image_generation_user_error",
            )
        if not mask_header.has_alpha:
            raise invalid_value(
                "mask", "Invalid mask: it needs an alpha channel (alpha 0 marks the area to edit).",
                type="image_generation_user_error",
            )
    total = sum(image.pixels for image in images) + (mask.pixels if mask else 0)
    if total > limits.max_total_input_pixels:
        raise ApiError(
            400,
            f"Invalid 'image': the images and mask of this request have {total:,} pixels in total; "
            f"the limit is {limits.max_total_input_pixels:,} pixels per request.",
            param="image", code="image_too_large",
        )
    return CheckedImages(images, mask)


def edit_output_size(options: ImageOptions, first: InputImage) -> tuple[int, int]:
    """The size an edit is drawn at: the asked size, or for `auto` one near the first image's."""
    if options.size == "auto":
        return auto_edit_size(options.capabilities, first.width, first.height)
    return parse_size(options.size)


def load_inputs(checked: CheckedImages, width: int, height: int) -> EditInputs:
    """Decode the checked uploads once, reduced for a `width` x `height` output (blocking: run in a
    thread). A file whose header was fine but whose pixels are not is refused here, still before
    any image is sent."""
    try:
        return load_edit_inputs(
            [image.data for image in checked.images], width, height, checked.mask.data if checked.mask else None
        )
    except UnreadableInputError as error:
        part = checked.mask if error.index is None else checked.images[error.index]
        raise _unreadable(part.name) from None

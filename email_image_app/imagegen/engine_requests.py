"""Reading and validating the offline engine's OpenAI-shaped image requests.

Turns a `/v1/images/generations` JSON body or a `/v1/images/edits` upload (multipart, or JSON with
`images[].image_url` data URLs) into checked values: the prompt, the `stream` flag, `ImageOptions`
and the input images and mask, within `EngineLimits`. Anything wrong is raised as an `ApiError`
(engine_errors.py), which answers as OpenAI's `{"error": {message, type, param, code}}` JSON with a
4xx before any image is sent; nothing a client sends may end as a 500. Fields are read by their
documented types in engine_fields.py. Serving the validated request is server.py's job.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from PIL import Image
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request

from email_image_app.imagegen.engine_errors import ApiError, invalid_type, invalid_value
from email_image_app.imagegen.engine_fields import BodyEncoding, boolean_field, image_options
from email_image_app.imagegen.engine_inputs import EditInputs, UnreadableInputError, load_edit_inputs
from email_image_app.imagegen.options import (
    MAX_PROMPT_CHARS,
    ImageOptions,
    ModelCapabilities,
    OptionsError,
    parse_size,
)

__all__ = ["ApiError", "EngineLimits", "ImageRequest", "InputImage", "invalid_value"]

ACCEPTED_MIME_TYPES = {"image/png": "PNG", "image/jpeg": "JPEG", "image/jpg": "JPEG", "image/webp": "WEBP"}
DECODABLE_FORMATS = frozenset(ACCEPTED_MIME_TYPES.values())
UNSUPPORTED_MIME_HINT = "Supported file formats are 'image/jpeg', 'image/png', and 'image/webp'."
ALPHA_MODES = frozenset({"RGBA", "LA", "PA", "RGBa", "La"})

GENERATION_FIELDS = frozenset(
    {
        "prompt", "model", "n", "size", "quality", "background", "output_format", "output_compression",
        "moderation", "stream", "partial_images", "user",
    }
)
EDIT_FIELDS = GENERATION_FIELDS | {"input_fidelity", "images", "mask"}
# DALL-E-only parameters; every model the engine serves is a GPT image model, which refuses them.
DALL_E_ONLY_FIELDS = frozenset({"response_format", "style"})
IMAGE_PART = re.compile(r"image(\[\d*\])?")
# The longest way JSON can write one prompt character: an astral character as two \uXXXX escapes.
_MAX_JSON_BYTES_PER_CHAR = 12


@dataclass
class EngineLimits:
    """Request limits (OpenAI's figures by default); tests shrink them."""

    max_file_bytes: int = 50 * 1024 * 1024
    max_input_pixels: int = 36_000_000
    # Images and mask together. Decoding is the one cost that follows the upload rather than the
    # output, so it is capped per request: one image at the per-image cap with its mask, or the same
    # pixels spread over up to 16 images.
    max_total_input_pixels: int = 72_000_000
    max_images: int = 16
    max_prompt_chars: int = MAX_PROMPT_CHARS
    max_json_bytes: int = 64 * 1024 * 1024  # JSON edits carry images as data URLs

    @property
    def max_generation_json_bytes(self) -> int:
        """A generations body is a prompt and a few short fields: the longest prompt written in
        the longest JSON escapes, plus 16 KB for the rest (~400 KB at OpenAI's 32,000 characters)."""
        return self.max_prompt_chars * _MAX_JSON_BYTES_PER_CHAR + 16 * 1024

    @property
    def max_multipart_bytes(self) -> int:
        return self.max_file_bytes * (self.max_images + 1) + 1024 * 1024


@dataclass(frozen=True)
class ImageRequest:
    """The validated non-image part of a request: what to draw and how to answer."""

    prompt: str
    stream: bool
    options: ImageOptions


@dataclass(frozen=True)
class InputImage:
    """One upload whose type, size and pixel count were checked (from its header; not decoded yet)."""

    name: str  # how errors refer to it: image, image[0], images[0].image_url, mask
    data: bytes
    width: int
    height: int

    @property
    def pixels(self) -> int:
        return self.width * self.height


def auto_edit_size(capabilities: ModelCapabilities, width: int, height: int) -> tuple[int, int]:
    """`size: auto` for an edit: the input size when the model allows it, else the nearest allowed size."""
    exact = f"{width}x{height}"
    if capabilities.fixed_sizes is not None:
        if exact in capabilities.fixed_sizes:
            return width, height
        ratio = math.log(width / height)
        return min(
            (parse_size(size) for size in capabilities.fixed_sizes),
            key=lambda size: (abs(math.log(size[0] / size[1]) - ratio), -size[0] * size[1]),
        )
    try:
        capabilities.check_size(exact)
        return width, height
    except OptionsError:
        pass
    # Free-size model: keep the aspect within limits, the area within range, sides on the grid.
    ratio = min(max(width / height, 1 / capabilities.max_ratio), capabilities.max_ratio)
    pixels = min(max(width * height, capabilities.min_pixels), capabilities.max_pixels)
    step = capabilities.size_multiple
    new_width = min(capabilities.max_width, int(math.sqrt(pixels * ratio)) // step * step)
    new_height = min(capabilities.max_height, int(new_width / ratio) // step * step)
    try:
        capabilities.check_size(f"{new_width}x{new_height}")
        return new_width, new_height
    except OptionsError:
        return 1024, 1024


# ---------------------------------------------------------------------------------------------
# Request parsing and validation
# ---------------------------------------------------------------------------------------------


def check_fields(body: Mapping[str, Any], allowed: frozenset[str]) -> None:
    for key, value in body.items():
        if key in DALL_E_ONLY_FIELDS and value is None:
            continue
        if key in DALL_E_ONLY_FIELDS or key not in allowed:
            raise ApiError(400, f"Unknown parameter: '{key[:100]}'.", param=key[:100], code="unknown_parameter")


def prompt(body: Mapping[str, Any], limit: int) -> str:
    prompt = body.get("prompt")
    if prompt is None:
        raise ApiError(400, "Missing required parameter: 'prompt'.", param="prompt", code="missing_required_parameter")
    if not isinstance(prompt, str):
        raise invalid_type("prompt", "a string", prompt)
    if not prompt.strip():
        raise ApiError(
            400, "Invalid 'prompt': empty string. Expected a string with minimum length 1, but got an empty string instead.",
            param="prompt", code="empty_string",
        )
    if len(prompt) > limit:
        raise ApiError(
            400,
            f"Invalid 'prompt': string too long. Expected a string with maximum length {limit}, "
            f"but got a string with length {len(prompt)} instead.",
            param="prompt", code="string_above_max_length",
        )
    return prompt


def read_fields(fields: Mapping[str, Any], encoding: BodyEncoding, limits: EngineLimits, *, edit: bool) -> ImageRequest:
    """Prompt, stream flag and options of a request body, each refused unless exactly right."""
    check_fields(fields, EDIT_FIELDS if edit else GENERATION_FIELDS)
    return ImageRequest(
        prompt(fields, limits.max_prompt_chars),
        boolean_field(fields, "stream", encoding),
        image_options(fields, encoding, edit=edit),
    )


def _body_too_large(limit: int) -> ApiError:
    return ApiError(413, f"The request body is larger than the limit of {limit:,} bytes for this route.", code="request_too_large")


def check_content_length(request: Request, limit: int) -> None:
    """Refuse a declared oversize body before reading any of it."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _body_too_large(limit)


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body, refused (413) as soon as it passes `limit`, whatever Content-Length claimed."""
    check_content_length(request, limit)
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > limit:
            raise _body_too_large(limit)
    return bytes(raw)


class _NonFiniteNumber(ValueError):
    pass


def _refuse_constant(name: str) -> Any:
    raise _NonFiniteNumber(name)


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e400 reads as inf
        raise _NonFiniteNumber(text)
    return value


_NOT_JSON = (
    "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your "
    "HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)"
)


def parse_json_object(raw: bytes) -> dict[str, Any]:
    """A JSON object body. `NaN`, `Infinity` and numbers too large for a float are not JSON numbers
    OpenAI takes (Python's json module accepts them); nesting deeper than the parser goes is refused."""
    try:
        body = json.loads(raw, parse_constant=_refuse_constant, parse_float=_finite_float)
    except _NonFiniteNumber as error:
        raise ApiError(400, f"Invalid JSON number '{str(error)[:40]}': numbers must be finite.", code="invalid_json") from None
    except RecursionError:
        raise ApiError(400, "The JSON body is nested too deeply.", code="invalid_json") from None
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, _NOT_JSON) from None
    if not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object.")
    return body


def read_generation(raw: bytes, limits: EngineLimits) -> ImageRequest:
    """A `/images/generations` body, from its bytes to a validated request (no I/O)."""
    return read_fields(parse_json_object(raw), BodyEncoding.JSON, limits, edit=False)


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

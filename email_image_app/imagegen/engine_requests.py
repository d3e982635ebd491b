"""Reading and validating the offline engine's OpenAI-shaped image requests.

Turns a `/v1/images/generations` JSON body or a `/v1/images/edits` upload (multipart, or JSON with
`images[].image_url` data URLs) into checked values: the prompt, the `stream` flag, `ImageOptions`
and the decoded input images and mask, within `EngineLimits`. Anything wrong is raised as an
`ApiError`, which answers as OpenAI's `{"error": {message, type, param, code}}` JSON before any
image is sent. Serving the validated request is server.py's job.
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
from starlette.responses import JSONResponse

from email_image_app.imagegen.options import (
    MAX_PROMPT_CHARS,
    ImageOptions,
    ModelCapabilities,
    OptionsError,
    parse_size,
)

ACCEPTED_MIME_TYPES = {"image/png": "PNG", "image/jpeg": "JPEG", "image/jpg": "JPEG", "image/webp": "WEBP"}
DECODABLE_FORMATS = frozenset(ACCEPTED_MIME_TYPES.values())
UNSUPPORTED_MIME_HINT = "Supported file formats are 'image/jpeg', 'image/png', and 'image/webp'."

GENERATION_FIELDS = frozenset(
    {
        "prompt", "model", "n", "size", "quality", "background", "output_format", "output_compression",
        "moderation", "stream", "partial_images", "user",
    }
)
EDIT_FIELDS = GENERATION_FIELDS | {"input_fidelity", "images", "mask"}
# DALL-E-only parameters; every model the engine serves is a GPT image model, which refuses them.
DALL_E_ONLY_FIELDS = frozenset({"response_format", "style"})
# Option errors OpenAI reports from the image service rather than the request gateway.
IMAGE_SERVICE_FIELDS = frozenset({"model", "size", "quality", "background", "input_fidelity"})
IMAGE_PART = re.compile(r"image(\[\d*\])?")


@dataclass
class EngineLimits:
    """Upload limits (OpenAI's figures by default); tests shrink them."""

    max_file_bytes: int = 50 * 1024 * 1024
    max_input_pixels: int = 36_000_000
    max_images: int = 16
    max_prompt_chars: int = MAX_PROMPT_CHARS
    max_json_bytes: int = 64 * 1024 * 1024  # JSON edits carry images as data URLs

    @property
    def max_multipart_bytes(self) -> int:
        return self.max_file_bytes * (self.max_images + 1) + 1024 * 1024


class ApiError(Exception):
    """An error answered before any image is sent, as OpenAI's JSON error body."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.type, self.param, self.code = status, message, type, param, code
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})

    def response(self, request_id: str) -> JSONResponse:
        error = {"message": self.message, "type": self.type, "param": self.param, "code": self.code, **self.extra}
        return JSONResponse({"error": error}, status_code=self.status, headers={"x-request-id": request_id, **self.headers})


def invalid_value(param: str, message: str, *, type: str = "invalid_request_error") -> ApiError:
    return ApiError(400, message, type=type, param=param, code="invalid_value")


@dataclass(frozen=True)
class InputImage:
    data: bytes
    width: int
    height: int


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
            raise ApiError(400, f"Unknown parameter: '{key}'.", param=key, code="unknown_parameter")


def prompt(body: Mapping[str, Any], limit: int) -> str:
    prompt = body.get("prompt")
    if prompt is None:
        raise ApiError(400, "Missing required parameter: 'prompt'.", param="prompt", code="missing_required_parameter")
    if not isinstance(prompt, str):
        raise ApiError(
            400, f"Invalid type for 'prompt': expected a string, but got {type(prompt).__name__} instead.",
            param="prompt", code="invalid_type",
        )
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


def stream_flag(value: Any) -> bool:
    """The body's `stream` (JSON true, or the SDK's multipart "true")."""
    if value in (None, False, "", "false", "False"):
        return False
    if value in (True, "true", "True"):
        return True
    raise ApiError(400, "Invalid type for 'stream': expected a boolean.", param="stream", code="invalid_type")


def options(body: Mapping[str, Any], *, edit: bool) -> ImageOptions:
    try:
        return ImageOptions.from_request(dict(body)).validate(edit=edit)
    except OptionsError as error:
        code = "invalid_value"
        if error.field == "input_fidelity" and "does not support" in error.message:
            code = "invalid_input_fidelity_model"
        error_type = "image_generation_user_error" if error.field in IMAGE_SERVICE_FIELDS else "invalid_request_error"
        raise ApiError(400, error.message, type=error_type, param=error.field, code=code) from None


async def read_json(request: Request, limit: int) -> dict[str, Any]:
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > limit:
            raise ApiError(400, f"The request body is larger than {limit} bytes.", code="request_too_large")
    try:
        body = json.loads(bytes(raw))
    except (ValueError, UnicodeDecodeError):
        raise ApiError(
            400,
            "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your "
            "HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
        ) from None
    if not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object.")
    return body


def check_content_length(request: Request, limit: int) -> None:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise ApiError(400, f"The request body ({int(declared)} bytes) is larger than the limit of {limit} bytes.", code="request_too_large")


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


def _inspect_image(part: _FilePart, limits: EngineLimits) -> InputImage:
    """Check type, bytes and pixels of one upload and decode it fully (blocking: run in a thread)."""
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
            f"Invalid file '{part.name}': unsupported mimetype ('{content_type}'). {UNSUPPORTED_MIME_HINT}",
            param=part.name, code="unsupported_file_mimetype",
        )
    if len(part.data) > limits.max_file_bytes:
        raise _too_large(part.name, len(part.data), limits)
    try:
        with Image.open(io.BytesIO(part.data)) as image:
            if image.format not in DECODABLE_FORMATS:
                raise ApiError(
                    400, f"Invalid file '{part.name}': its content is {image.format}, not an image in a supported format. {UNSUPPORTED_MIME_HINT}",
                    param=part.name, code="unsupported_file_mimetype",
                )
            width, height = image.size
            if width * height > limits.max_input_pixels:
                raise _too_many_pixels(part.name, width, height, limits)
            image.load()
    except Image.DecompressionBombError:
        raise _too_many_pixels(part.name, 0, 0, limits) from None
    except ApiError:
        raise
    except Exception:
        raise ApiError(
            400, f"Invalid file '{part.name}': the image could not be decoded. {UNSUPPORTED_MIME_HINT}",
            param=part.name, code="invalid_image_file",
        ) from None
    return InputImage(part.data, width, height)


def _too_many_pixels(name: str, width: int, height: int, limits: EngineLimits) -> ApiError:
    size = f" ({width}x{height})" if width else ""
    return ApiError(
        400, f"Invalid file '{name}': the image{size} has more than {limits.max_input_pixels:,} pixels.",
        param=name, code="image_too_large",
    )


def validate_images(upload: EditUpload, limits: EngineLimits) -> tuple[tuple[InputImage, ...], bytes | None]:
    """Blocking (decodes every image): run it in a thread."""
    images = tuple(_inspect_image(part, limits) for part in upload.images)
    if upload.mask is None:
        return images, None
    mask = _inspect_image(upload.mask, limits)
    first = images[0]
    if (mask.width, mask.height) != (first.width, first.height):
        raise invalid_value(
            "mask",
            f"Invalid mask: it must have the same dimensions as the image ({first.width}x{first.height}); "
            f"got {mask.width}x{mask.height}.",
            type="image_generation_user_error",
        )
    with Image.open(io.BytesIO(mask.data)) as decoded:
        if decoded.mode not in ("RGBA", "LA", "PA", "RGBa", "La") and "transparency" not in decoded.info:
            raise invalid_value(
                "mask", "Invalid mask: it needs an alpha channel (alpha 0 marks the area to edit).",
                type="image_generation_user_error",
            )
    return images, mask.data

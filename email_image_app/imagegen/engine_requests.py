"""Reading and validating the offline engine's OpenAI-shaped image requests.

Turns a `/v1/images/generations` JSON body or the fields of a `/v1/images/edits` request (its uploads: engine_uploads.py; multipart, or JSON with
`images[].image_url` data URLs) into checked values: the prompt, the `stream` flag, `ImageOptions`
and the input images and mask, within `EngineLimits`. Anything wrong is raised as an `ApiError`
(engine_errors.py), which answers as OpenAI's `{"error": {message, type, param, code}}` JSON with a
4xx before any image is sent; nothing a client sends may end as a 500. Fields are read by their
documented types in engine_fields.py. Serving the validated request is server.py's job.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any, Mapping

from starlette.requests import Request

from email_image_app.imagegen.engine_errors import ApiError, invalid_type, invalid_value
from email_image_app.imagegen.engine_fields import BodyEncoding, boolean_field, image_options
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

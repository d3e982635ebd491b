"""The offline engine's HTTP face: OpenAI-compatible `/v1/images/generations` and `/v1/images/edits`.

Speaks the wire protocol of notes/openai-images-api.md: JSON errors before the stream (HTTP 4xx,
OpenAI's `{"error": {message, type, param, code}}`), and with `"stream": true` in the body (never the
`Accept` header) an SSE stream of `event: <type>\\ndata: <compact json>\\n\\n` frames:
`image_generation.partial_image` / `image_edit.partial_image` events, then one `*.completed` with
`usage` per image, no `[DONE]`. Runtime failures after the 200 become an `event: error` with the
details nested under `"error"`, which the official SDK raises as `APIError`.

Routes answer both with and without the `/v1` prefix, so the app may be served standalone
(`create_engine_app()` at `/`) or mounted at `/v1` (`Mount("/v1", app=create_engine_app())`).

The pause between streamed events is `step_delay` seconds, or when that is None the environment
variable `LOCAL_ENGINE_STEP_DELAY` read at each request (default 0). Each stage is rendered in a
worker thread just before it is sent, so a slow step shows progressively, and a client that goes
away stops the work at the next stage.

Test hooks: a literal marker in the prompt makes the engine misbehave on purpose, so the app's
browser tests can show error handling against the real engine:

- `[[engine:error]]`: one partial, then a mid-stream `error` event
  (`image_generation_server_error` / `image_generation_failed`); HTTP 500 when not streaming.
- `[[engine:moderation]]`: one partial, then a mid-stream `moderation_blocked` error
  (`image_generation_user_error`); HTTP 400 when not streaming.
- `[[engine:cut]]`: two partials, then the stream closes without `*.completed` (stream only).
- `[[engine:401]]`: HTTP 401 `invalid_api_key`.
- `[[engine:429]]`: HTTP 429 `rate_limit_exceeded` with `Retry-After: 1` (SDKs retry it).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import io
import json
import logging
import math
import os
import re
import time
import uuid
import dataclasses
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Mapping

from PIL import Image
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from email_image_app.imagegen import engine
from email_image_app.imagegen.options import (
    MAX_PROMPT_CHARS,
    ImageOptions,
    ModelCapabilities,
    OptionsError,
    parse_size,
)

logger = logging.getLogger(__name__)

STEP_DELAY_ENV = "LOCAL_ENGINE_STEP_DELAY"
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
HOOK = re.compile(r"\[\[engine:(error|moderation|cut|401|429)\]\]")


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


@dataclass
class EngineStats:
    """Counters a test can read to see what the engine did (e.g. stopped after a disconnect)."""

    streams_started: int = 0
    streams_completed: int = 0
    streams_ended_early: int = 0  # client went away, a test hook, or a render failure
    stages_rendered: int = 0


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


# ---------------------------------------------------------------------------------------------
# A validated request
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InputImage:
    data: bytes
    width: int
    height: int


@dataclass(frozen=True)
class ImageJob:
    """Everything needed to render and report one validated request."""

    prompt: str
    options: ImageOptions
    width: int
    height: int
    stream: bool
    images: tuple[InputImage, ...] = ()
    mask: bytes | None = None

    @property
    def is_edit(self) -> bool:
        return bool(self.images)

    @property
    def event_prefix(self) -> str:
        return "image_edit" if self.is_edit else "image_generation"

    @property
    def hook(self) -> str | None:
        match = HOOK.search(self.prompt)
        return match.group(1) if match else None

    @property
    def resolved_fields(self) -> dict[str, str]:
        """size/quality/background/output_format as reported: resolved, never 'auto'."""
        return {
            "size": f"{self.width}x{self.height}",
            "quality": engine.resolve_quality(self.options.quality),
            "background": engine.resolve_background(self.options.background, self.options.output_format),
            "output_format": self.options.output_format,
        }

    def render_stage(self, stage: int, stages: int, variant: int) -> bytes:
        """Blocking: run it in a worker thread."""
        common = dict(
            output_format=self.options.output_format,
            background=self.options.background,
            quality=self.options.quality,
            output_compression=self.options.output_compression,
            stage=stage,
            stages=stages,
            variant=variant,
        )
        if self.is_edit:
            return engine.edit([image.data for image in self.images], self.prompt, self.width, self.height, mask=self.mask, **common)
        return engine.render(self.prompt, self.width, self.height, **common)

    def usage(self, partial_images_sent: int) -> dict[str, Any]:
        return engine.usage_for(
            self.prompt,
            self.width,
            self.height,
            self.options.quality,
            partial_images_sent,
            input_images=[(image.width, image.height) for image in self.images],
        )


def combined_usage(prompt_usage: Mapping[str, Any], outputs: list[int]) -> dict[str, Any]:
    """Usage of an n-image response: the input counted once, the outputs summed."""
    output_tokens = sum(outputs)
    return {**prompt_usage, "output_tokens": output_tokens, "total_tokens": prompt_usage["input_tokens"] + output_tokens}


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


def _check_fields(body: Mapping[str, Any], allowed: frozenset[str]) -> None:
    for key, value in body.items():
        if key in DALL_E_ONLY_FIELDS and value is None:
            continue
        if key in DALL_E_ONLY_FIELDS or key not in allowed:
            raise ApiError(400, f"Unknown parameter: '{key}'.", param=key, code="unknown_parameter")


def _prompt(body: Mapping[str, Any], limit: int) -> str:
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


def _stream_flag(value: Any) -> bool:
    """The body's `stream` (JSON true, or the SDK's multipart "true")."""
    if value in (None, False, "", "false", "False"):
        return False
    if value in (True, "true", "True"):
        return True
    raise ApiError(400, "Invalid type for 'stream': expected a boolean.", param="stream", code="invalid_type")


def _options(body: Mapping[str, Any], *, edit: bool) -> ImageOptions:
    try:
        return ImageOptions.from_request(dict(body)).validate(edit=edit)
    except OptionsError as error:
        code = "invalid_value"
        if error.field == "input_fidelity" and "does not support" in error.message:
            code = "invalid_input_fidelity_model"
        error_type = "image_generation_user_error" if error.field in IMAGE_SERVICE_FIELDS else "invalid_request_error"
        raise ApiError(400, error.message, type=error_type, param=error.field, code=code) from None


async def _read_json(request: Request, limit: int) -> dict[str, Any]:
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


def _check_content_length(request: Request, limit: int) -> None:
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
class _EditUpload:
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


def _json_edit_upload(body: dict[str, Any], limits: EngineLimits) -> _EditUpload:
    upload = _EditUpload(fields={k: v for k, v in body.items() if k not in ("images", "mask")})
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


async def _multipart_edit_upload(request: Request, limits: EngineLimits) -> _EditUpload:
    upload = _EditUpload()
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


def _validate_images(upload: _EditUpload, limits: EngineLimits) -> tuple[tuple[InputImage, ...], bytes | None]:
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


# ---------------------------------------------------------------------------------------------
# Endpoints
# ---------------------------------------------------------------------------------------------


def sse_frame(event_type: str, payload: Mapping[str, Any]) -> bytes:
    """One SSE event exactly as OpenAI frames it: an event line, one compact data line, a blank line."""
    return f"event: {event_type}\ndata: {json.dumps(payload, separators=(',', ':'))}\n\n".encode()


def _error_payload(error_type: str, code: str, message: str) -> dict[str, Any]:
    return {"type": error_type, "code": code, "message": message, "param": None}


GENERATION_FAILED = _error_payload("image_generation_server_error", "image_generation_failed", "Image generation failed")
MODERATION_BLOCKED = _error_payload(
    "image_generation_user_error", "moderation_blocked", "Your request was rejected by the safety system."
)


def _hook_error(hook: str | None) -> ApiError | None:
    """The HTTP error a test hook asks for before any image is sent."""
    if hook == "401":
        return ApiError(
            401, "Incorrect API key provided. (offline engine test hook [[engine:401]])", code="invalid_api_key"
        )
    if hook == "429":
        return ApiError(
            429,
            "You've exceeded the rate limit, please slow down and try again after 1 seconds. "
            "(offline engine test hook [[engine:429]])",
            type="rate_limit_exceeded", code="rate_limit_exceeded", headers={"Retry-After": "1"},
        )
    return None


class EngineEndpoints:
    """The engine's request handlers, with their configuration and counters."""

    def __init__(self, step_delay: float | None = None, limits: EngineLimits | None = None) -> None:
        self._step_delay = step_delay
        self.limits = limits or EngineLimits()
        self.stats = EngineStats()

    @property
    def step_delay(self) -> float:
        if self._step_delay is not None:
            return self._step_delay
        try:
            return max(0.0, float(os.environ.get(STEP_DELAY_ENV, "0") or 0))
        except ValueError:
            return 0.0

    @property
    def routes(self) -> list[Route]:
        image_routes = [
            Route(prefix + path, endpoint, methods=["POST"])
            for prefix in ("/v1", "")
            for path, endpoint in (("/images/generations", self.generations), ("/images/edits", self.edits))
        ]
        return [*image_routes, Route("/v1/engine/status", self.status, methods=["GET"])]

    async def status(self, request: Request) -> Response:
        """Counters of what the engine did (not an OpenAI route): lets tests and operators see
        that a cancelled stream really stopped the work."""
        return JSONResponse({"engine": "offline", "step_delay": self.step_delay, **dataclasses.asdict(self.stats)})

    async def generations(self, request: Request) -> Response:
        request_id = f"req_{uuid.uuid4().hex}"
        try:
            body = await _read_json(request, self.limits.max_json_bytes)
            _check_fields(body, GENERATION_FIELDS)
            prompt = _prompt(body, self.limits.max_prompt_chars)
            stream = _stream_flag(body.get("stream"))
            options = _options(body, edit=False)
            # `auto` renders square, like OpenAI's most common choice.
            width, height = (1024, 1024) if options.size == "auto" else parse_size(options.size)
            job = ImageJob(prompt, options, width, height, stream)
            return await self._respond(request, job, request_id)
        except ApiError as error:
            return error.response(request_id)

    async def edits(self, request: Request) -> Response:
        request_id = f"req_{uuid.uuid4().hex}"
        try:
            content_type = request.headers.get("content-type", "").lower()
            if content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
                _check_content_length(request, self.limits.max_multipart_bytes)
                upload = await _multipart_edit_upload(request, self.limits)
            else:
                body = await _read_json(request, self.limits.max_json_bytes)
                _check_fields(body, EDIT_FIELDS)
                upload = _json_edit_upload(body, self.limits)
            _check_fields(upload.fields, EDIT_FIELDS)
            prompt = _prompt(upload.fields, self.limits.max_prompt_chars)
            stream = _stream_flag(upload.fields.get("stream"))
            options = _options(upload.fields, edit=True)
            images, mask = await asyncio.to_thread(_validate_images, upload, self.limits)
            if options.size == "auto":
                width, height = auto_edit_size(options.capabilities, images[0].width, images[0].height)
            else:
                width, height = parse_size(options.size)
            job = ImageJob(prompt, options, width, height, stream, images, mask)
            return await self._respond(request, job, request_id)
        except ApiError as error:
            return error.response(request_id)

    async def _respond(self, request: Request, job: ImageJob, request_id: str) -> Response:
        hook_error = _hook_error(job.hook)
        if hook_error is not None:
            raise hook_error
        if job.stream:
            return StreamingResponse(
                self._event_stream(request, job),
                media_type="text/event-stream",  # Starlette appends "; charset=utf-8"
                headers={"Cache-Control": "no-cache", "x-request-id": request_id, "X-Accel-Buffering": "no"},
            )
        return JSONResponse(await self._images_response(job), headers={"x-request-id": request_id})

    async def _images_response(self, job: ImageJob) -> dict[str, Any]:
        """The non-stream `ImagesResponse`: every image at once."""
        if job.hook == "error":
            raise ApiError(500, GENERATION_FAILED["message"], type=GENERATION_FAILED["type"], code=GENERATION_FAILED["code"])
        if job.hook == "moderation":
            raise ApiError(
                400, MODERATION_BLOCKED["message"], type=MODERATION_BLOCKED["type"], code=MODERATION_BLOCKED["code"],
                extra={"moderation_details": {"moderation_stage": "output", "categories": ["other"]}},
            )
        images = []
        for variant in range(job.options.n):
            await asyncio.sleep(self.step_delay)
            images.append(await asyncio.to_thread(job.render_stage, 0, 1, variant))
            self.stats.stages_rendered += 1
        usage = job.usage(0)
        return {
            "created": int(time.time()),
            "background": job.resolved_fields["background"],
            "data": [{"b64_json": base64.b64encode(image).decode("ascii")} for image in images],
            "output_format": job.options.output_format,
            "quality": job.resolved_fields["quality"],
            "size": job.resolved_fields["size"],
            "usage": combined_usage(usage, [usage["output_tokens"]] * len(images)),
        }

    async def _event_stream(self, request: Request, job: ImageJob) -> AsyncIterator[bytes]:
        """Partials then a completed event per image; each stage rendered just before it is sent."""
        self.stats.streams_started += 1
        hook, prefix, fields = job.hook, job.event_prefix, job.resolved_fields
        partial_count = {"error": 1, "moderation": 1, "cut": 2}.get(hook or "", job.options.partial_images)
        sequence = 0
        completed = False
        try:
            for variant in range(job.options.n):
                stages = partial_count + 1
                for stage in range(stages):
                    if sequence:
                        await asyncio.sleep(self.step_delay)
                    if await request.is_disconnected():
                        return
                    is_final = stage == stages - 1
                    if is_final and hook == "cut":
                        return
                    if is_final and hook in ("error", "moderation"):
                        error = GENERATION_FAILED if hook == "error" else MODERATION_BLOCKED
                        yield sse_frame("error", {"type": "error", "error": error, "sequence_number": sequence})
                        return
                    try:
                        image = await asyncio.to_thread(job.render_stage, stage, stages, variant)
                    except Exception:
                        logger.exception("offline engine: rendering stage %d of %d failed", stage, stages)
                        yield sse_frame("error", {"type": "error", "error": GENERATION_FAILED, "sequence_number": sequence})
                        return
                    self.stats.stages_rendered += 1
                    event: dict[str, Any] = {
                        "type": f"{prefix}.completed" if is_final else f"{prefix}.partial_image",
                        "b64_json": base64.b64encode(image).decode("ascii"),
                        "created_at": int(time.time()),
                        **fields,
                    }
                    if is_final:
                        event["usage"] = job.usage(partial_count)
                    else:
                        event["partial_image_index"] = stage
                    event["sequence_number"] = sequence
                    yield sse_frame(event["type"], event)
                    sequence += 1
            completed = True
        finally:
            if completed:
                self.stats.streams_completed += 1
            else:
                self.stats.streams_ended_early += 1


def create_engine_app(step_delay: float | None = None, *, limits: EngineLimits | None = None) -> Starlette:
    """A Starlette app serving the engine; `app.state.engine` is its `EngineEndpoints` (stats, limits)."""
    endpoints = EngineEndpoints(step_delay, limits)
    app = Starlette(routes=endpoints.routes)
    app.state.engine = endpoints
    return app


# Routes of a default engine (step delay from LOCAL_ENGINE_STEP_DELAY at each request).
routes: list[Route] = EngineEndpoints().routes

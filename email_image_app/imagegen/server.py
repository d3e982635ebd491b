"""The offline engine's HTTP face: OpenAI-compatible `/v1/images/generations` and `/v1/images/edits`.

Speaks the wire protocol of notes/openai-images-api.md: JSON errors before the stream (HTTP 4xx,
OpenAI's `{"error": {message, type, param, code}}`), and with `"stream": true` in the body (never the
`Accept` header) an SSE stream of `event: <type>\\ndata: <compact json>\\n\\n` frames:
`image_generation.partial_image` / `image_edit.partial_image` events, then one `*.completed` with
`usage` per image, no `[DONE]`. Runtime failures after the 200 become an `event: error` with the
details nested under `"error"`, which the official SDK raises as `APIError`.

Routes answer both with and without the `/v1` prefix, so the app may be served standalone
(`create_engine_app()` at `/`) or mounted at `/v1` (`Mount("/v1", app=create_engine_app())`).

Routes take every method and answer any but theirs with 405, OpenAI's error JSON and an `Allow`
header. (A POST-only Starlette route only half-matches a GET, so when the routes are mounted in
front of the Reflex app, Reflex's catch-all answered instead, with its HTML 404 page.)

The pause between streamed events is `step_delay` seconds, or when that is None the environment
variable `LOCAL_ENGINE_STEP_DELAY` read at each request (default 0). Each stage is rendered in a
worker thread just before it is sent, so a slow step shows progressively, and a client that goes
away stops the work at the next stage: streamed or not. Edit inputs are decoded once per request,
already reduced to the output size (engine_inputs.py), so the cost of a request follows its output.

Test hooks: with `LOCAL_ENGINE_FAULTS=1` in the environment (read at each request; or
`faults=True` given to the engine), a literal marker in the prompt makes the engine misbehave on
purpose, so the app's browser tests can show error handling against the real engine. Without it a
marker is just prompt text:

- `[[engine:error]]`: one partial, then a mid-stream `error` event
  (`image_generation_server_error` / `image_generation_failed`); HTTP 500 when not streaming.
- `[[engine:moderation]]`: one partial, then a mid-stream `moderation_blocked` error
  (`image_generation_user_error`); HTTP 400 when not streaming.
- `[[engine:cut]]`: two partials, then the stream closes without `*.completed` (stream only).
- `[[engine:401]]`: HTTP 401 `invalid_api_key`.
- `[[engine:429]]`: HTTP 429 `rate_limit_exceeded` with `Retry-After: 1` (SDKs retry it).

Reading and validating the requests (bodies, limits, OpenAI's errors) is engine_requests.py; an edit's uploads, engine_uploads.py.
"""

from __future__ import annotations

import asyncio
import collections
import base64
import json
import logging
import math
import os
import re
import time
import uuid
import dataclasses
from dataclasses import dataclass
from typing import Any, AsyncIterator, Awaitable, Callable, Mapping

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route, request_response
from starlette.types import Receive, Scope, Send

from email_image_app.imagegen import engine_requests
from email_image_app.imagegen import engine_uploads
from email_image_app.imagegen.engine_errors import ApiError
from email_image_app.imagegen.engine_job import ImageJob, combined_usage
from email_image_app.imagegen.engine_requests import EngineLimits
from email_image_app.imagegen.options import parse_size

logger = logging.getLogger(__name__)

STEP_DELAY_ENV = "LOCAL_ENGINE_STEP_DELAY"
FAULTS_ENV = "LOCAL_ENGINE_FAULTS"
HOOK = re.compile(r"\[\[engine:(error|moderation|cut|401|429)\]\]")


@dataclass
class EngineStats:
    """Counters a test can read to see what the engine did (e.g. stopped after a disconnect)."""

    streams_started: int = 0
    streams_completed: int = 0
    streams_ended_early: int = 0  # client went away, a test hook, or a render failure
    stages_rendered: int = 0
    responses_abandoned: int = 0  # non-stream requests whose client left before the images were done


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


def fault_marker(prompt: str) -> str | None:
    """The test hook a prompt names, e.g. "401" for `[[engine:401]]`."""
    match = HOOK.search(prompt)
    return match.group(1) if match else None


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


class MethodGuard:
    """An ASGI endpoint that serves `allowed` methods with `endpoint` and answers any other with 405.

    Given to `Route` as a plain ASGI app, so the route matches every method fully: Starlette then
    never falls through to a later catch-all (the Reflex app behind `api_transformer`), and the 405
    is OpenAI's JSON instead of Starlette's plain text.
    """

    def __init__(self, endpoint: Callable[[Request], Awaitable[Response]], allowed: tuple[str, ...]) -> None:
        self.allowed = allowed
        self._app = request_response(endpoint)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] in self.allowed:
            await self._app(scope, receive, send)
            return
        error = ApiError(
            405,
            # scope["path"] is the full path, mount prefix included (ASGI; Starlette's Mount keeps it).
            f"Invalid method for URL ({scope['method']} {scope['path']}): use {' or '.join(self.allowed)}.",
            code="method_not_allowed",
            headers={"Allow": ", ".join(self.allowed)},
        )
        await error.response(f"req_{uuid.uuid4().hex}")(scope, receive, send)


class EngineEndpoints:
    """The engine's request handlers, with their configuration and counters."""

    def __init__(
        self, step_delay: float | None = None, limits: EngineLimits | None = None, *, faults: bool | None = None
    ) -> None:
        self._step_delay = step_delay
        self._faults = faults
        self.limits = limits or EngineLimits()
        self.stats = EngineStats()
        # With faults on (tests only), the prompts of streams that ended early, so a test can ask
        # about its own request rather than read a counter every other stream moves.
        self._ended_early_prompts: collections.deque[str] = collections.deque(maxlen=500)

    @property
    def step_delay(self) -> float:
        if self._step_delay is not None:
            return self._step_delay
        try:
            delay = float(os.environ.get(STEP_DELAY_ENV, "0") or 0)
        except ValueError:
            return 0.0
        return delay if math.isfinite(delay) and delay > 0 else 0.0

    @property
    def faults_enabled(self) -> bool:
        """Whether prompt markers trigger the test hooks. Off unless asked for: in production a
        marker is just prompt text, and nobody can make the engine fail on purpose."""
        return self._faults if self._faults is not None else _env_flag(FAULTS_ENV)

    @property
    def routes(self) -> list[Route]:
        image_routes = [
            Route(prefix + path, MethodGuard(endpoint, ("POST",)))
            for prefix in ("/v1", "")
            for path, endpoint in (("/images/generations", self.generations), ("/images/edits", self.edits))
        ]
        return [*image_routes, Route("/v1/engine/status", MethodGuard(self.status, ("GET", "HEAD")))]

    async def status(self, request: Request) -> Response:
        """Counters of what the engine did (not an OpenAI route): lets tests and operators see
        that a cancelled stream really stopped the work."""
        body = {"engine": "offline", "step_delay": self.step_delay, **dataclasses.asdict(self.stats)}
        word = request.query_params.get("prompt_contains")
        if word and self.faults_enabled:
            body["streams_ended_early_matching"] = sum(word in prompt for prompt in self._ended_early_prompts)
        return JSONResponse(body)

    def _hook(self, prompt: str) -> str | None:
        """The fault marker to act on (None unless faults are enabled). The ones that are HTTP
        errors are raised here, before any work."""
        hook = fault_marker(prompt) if self.faults_enabled else None
        hook_error = _hook_error(hook)
        if hook_error is not None:
            raise hook_error
        return hook

    async def generations(self, request: Request) -> Response:
        request_id = f"req_{uuid.uuid4().hex}"
        try:
            raw = await engine_requests.read_body(request, self.limits.max_generation_json_bytes)
            image_request = engine_requests.read_generation(raw, self.limits)
            size = image_request.options.size
            # `auto` renders square, like OpenAI's most common choice.
            width, height = (1024, 1024) if size == "auto" else parse_size(size)
            job = ImageJob(image_request, width, height, hook=self._hook(image_request.prompt))
            return await self._respond(request, job, request_id)
        except ApiError as error:
            return error.response(request_id)

    async def edits(self, request: Request) -> Response:
        request_id = f"req_{uuid.uuid4().hex}"
        try:
            image_request, upload = await engine_uploads.read_edit(request, self.limits)
            checked = await asyncio.to_thread(engine_uploads.check_images, upload, self.limits)
            width, height = engine_uploads.edit_output_size(image_request.options, checked.images[0])
            hook = self._hook(image_request.prompt)
            inputs = await asyncio.to_thread(engine_uploads.load_inputs, checked, width, height)
            sizes = tuple((image.width, image.height) for image in checked.images)
            job = ImageJob(image_request, width, height, hook=hook, inputs=inputs, input_sizes=sizes)
            return await self._respond(request, job, request_id)
        except ApiError as error:
            return error.response(request_id)

    async def _respond(self, request: Request, job: ImageJob, request_id: str) -> Response:
        if job.stream:
            return StreamingResponse(
                self._event_stream(request, job),
                media_type="text/event-stream",  # Starlette appends "; charset=utf-8"
                headers={"Cache-Control": "no-cache", "x-request-id": request_id, "X-Accel-Buffering": "no"},
            )
        body = await self._images_response(request, job)
        if body is None:
            # The client is gone: nobody reads this answer, and the work stopped at the last step.
            return Response(status_code=499, headers={"x-request-id": request_id})
        return JSONResponse(body, headers={"x-request-id": request_id})

    async def _images_response(self, request: Request, job: ImageJob) -> dict[str, Any] | None:
        """The non-stream `ImagesResponse`: every image at once. Rendered off the event loop one
        image at a time, checking between images that the client is still there; None if it left."""
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
            if await request.is_disconnected():
                self.stats.responses_abandoned += 1
                return None
            try:
                images.append(await asyncio.to_thread(job.render_stage, 0, 1, variant))
            except Exception:
                logger.exception("offline engine: rendering image %d of %d failed", variant + 1, job.options.n)
                raise ApiError(
                    500, GENERATION_FAILED["message"], type=GENERATION_FAILED["type"], code=GENERATION_FAILED["code"]
                ) from None
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
                if self.faults_enabled:
                    self._ended_early_prompts.append(job.prompt)


def create_engine_app(
    step_delay: float | None = None, *, limits: EngineLimits | None = None, faults: bool | None = None
) -> Starlette:
    """A Starlette app serving the engine; `app.state.engine` is its `EngineEndpoints` (stats, limits).
    `faults` None reads LOCAL_ENGINE_FAULTS at each request."""
    endpoints = EngineEndpoints(step_delay, limits, faults=faults)
    app = Starlette(routes=endpoints.routes)
    app.state.engine = endpoints
    return app


# Routes of a default engine (step delay and faults from LOCAL_ENGINE_STEP_DELAY and
# LOCAL_ENGINE_FAULTS at each request).
routes: list[Route] = EngineEndpoints().routes

"""ImageStreamClient: streaming image generation and edits over httpx, for OpenAI or a compatible server.

Wire format, error shapes and retry rules: notes/openai-images-api.md (§8 is the checklist).
SSE decoding into image events lives in `sse.py`. Never imports Reflex.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import os
import time
import weakref
from contextlib import aclosing, asynccontextmanager
from dataclasses import dataclass
from typing import Any, AsyncIterator, Awaitable, Callable, Mapping, Sequence, Union

import httpx

from .events import (
    APIConnectionError,
    ImageCompleted,
    ImageStreamError,
    IncompleteStreamError,
    InvalidRequestError,
    PartialImage,
    StreamEvent,
    StreamTimeoutError,
    error_for_status,
)
from .options import MAX_PROMPT_CHARS, ImageOptions, OptionsError
from .retries import backoff, parse_retry_after, retry_delay
from .sse import ImageEventDecoder, aiter_image_events
from .uploads import ImageFile, form_fields, image_parts

OPENAI_BASE_URL = "https://api.openai.com/v1"
OFFLINE_BASE_URL = "http://localhost:3000/v1"
# The offline engine takes any key; this one marks a client as talking to it.
OFFLINE_API_KEY = "offline"

# `read` is the longest silence allowed between two bytes: a high-quality image can take minutes,
# and OpenAI sends nothing before the first partial (notes §6.1–2). Bare httpx would give up at 5 s.
DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=600.0, write=120.0, pool=10.0)
DEFAULT_MAX_RETRIES = 2

MAX_ERROR_BODY_BYTES = 64 * 1024
PartialCallback = Callable[[PartialImage], Union[Awaitable[object], object]]
CompleteCallback = Callable[[ImageCompleted], Union[Awaitable[object], object]]
ErrorCallback = Callable[[ImageStreamError], Union[Awaitable[object], object]]


@dataclass(frozen=True)
class Provider:
    """Which service a client talks to, worded for the UI."""

    name: str  # "openai" | "openai-compatible" | "offline"
    label: str
    base_url: str
    is_offline: bool

    @classmethod
    def for_url(cls, base_url: str, api_key: str | None) -> Provider:
        url = httpx.URL(base_url)
        shown_url = str(url.copy_with(username=None, password=None))  # never show URL credentials
        if api_key == OFFLINE_API_KEY:
            return cls("offline", "Offline engine", shown_url, True)
        if url.host == "api.openai.com":
            return cls("openai", "OpenAI", shown_url, False)
        host = url.host + (f":{url.port}" if url.port else "")
        return cls("openai-compatible", f"OpenAI-compatible ({host})", shown_url, False)


class ImageStreamClient:
    """Streams partial and final images from `/images/generations` and `/images/edits`.

    Use as `async with ImageStreamClient.from_env() as client:`; iterate `stream_generate(...)`
    inside `contextlib.aclosing(...)` when you may stop early, so the HTTP stream closes at once.
    """

    def __init__(
        self,
        base_url: str | None = None,
        api_key: str | None = None,
        *,
        timeout: httpx.Timeout | float | None = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        http_client: httpx.AsyncClient | None = None,
        organization: str | None = None,
        project: str | None = None,
    ) -> None:
        if base_url is None and api_key is None:
            base_url, api_key = OFFLINE_BASE_URL, OFFLINE_API_KEY
        self.base_url = (base_url or OPENAI_BASE_URL).rstrip("/")
        self._api_key = api_key  # private, and kept out of repr, messages and logs
        self.organization = organization
        self.project = project
        if max_retries < 0:
            raise ValueError("max_retries must be 0 or more")
        self.max_retries = max_retries
        if timeout is None:
            self.timeout = DEFAULT_TIMEOUT
        elif isinstance(timeout, httpx.Timeout):
            self.timeout = timeout
        else:
            self.timeout = httpx.Timeout(timeout)
        self.provider = Provider.for_url(self.base_url, api_key)
        # The timeout is also passed on every request, so a caller's client keeps our read timeout.
        self._given_http_client = http_client
        # Our own httpx clients, one per event loop: pooled connections belong to the loop that opened
        # them, and one process-wide client may be used from several loops (asyncio.run in scripts and
        # tests); reusing a pooled connection of a closed loop fails with "Event loop is closed".
        self._own_http_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient] = (
            weakref.WeakKeyDictionary()
        )

    @classmethod
    def from_env(
        cls,
        env: Mapping[str, str] = os.environ,
        *,
        offline_base_url: str = OFFLINE_BASE_URL,
        **kwargs: Any,
    ) -> ImageStreamClient:
        """OPENAI_API_KEY / OPENAI_BASE_URL (openai-python's names); neither → the offline engine."""

        def setting(name: str) -> str | None:
            return (env.get(name) or "").strip() or None

        api_key, base_url = setting("OPENAI_API_KEY"), setting("OPENAI_BASE_URL")
        if api_key is None and base_url is None:
            return cls(offline_base_url, OFFLINE_API_KEY, **kwargs)
        kwargs.setdefault("organization", setting("OPENAI_ORG_ID"))
        kwargs.setdefault("project", setting("OPENAI_PROJECT_ID"))
        return cls(base_url, api_key, **kwargs)

    def __repr__(self) -> str:
        return f"ImageStreamClient(provider={self.provider.label!r}, base_url={self.provider.base_url!r})"

    async def __aenter__(self) -> ImageStreamClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connections this client opened on the running loop (never a client passed in)."""
        own = self._own_http_clients.pop(asyncio.get_running_loop(), None)
        if own is not None:
            await own.aclose()

    def _http_client(self) -> httpx.AsyncClient:
        if self._given_http_client is not None:
            return self._given_http_client
        loop = asyncio.get_running_loop()
        client = self._own_http_clients.get(loop)
        if client is None:
            client = self._own_http_clients[loop] = httpx.AsyncClient(timeout=self.timeout)
        return client

    # ---- streaming API -------------------------------------------------------------------------

    async def stream_generate(
        self, prompt: str, options: ImageOptions | None = None
    ) -> AsyncIterator[StreamEvent]:
        """Yield `PartialImage`s then `ImageCompleted` (one per image when n > 1)."""
        started_at = time.monotonic()
        options = _checked_options(options, edit=False)
        body = {
            "prompt": _checked_prompt(prompt),
            "stream": True,
            "partial_images": options.partial_images,
            **options.request_fields(),
        }
        async for event in self._stream("/images/generations", {"json": body}, options.n, started_at):
            yield event

    async def stream_edit(
        self,
        images: Sequence[ImageFile] | ImageFile,
        prompt: str,
        options: ImageOptions | None = None,
        mask: ImageFile | None = None,
    ) -> AsyncIterator[StreamEvent]:
        """Like `stream_generate`, for 1–16 input images (multipart, as the official SDKs send it)."""
        started_at = time.monotonic()
        options = _checked_options(options, edit=True)
        fields = {
            "prompt": _checked_prompt(prompt),
            "stream": True,
            "partial_images": options.partial_images,
            **options.request_fields(edit=True),
        }
        content = {"data": form_fields(fields), "files": image_parts(images, mask)}
        async for event in self._stream("/images/edits", content, options.n, started_at):
            yield event

    # ---- callback API (the seed's shape) -------------------------------------------------------

    async def generate_stream(
        self,
        prompt: str,
        options: ImageOptions | None = None,
        *,
        on_partial_image: PartialCallback | None = None,
        on_complete: CompleteCallback | None = None,
        on_error: ErrorCallback | None = None,
    ) -> ImageCompleted | None:
        """Run a generation through callbacks (sync or async); return the last final image.

        On failure: `on_error(exc)` then None, or the exception itself when there is no `on_error`.
        """
        events = self.stream_generate(prompt, options)
        return await _drive(events, on_partial_image, on_complete, on_error)

    async def edit_stream(
        self,
        image: Sequence[ImageFile] | ImageFile,
        prompt: str,
        options: ImageOptions | None = None,
        *,
        mask: ImageFile | None = None,
        on_partial_image: PartialCallback | None = None,
        on_complete: CompleteCallback | None = None,
        on_error: ErrorCallback | None = None,
    ) -> ImageCompleted | None:
        """`generate_stream` for edits; `image` is one image or a list of up to 16."""
        events = self.stream_edit(image, prompt, options, mask)
        return await _drive(events, on_partial_image, on_complete, on_error)

    # ---- internals -----------------------------------------------------------------------------

    async def _stream(
        self, path: str, content: dict[str, Any], n: int, started_at: float
    ) -> AsyncIterator[StreamEvent]:
        decoder = ImageEventDecoder(started_at)
        try:
            async with self._open_stream(path, content) as response:
                events = aiter_image_events(response, decoder)
                try:
                    async for event in events:
                        yield event
                        if decoder.completed >= n:
                            return  # all images are in; don't wait on a server that keeps the socket
                except httpx.TimeoutException as exc:
                    raise StreamTimeoutError(
                        f"The image provider sent nothing for {_seconds(self.timeout.read)} (the read "
                        f"timeout); {_partials(decoder.partials_total)} had arrived.",
                        request_id=response.headers.get("x-request-id"),
                    ) from exc
                except httpx.HTTPError as exc:
                    raise IncompleteStreamError(
                        f"The image stream was cut off before the final image arrived "
                        f"({_partials(decoder.partials_total)} received): {_describe(exc)}",
                        request_id=response.headers.get("x-request-id"),
                    ) from exc
                finally:
                    await events.aclose()  # type: ignore[attr-defined]
                if not decoder.completed:
                    raise IncompleteStreamError(
                        f"The image stream ended before the final image arrived "
                        f"({_partials(decoder.partials_total)} received).",
                        request_id=response.headers.get("x-request-id"),
                    )
        except ImageStreamError as exc:
            self._scrub(exc)
            raise

    @asynccontextmanager
    async def _open_stream(self, path: str, content: dict[str, Any]) -> AsyncIterator[httpx.Response]:
        """A 2xx response whose body is not read yet; retried only up to this point (notes §4.4)."""
        base = httpx.URL(self.base_url)
        url = base.copy_with(path=base.path.rstrip("/") + path)  # keeps ?api-version= style queries
        http = self._http_client()
        attempt = 0
        while True:
            request = http.build_request("POST", url, headers=self._headers(), timeout=self.timeout, **content)
            delay: float | None
            try:
                response = await http.send(request, stream=True)
            except httpx.HTTPError as exc:
                error, delay = self._transport_error(exc, attempt)
                error.__cause__ = exc
            else:
                if response.is_success:
                    break
                try:
                    error = await self._status_error(response)
                finally:
                    await response.aclose()
                delay = retry_delay(response.status_code, response.headers, attempt, error.retry_after)
            if delay is None or attempt >= self.max_retries:
                raise error
            attempt += 1
            await asyncio.sleep(delay)
        try:
            yield response
        finally:
            # Runs on GeneratorExit and CancelledError too: the server sees the disconnect at once.
            await response.aclose()

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "text/event-stream, application/json"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        if self.organization:
            headers["OpenAI-Organization"] = self.organization
        if self.project:
            headers["OpenAI-Project"] = self.project
        return headers

    def _transport_error(self, exc: httpx.HTTPError, attempt: int) -> tuple[ImageStreamError, float | None]:
        """Map a failure before any response; the delay is None when retrying makes no sense."""
        where = f"{self.provider.label} at {self.provider.base_url}"
        backoff_delay = backoff(attempt)
        if isinstance(exc, (httpx.ConnectTimeout, httpx.PoolTimeout)):
            return StreamTimeoutError(f"Could not connect to {where} within {_seconds(self.timeout.connect)}."), backoff_delay
        if isinstance(exc, httpx.TimeoutException):
            # A read timeout while waiting for headers: the provider may be working; a retry
            # would double the wait and maybe the bill.
            phase = "read" if isinstance(exc, httpx.ReadTimeout) else "write"
            limit = self.timeout.read if phase == "read" else self.timeout.write
            return StreamTimeoutError(
                f"{where} did not answer within {_seconds(limit)} (the {phase} timeout)."
            ), None
        retryable = not isinstance(exc, (httpx.UnsupportedProtocol, httpx.LocalProtocolError, httpx.InvalidURL))
        return APIConnectionError(f"Could not connect to {where}: {_describe(exc)}"), (
            backoff_delay if retryable else None
        )

    async def _status_error(self, response: httpx.Response) -> ImageStreamError:
        chunks: list[bytes] = []
        size = 0
        try:
            async for chunk in response.aiter_bytes():
                chunks.append(chunk)
                size += len(chunk)
                if size >= MAX_ERROR_BODY_BYTES:
                    break  # an HTML error page from a proxy can be large; the start is enough
        except httpx.HTTPError:
            pass  # a half-read error body still has a status worth reporting
        text = b"".join(chunks)[:MAX_ERROR_BODY_BYTES].decode("utf-8", errors="replace")
        try:
            body = json.loads(text)
        except (ValueError, RecursionError):
            body = None
        return error_for_status(
            response.status_code,
            body if isinstance(body, Mapping) else None,
            retry_after=parse_retry_after(response.headers),
            request_id=response.headers.get("x-request-id"),
            fallback_text="" if isinstance(body, Mapping) else text,
        )

    def _scrub(self, error: ImageStreamError) -> None:
        """Remove the API key from a message a server wrote (some echo the key they rejected)."""
        if self._api_key and len(self._api_key) >= 8 and self._api_key in error.message:
            error.message = error.message.replace(self._api_key, "[redacted]")
            error.args = (error.message,)


# ---- helpers ---------------------------------------------------------------------------------


def _checked_prompt(prompt: str) -> str:
    if not isinstance(prompt, str) or not prompt.strip():
        raise InvalidRequestError(
            "Enter a prompt that describes the image you want.", param="prompt", code="empty_prompt"
        )
    if len(prompt) > MAX_PROMPT_CHARS:
        raise InvalidRequestError(
            f"The prompt is {len(prompt):,} characters long; the limit is {MAX_PROMPT_CHARS:,}.",
            param="prompt",
            code="string_above_max_length",
        )
    return prompt


def _checked_options(options: ImageOptions | None, *, edit: bool) -> ImageOptions:
    try:
        return (options or ImageOptions()).normalized().validate(edit=edit)
    except OptionsError as exc:
        raise InvalidRequestError(exc.message, param=exc.field, code="invalid_value") from None


async def _drive(
    events: AsyncIterator[StreamEvent],
    on_partial_image: PartialCallback | None,
    on_complete: CompleteCallback | None,
    on_error: ErrorCallback | None,
) -> ImageCompleted | None:
    last: ImageCompleted | None = None
    try:
        async with aclosing(events):  # type: ignore[type-var]
            async for event in events:
                if isinstance(event, PartialImage):
                    await _call(on_partial_image, event)
                else:
                    last = event
                    await _call(on_complete, event)
    except ImageStreamError as exc:
        if on_error is None:
            raise
        await _call(on_error, exc)
        return None
    return last


async def _call(callback: Callable[[Any], object] | None, argument: object) -> None:
    if callback is not None:
        result = callback(argument)
        if inspect.isawaitable(result):
            await result


def _describe(exc: Exception) -> str:
    # Some httpx errors (a reset connection's ReadError) have an empty message.
    return str(exc) or type(exc).__name__


def _seconds(value: float | None) -> str:
    return "an unlimited time" if value is None else f"{value:g} s"


def _partials(count: int) -> str:
    return f"{count} partial image" + ("" if count == 1 else "s")

"""ImageStreamClient against real loopback servers that replay OpenAI-shaped transcripts byte for byte.

The transcripts follow notes/openai-images-api.md §7, with real base64 PNGs made by Pillow. The
scripted server is a plain ASGI app under uvicorn (tests/loopback.py), so that the test decides
every byte and sees when the client goes away. Connections that die mid-body use a raw socket.
"""

from __future__ import annotations

import asyncio
import base64
import collections
import contextlib
import io
import json
import os
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Any, AsyncIterator, Callable, Iterator

import httpx
import pytest
from PIL import Image
from starlette.requests import Request

from email_image_app.imagegen.client import (
    DEFAULT_TIMEOUT,
    OFFLINE_API_KEY,
    ImageStreamClient,
)
from email_image_app.imagegen.retries import parse_retry_after
from email_image_app.imagegen.events import (
    APIConnectionError,
    AuthenticationError,
    ImageCompleted,
    ImageStreamError,
    IncompleteStreamError,
    InvalidRequestError,
    ModerationBlockedError,
    PartialImage,
    RateLimitError,
    ServerError,
    StreamEventError,
    StreamTimeoutError,
)
from email_image_app.imagegen.options import ImageOptions
from tests.loopback import serve_asgi

pytestmark = pytest.mark.timeout(30)

API_KEY = "sk-test-0123456789abcdefSECRET"
USAGE = {
    "input_tokens": 16,
    "input_tokens_details": {"image_tokens": 0, "text_tokens": 16},
    "output_tokens": 1256,
    "total_tokens": 1272,
}


# ---- transcript bytes ------------------------------------------------------------------------


def png_b64(color: tuple[int, int, int], size: tuple[int, int] = (32, 32)) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def jpeg_bytes(color: tuple[int, int, int] = (10, 200, 10)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), color).save(buffer, "JPEG")
    return buffer.getvalue()


PARTIAL_0 = png_b64((200, 0, 0))
PARTIAL_1 = png_b64((0, 200, 0))
PARTIAL_2 = png_b64((0, 0, 200))
FINAL = png_b64((250, 250, 250), (48, 32))


def sse(event: str | None, data: dict[str, Any] | str, newline: str = "\n") -> bytes:
    """One event as OpenAI frames it: `event:` line, one compact `data:` line, blank line."""
    text = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
    head = f"event: {event}{newline}" if event else ""
    return f"{head}data: {text}{newline}{newline}".encode()


def partial_event(index: int, b64: str, kind: str = "image_generation", **extra: Any) -> bytes:
    data = {
        "type": f"{kind}.partial_image",
        "b64_json": b64,
        "created_at": 1774267820 + index,
        "size": "1024x1024",
        "quality": "medium",
        "background": "opaque",
        "output_format": "png",
        "partial_image_index": index,
        "sequence_number": index,
        **extra,
    }
    return sse(data["type"], data)


def completed_event(b64: str = FINAL, kind: str = "image_generation", usage: dict | None = None, **extra: Any) -> bytes:
    data = {
        "type": f"{kind}.completed",
        "b64_json": b64,
        "created_at": 1774267837,
        "size": "1024x1024",
        "quality": "medium",
        "background": "opaque",
        "output_format": "png",
        "usage": usage or USAGE,
        **extra,
    }
    return sse(data["type"], data)


def error_event(code: str, message: str, error_type: str = "image_generation_server_error") -> bytes:
    error = {"type": error_type, "code": code, "message": message, "param": None}
    return sse("error", {"type": "error", "error": error, "sequence_number": 1})


def error_body(message: str, *, type: str, code: str | None = None, param: str | None = None) -> bytes:
    return json.dumps({"error": {"message": message, "type": type, "param": param, "code": code}}).encode()


# ---- the scripted server ---------------------------------------------------------------------


@dataclass
class Reply:
    """One scripted HTTP answer. `stall` keeps the connection open after `chunks` until the client leaves."""

    status: int = 200
    chunks: list[bytes] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "text/event-stream; charset=utf-8"
    stall: bool = False
    stall_before_headers: bool = False


@dataclass
class Captured:
    path: str
    headers: dict[str, str]
    body: bytes
    form: list[tuple[str, str | None, str | None, bytes]]  # name, filename, content type, value
    received_at: float = 0.0  # time.monotonic() when the request arrived


class ScriptedServer:
    """ASGI app answering each POST with the next scripted Reply, recording what it received."""

    def __init__(self) -> None:
        self.replies: collections.deque[Reply] = collections.deque()
        self.requests: list[Captured] = []
        self.disconnected = threading.Event()

    def script(self, *replies: Reply) -> None:
        self.replies.clear()
        self.replies.extend(replies)
        self.requests.clear()
        self.disconnected.clear()

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        body = await request.body()
        form: list[tuple[str, str | None, str | None, bytes]] = []
        if request.headers.get("content-type", "").startswith("multipart/form-data"):
            async with request.form() as data:
                for name, value in data.multi_items():
                    if isinstance(value, str):
                        form.append((name, None, None, value.encode()))
                    else:
                        form.append((name, value.filename, value.content_type, await value.read()))
        self.requests.append(Captured(scope["path"], dict(request.headers), body, form, time.monotonic()))
        reply = self.replies.popleft() if self.replies else Reply(500, [b'{"error":{"message":"no script"}}'])
        if reply.stall_before_headers:
            await self._wait_for_disconnect(receive)
            return
        headers = [(b"content-type", reply.content_type.encode()), (b"x-request-id", b"req_test")]
        headers += [(name.lower().encode(), value.encode()) for name, value in reply.headers.items()]
        await send({"type": "http.response.start", "status": reply.status, "headers": headers})
        for chunk in reply.chunks:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        if reply.stall:
            await self._wait_for_disconnect(receive)
            return
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def _wait_for_disconnect(self, receive: Callable) -> None:
        while (await receive())["type"] != "http.disconnect":
            pass
        self.disconnected.set()


@pytest.fixture(scope="module")
def live_server() -> Iterator[tuple[ScriptedServer, str]]:
    app = ScriptedServer()
    with serve_asgi(app) as url:
        yield app, url


@pytest.fixture
def server(live_server: tuple[ScriptedServer, str]) -> ScriptedServer:
    app, _ = live_server
    app.script()
    return app


@pytest.fixture
def base_url(live_server: tuple[ScriptedServer, str]) -> str:
    return live_server[1] + "/v1"


@contextlib.contextmanager
def raw_http_server(answer: Callable[[socket.socket, int], None]) -> Iterator[tuple[str, list[int]]]:
    """A bare socket server: reads each request, lets `answer(conn, n)` write bytes, then closes.

    For what a well-behaved ASGI server will not do: lie about Content-Length, stop a chunked
    body half-way, or reset the connection.
    """
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    connections: list[int] = []

    def read_request(conn: socket.socket) -> None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return
            data += chunk
        head, _, rest = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        while len(rest) < length:
            chunk = conn.recv(65536)
            if not chunk:
                return
            rest += chunk

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                connections.append(len(connections) + 1)
                read_request(conn)
                answer(conn, len(connections))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}/v1", connections
    finally:
        listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept() at once (Linux)
        listener.close()
        thread.join(timeout=5)


# ---- helpers ---------------------------------------------------------------------------------


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


def make_client(base_url: str, **kwargs: Any) -> ImageStreamClient:
    kwargs.setdefault("timeout", httpx.Timeout(5.0))
    return ImageStreamClient(base_url, API_KEY, **kwargs)


async def collect(
    client: ImageStreamClient, options: ImageOptions | None = None, prompt: str = "A cute baby sea otter"
) -> list[PartialImage | ImageCompleted]:
    async with client:
        return [event async for event in client.stream_generate(prompt, options or ImageOptions())]


async def collect_until_error(
    events: AsyncIterator[PartialImage | ImageCompleted],
) -> tuple[list[PartialImage | ImageCompleted], ImageStreamError]:
    received: list[PartialImage | ImageCompleted] = []
    with pytest.raises(ImageStreamError) as caught:
        async for event in events:
            received.append(event)
    return received, caught.value


def decoded_size(event: PartialImage | ImageCompleted) -> tuple[int, int]:
    with Image.open(io.BytesIO(event.image)) as image:
        image.load()
        return image.size


# ---- normal streams --------------------------------------------------------------------------


def test_generation_with_two_partials(server: ScriptedServer, base_url: str) -> None:
    server.script(Reply(chunks=[partial_event(0, PARTIAL_0), partial_event(1, PARTIAL_1), completed_event()]))
    options = ImageOptions(model="gpt-image-1.5", size="1024x1024", quality="medium", partial_images=2)

    events = run(collect(make_client(base_url), options))

    partials, final = events[:2], events[2]
    assert [type(event) for event in events] == [PartialImage, PartialImage, ImageCompleted]
    assert [p.index for p in partials] == [0, 1]
    assert [p.b64_json for p in partials] == [PARTIAL_0, PARTIAL_1]
    assert decoded_size(partials[0]) == (32, 32) and decoded_size(final) == (48, 32)
    assert final.b64_json == FINAL and final.output_format == "png" and final.quality == "medium"
    assert final.usage is not None and final.usage.total_tokens == 1272 and final.usage.text_tokens == 16
    assert final.partial_images == 2
    assert final.duration_ms > 0

    (request,) = server.requests
    assert request.path == "/v1/images/generations"
    assert request.headers["authorization"] == f"Bearer {API_KEY}"
    assert json.loads(request.body) == {
        "prompt": "A cute baby sea otter",
        "stream": True,
        "partial_images": 2,
        "model": "gpt-image-1.5",
        "size": "1024x1024",
        "quality": "medium",
        "background": "auto",
        "output_format": "png",
        "n": 1,
        "moderation": "auto",
    }


def test_unknown_events_fields_comments_and_done_are_ignored(server: ScriptedServer, base_url: str) -> None:
    usage_with_details = {**USAGE, "output_tokens_details": {"image_tokens": 1256, "text_tokens": 0}}
    server.script(
        Reply(
            chunks=[
                b": keepalive\n\n",
                b"id: 7\nretry: 1000\n\n",
                partial_event(0, PARTIAL_0, future_field={"nested": True}),
                sse("image_generation.progress", {"type": "image_generation.progress", "percent": 40}),
                sse(None, "ping"),
                # No `type` in the data: the `event:` name decides.
                sse("image_generation.partial_image", {"b64_json": PARTIAL_1, "partial_image_index": 1}),
                completed_event(usage=usage_with_details, sequence_number=9),
                sse(None, "[DONE]"),
            ]
        )
    )
    events = run(collect(make_client(base_url)))
    assert [type(e).__name__ for e in events] == ["PartialImage", "PartialImage", "ImageCompleted"]
    assert events[1].b64_json == PARTIAL_1 and events[1].index == 1
    assert events[2].usage.output_tokens == 1256 and events[2].partial_images == 2


def test_crlf_framing_and_text_plain_content_type(server: ScriptedServer, base_url: str) -> None:
    data = json.loads(completed_event()[len(b"event: image_generation.completed\ndata: ") :])
    server.script(Reply(chunks=[sse("image_generation.completed", data, "\r\n")], content_type="text/plain"))
    (final,) = run(collect(make_client(base_url)))
    assert isinstance(final, ImageCompleted) and final.b64_json == FINAL


def test_final_image_may_come_before_all_partials(server: ScriptedServer, base_url: str) -> None:
    server.script(Reply(chunks=[partial_event(0, PARTIAL_0), completed_event()]))
    events = run(collect(make_client(base_url), ImageOptions(partial_images=3)))
    assert [type(e) for e in events] == [PartialImage, ImageCompleted]
    assert events[-1].partial_images == 1


def test_zero_partial_images_gives_a_single_completed_event(server: ScriptedServer, base_url: str) -> None:
    server.script(Reply(chunks=[completed_event()]))
    (final,) = run(collect(make_client(base_url), ImageOptions(partial_images=0)))
    assert isinstance(final, ImageCompleted) and final.partial_images == 0
    assert json.loads(server.requests[0].body)["partial_images"] == 0


def test_several_images_yield_every_completed_event(server: ScriptedServer, base_url: str) -> None:
    second = png_b64((1, 2, 3))
    server.script(
        Reply(
            chunks=[partial_event(0, PARTIAL_0), completed_event(), partial_event(0, PARTIAL_1), completed_event(second)]
        )
    )
    events = run(collect(make_client(base_url), ImageOptions(n=2, partial_images=1)))
    finals = [e for e in events if isinstance(e, ImageCompleted)]
    assert [f.b64_json for f in finals] == [FINAL, second]
    assert [f.partial_images for f in finals] == [1, 1]


def test_non_streaming_json_answer_is_accepted(server: ScriptedServer, base_url: str) -> None:
    body = {"created": 1778832973, "data": [{"b64_json": FINAL}], "output_format": "png", "usage": USAGE}
    server.script(Reply(chunks=[json.dumps(body).encode()], content_type="application/json"))
    (final,) = run(collect(make_client(base_url)))
    assert final.b64_json == FINAL and final.usage.total_tokens == 1272 and final.created_at == 1778832973


def test_multi_megabyte_partial_is_parsed_intact(server: ScriptedServer, base_url: str) -> None:
    noise = Image.frombytes("RGB", (1536, 1024), os.urandom(1536 * 1024 * 3))
    buffer = io.BytesIO()
    noise.save(buffer, "PNG", compress_level=0)
    big = base64.b64encode(buffer.getvalue()).decode()
    assert len(big) > 6_000_000
    event = partial_event(0, big)
    # Sent in uneven pieces so that the line spans many reads.
    pieces = [event[i : i + 100_003] for i in range(0, len(event), 100_003)]
    server.script(Reply(chunks=[*pieces, completed_event()]))

    events = run(collect(make_client(base_url), ImageOptions(partial_images=1)))
    assert events[0].b64_json == big
    assert decoded_size(events[0]) == (1536, 1024)


# ---- errors inside the stream ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "error_type", "expected"),
    [
        ("image_generation_failed", "image_generation_server_error", StreamEventError),
        ("moderation_blocked", "image_generation_user_error", ModerationBlockedError),
    ],
)
def test_error_event_mid_stream(
    server: ScriptedServer, base_url: str, code: str, error_type: str, expected: type
) -> None:
    server.script(Reply(chunks=[partial_event(0, PARTIAL_0), error_event(code, "It went wrong.", error_type)]))

    async def scenario() -> tuple[list, ImageStreamError]:
        async with make_client(base_url) as client:
            return await collect_until_error(client.stream_generate("otter", ImageOptions()))

    received, error = run(scenario())
    assert [type(e) for e in received] == [PartialImage]
    assert type(error) is expected
    assert error.code == code and error.type == error_type and error.message == "It went wrong."


def test_stream_ending_without_completed_is_incomplete(server: ScriptedServer, base_url: str) -> None:
    server.script(Reply(chunks=[partial_event(0, PARTIAL_0), partial_event(1, PARTIAL_1)]))

    async def scenario() -> tuple[list, ImageStreamError]:
        async with make_client(base_url) as client:
            return await collect_until_error(client.stream_generate("otter", ImageOptions()))

    received, error = run(scenario())
    assert [e.index for e in received] == [0, 1]
    assert isinstance(error, IncompleteStreamError)
    assert "2 partial images" in error.message


def _cut_after_headers_and_one_event(style: str, received_one: threading.Event) -> Callable[[socket.socket, int], None]:
    event = partial_event(0, PARTIAL_0)

    def answer(conn: socket.socket, _: int) -> None:
        head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n"
        if style == "short-content-length":
            conn.sendall(f"{head}Content-Length: {len(event) * 10}\r\n\r\n".encode() + event)
        else:
            conn.sendall(f"{head}Transfer-Encoding: chunked\r\n\r\n".encode() + b"%x\r\n%s\r\n" % (len(event), event))
        # Cut only once the client holds the partial: an RST may discard bytes it has not read yet.
        received_one.wait(5)
        if style == "reset":
            # SO_LINGER on with 0 s: close() sends RST instead of FIN.
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    return answer


@pytest.mark.parametrize(
    ("style", "cause"),
    [
        ("short-content-length", httpx.RemoteProtocolError),
        ("chunked-cut", httpx.RemoteProtocolError),
        ("reset", httpx.ReadError),
    ],
)
def test_connection_dropped_mid_body_is_incomplete(style: str, cause: type) -> None:
    received_one = threading.Event()

    async def scenario(url: str) -> tuple[list, ImageStreamError]:
        received: list[PartialImage | ImageCompleted] = []
        async with make_client(url) as client:
            with pytest.raises(ImageStreamError) as caught:
                async for event in client.stream_generate("otter", ImageOptions()):
                    received.append(event)
                    received_one.set()
        return received, caught.value

    with raw_http_server(_cut_after_headers_and_one_event(style, received_one)) as (url, connections):
        received, error = run(scenario(url))
    assert [type(e) for e in received] == [PartialImage]
    assert isinstance(error, IncompleteStreamError) and isinstance(error.__cause__, cause)
    assert "cut off" in error.message and "1 partial image " in error.message
    assert connections == [1]  # never retried once the stream had started


def test_stalled_stream_times_out(server: ScriptedServer, base_url: str) -> None:
    server.script(Reply(chunks=[partial_event(0, PARTIAL_0)], stall=True))

    async def scenario() -> tuple[list, ImageStreamError]:
        async with make_client(base_url, timeout=httpx.Timeout(5.0, read=0.5)) as client:
            return await collect_until_error(client.stream_generate("otter", ImageOptions()))

    received, error = run(scenario())
    assert len(received) == 1
    assert isinstance(error, StreamTimeoutError) and "0.5 s" in error.message
    assert server.disconnected.wait(5)
    assert len(server.requests) == 1


def test_no_response_headers_times_out_without_retry(server: ScriptedServer, base_url: str) -> None:
    server.script(Reply(stall_before_headers=True), Reply(chunks=[completed_event()]))
    with pytest.raises(StreamTimeoutError, match="0.5 s"):
        run(collect(make_client(base_url, timeout=httpx.Timeout(5.0, read=0.5))))
    assert len(server.requests) == 1


# ---- stopping early closes the HTTP stream ---------------------------------------------------


def _stall_after_first_partial(server: ScriptedServer) -> None:
    server.script(Reply(chunks=[partial_event(0, PARTIAL_0)], stall=True))


def test_aclose_after_first_partial_disconnects(server: ScriptedServer, base_url: str) -> None:
    _stall_after_first_partial(server)

    async def scenario() -> bool:
        async with make_client(base_url) as client:
            async with contextlib.aclosing(client.stream_generate("otter", ImageOptions())) as events:
                async for event in events:
                    assert isinstance(event, PartialImage)
                    break
            return await asyncio.to_thread(server.disconnected.wait, 5)

    assert run(scenario())


def test_plain_break_after_first_partial_disconnects(server: ScriptedServer, base_url: str) -> None:
    _stall_after_first_partial(server)

    async def scenario() -> bool:
        async with make_client(base_url) as client:
            async for event in client.stream_generate("otter", ImageOptions()):
                break  # the generator is dropped here; asyncio's finaliser closes it
            return await asyncio.to_thread(server.disconnected.wait, 5)

    assert run(scenario())


def test_cancelling_the_consumer_task_disconnects(server: ScriptedServer, base_url: str) -> None:
    _stall_after_first_partial(server)

    async def scenario() -> bool:
        async with make_client(base_url) as client:
            first = asyncio.Event()

            async def consume() -> None:
                async for _ in client.stream_generate("otter", ImageOptions()):
                    first.set()

            task = asyncio.create_task(consume())
            await first.wait()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            return await asyncio.to_thread(server.disconnected.wait, 5)

    assert run(scenario())


# ---- HTTP errors and retries -----------------------------------------------------------------


def _rate_limited(headers: dict[str, str]) -> Reply:
    body = error_body("You've exceeded the rate limit.", type="rate_limit_exceeded", code="rate_limit_exceeded")
    return Reply(429, [body], headers, content_type="application/json")


def test_429_with_retry_after_is_retried_once(server: ScriptedServer, base_url: str) -> None:
    server.script(_rate_limited({"Retry-After": "1"}), Reply(chunks=[completed_event()]))
    started = time.monotonic()
    events = run(collect(make_client(base_url)))
    assert isinstance(events[-1], ImageCompleted)
    assert len(server.requests) == 2
    assert time.monotonic() - started >= 0.9


def test_retry_after_ms_takes_precedence(server: ScriptedServer, base_url: str) -> None:
    server.script(_rate_limited({"Retry-After": "5", "retry-after-ms": "50"}), Reply(chunks=[completed_event()]))
    started = time.monotonic()
    run(collect(make_client(base_url)))
    assert len(server.requests) == 2
    assert time.monotonic() - started < 4


def test_retry_after_beyond_cap_is_not_waited_for(server: ScriptedServer, base_url: str) -> None:
    server.script(_rate_limited({"Retry-After": "300"}), Reply(chunks=[completed_event()]))
    with pytest.raises(RateLimitError) as caught:
        run(collect(make_client(base_url)))
    assert caught.value.retry_after == 300 and caught.value.status == 429
    assert caught.value.request_id == "req_test"
    assert len(server.requests) == 1


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503])
def test_retryable_statuses_are_retried(server: ScriptedServer, base_url: str, status: int) -> None:
    trouble = Reply(status, [b"upstream trouble"], {"retry-after-ms": "10"}, "text/plain")
    server.script(trouble, Reply(chunks=[completed_event()]))
    run(collect(make_client(base_url)))
    assert len(server.requests) == 2


def test_500_then_success_uses_backoff(server: ScriptedServer, base_url: str) -> None:
    body = error_body("The server had an error.", type="server_error")
    server.script(Reply(500, [body], content_type="application/json"), Reply(chunks=[completed_event()]))
    events = run(collect(make_client(base_url)))
    assert isinstance(events[-1], ImageCompleted) and len(server.requests) == 2
    # No Retry-After: the first backoff is 0.5 s less up to 25 % jitter, measured between the arrivals.
    waited = server.requests[1].received_at - server.requests[0].received_at
    assert 0.5 * 0.75 <= waited < 2.0


def test_retries_stop_after_max_retries(server: ScriptedServer, base_url: str) -> None:
    failing = Reply(503, [error_body("Overloaded.", type="server_error")], {"retry-after-ms": "10"}, "application/json")
    server.script(failing, failing, failing, Reply(chunks=[completed_event()]))
    with pytest.raises(ServerError, match="Overloaded."):
        run(collect(make_client(base_url, max_retries=2)))
    assert len(server.requests) == 3


def test_x_should_retry_false_is_honoured(server: ScriptedServer, base_url: str) -> None:
    server.script(Reply(503, [b"no"], {"x-should-retry": "false"}, "text/plain"), Reply(chunks=[completed_event()]))
    with pytest.raises(ServerError):
        run(collect(make_client(base_url)))
    assert len(server.requests) == 1


def test_401_is_not_retried_and_key_is_not_echoed(server: ScriptedServer, base_url: str) -> None:
    body = error_body(f"Incorrect API key provided: {API_KEY}.", type="invalid_request_error", code="invalid_api_key")
    server.script(Reply(401, [body], content_type="application/json"), Reply(chunks=[completed_event()]))
    with pytest.raises(AuthenticationError) as caught:
        run(collect(make_client(base_url)))
    assert len(server.requests) == 1
    assert caught.value.code == "invalid_api_key" and caught.value.status == 401
    assert API_KEY not in str(caught.value) and API_KEY not in repr(caught.value)
    assert "Incorrect API key provided" in str(caught.value)


def test_400_keeps_param_and_code(server: ScriptedServer, base_url: str) -> None:
    message = "Invalid size '123x456'. Supported sizes are 1024x1024, 1024x1536, 1536x1024, and auto."
    body = error_body(message, type="image_generation_user_error", code="invalid_value", param="size")
    server.script(Reply(400, [body], content_type="application/json"))
    with pytest.raises(InvalidRequestError) as caught:
        run(collect(make_client(base_url)))
    error = caught.value
    assert (error.status, error.param, error.code, error.message) == (400, "size", "invalid_value", message)
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    ("status", "expected"),
    [(400, InvalidRequestError), (403, AuthenticationError), (404, InvalidRequestError), (422, InvalidRequestError)],
)
def test_client_errors_are_never_retried(server: ScriptedServer, base_url: str, status: int, expected: type) -> None:
    server.script(Reply(status, [b"<html>nope</html>"], content_type="text/html"), Reply(chunks=[completed_event()]))
    with pytest.raises(expected, match="nope"):
        run(collect(make_client(base_url)))
    assert len(server.requests) == 1


def test_moderation_blocked_before_the_stream(server: ScriptedServer, base_url: str) -> None:
    body = error_body("Rejected by the safety system.", type="image_generation_user_error", code="moderation_blocked")
    server.script(Reply(400, [body], content_type="application/json"))
    with pytest.raises(ModerationBlockedError):
        run(collect(make_client(base_url)))


def test_connection_refused_is_a_connection_error() -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]  # closed on exit: nothing listens there any more
    with pytest.raises(APIConnectionError):
        run(collect(make_client(f"http://127.0.0.1:{port}/v1", max_retries=0)))


def test_connection_dropped_before_response_is_retried() -> None:
    full = b"".join([partial_event(0, PARTIAL_0), completed_event()])

    def answer(conn: socket.socket, number: int) -> None:
        if number == 1:
            return  # close without a response
        head = f"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: {len(full)}\r\n\r\n"
        conn.sendall(head.encode() + full)

    with raw_http_server(answer) as (url, connections):
        events = run(collect(make_client(url)))
    assert isinstance(events[-1], ImageCompleted)
    assert connections == [1, 2]


# ---- edits (multipart) -----------------------------------------------------------------------


def _edit_reply() -> Reply:
    return Reply(chunks=[partial_event(0, PARTIAL_0, kind="image_edit"), completed_event(kind="image_edit")])


def test_edit_with_one_image_and_mask(server: ScriptedServer, base_url: str) -> None:
    server.script(_edit_reply())
    image, mask = base64.b64decode(PARTIAL_0), base64.b64decode(PARTIAL_1)

    async def scenario() -> list:
        async with make_client(base_url) as client:
            options = ImageOptions(partial_images=1, input_fidelity="high")
            return [e async for e in client.stream_edit([image], "Add a hat", options, mask=mask)]

    events = run(scenario())
    assert [type(e) for e in events] == [PartialImage, ImageCompleted] and events[-1].partial_images == 1

    (request,) = server.requests
    assert request.path == "/v1/images/edits"
    files = [(name, filename, ctype, value) for name, filename, ctype, value in request.form if filename]
    fields = {name: value.decode() for name, filename, _, value in request.form if filename is None}
    assert [(name, filename, ctype) for name, filename, ctype, _ in files] == [
        ("image", "image.png", "image/png"),
        ("mask", "mask.png", "image/png"),
    ]
    assert files[0][3] == image and files[1][3] == mask
    assert fields == {
        "prompt": "Add a hat",
        "stream": "true",
        "partial_images": "1",
        "model": "gpt-image-1.5",
        "size": "1024x1024",
        "quality": "auto",
        "background": "auto",
        "output_format": "png",
        "n": "1",
        "input_fidelity": "high",
    }


def test_edit_with_two_images_uses_repeated_image_brackets(server: ScriptedServer, base_url: str) -> None:
    server.script(_edit_reply())
    png, jpeg = base64.b64decode(PARTIAL_0), jpeg_bytes()

    async def scenario() -> ImageCompleted | None:
        async with make_client(base_url) as client:
            return await client.edit_stream([("soap.png", png, "image/png"), jpeg], "Gift basket", ImageOptions())

    final = run(scenario())
    assert isinstance(final, ImageCompleted)
    files = [(name, filename, ctype) for name, filename, ctype, _ in server.requests[0].form if filename]
    assert files == [("image[]", "soap.png", "image/png"), ("image[]", "image-2.jpg", "image/jpeg")]


# ---- local validation: no request at all -----------------------------------------------------


@pytest.mark.parametrize(
    ("prompt", "options", "param"),
    [
        ("", ImageOptions(), "prompt"),
        ("   \n", ImageOptions(), "prompt"),
        ("x" * 32_001, ImageOptions(), "prompt"),
        ("otter", ImageOptions(model="gpt-image-1.5", size="1200x600"), "size"),
        ("otter", ImageOptions(background="transparent", output_format="jpeg"), "background"),
        ("otter", ImageOptions(model="dall-e-1"), "model"),
    ],
)
def test_local_validation_sends_nothing(
    server: ScriptedServer, base_url: str, prompt: str, options: ImageOptions, param: str
) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        run(collect(make_client(base_url), options, prompt))
    assert caught.value.param == param
    if param == "prompt" and not prompt.strip():
        assert caught.value.message.startswith("Enter a prompt")
    assert server.requests == []


@pytest.mark.parametrize(
    ("images", "mask", "param"),
    [
        ([b"GIF89a not an accepted type"], None, "image"),
        ([], None, "image"),
        ([base64.b64decode(PARTIAL_0)] * 17, None, "image"),
        ([base64.b64decode(PARTIAL_0)], jpeg_bytes(), "mask"),
    ],
)
def test_local_edit_validation_sends_nothing(
    server: ScriptedServer, base_url: str, images: list[bytes], mask: bytes | None, param: str
) -> None:
    async def scenario() -> None:
        async with make_client(base_url) as client:
            async for _ in client.stream_edit(images, "hat", ImageOptions(), mask=mask):
                pass

    with pytest.raises(InvalidRequestError) as caught:
        run(scenario())
    assert caught.value.param == param
    assert server.requests == []


# ---- callbacks -------------------------------------------------------------------------------


def test_callbacks_sync_and_async(server: ScriptedServer, base_url: str) -> None:
    server.script(Reply(chunks=[partial_event(0, PARTIAL_0), partial_event(1, PARTIAL_1), completed_event()]))
    seen: list[str] = []

    async def on_partial(event: PartialImage) -> None:
        seen.append(f"partial {event.index}")

    async def scenario() -> ImageCompleted | None:
        async with make_client(base_url) as client:
            return await client.generate_stream(
                "otter", ImageOptions(), on_partial_image=on_partial, on_complete=lambda e: seen.append("complete")
            )

    final = run(scenario())
    assert isinstance(final, ImageCompleted) and final.usage.total_tokens == 1272
    assert seen == ["partial 0", "partial 1", "complete"]


def test_callback_errors_go_to_on_error_or_are_raised(server: ScriptedServer, base_url: str) -> None:
    errors: list[ImageStreamError] = []

    async def scenario(on_error: Callable | None) -> ImageCompleted | None:
        async with make_client(base_url) as client:
            return await client.generate_stream("otter", ImageOptions(), on_error=on_error)

    server.script(Reply(chunks=[partial_event(0, PARTIAL_0)]))
    assert run(scenario(errors.append)) is None
    assert [type(e) for e in errors] == [IncompleteStreamError]

    server.script(Reply(chunks=[partial_event(0, PARTIAL_0)]))
    with pytest.raises(IncompleteStreamError):
        run(scenario(None))


# ---- configuration ---------------------------------------------------------------------------


def test_api_key_stays_out_of_repr_and_errors(base_url: str) -> None:
    client = ImageStreamClient(base_url, API_KEY)
    assert API_KEY not in repr(client) and API_KEY not in str(client)
    assert API_KEY not in repr(client.provider)
    with pytest.raises(InvalidRequestError) as caught:
        run(collect(client, prompt=""))
    assert API_KEY not in str(caught.value) and API_KEY not in repr(caught.value)


def test_from_env_picks_the_provider() -> None:
    offline = ImageStreamClient.from_env({})
    assert offline.provider.is_offline and offline.provider.label == "Offline engine"
    assert offline.base_url == "http://localhost:3000/v1" and offline._api_key == OFFLINE_API_KEY
    assert ImageStreamClient.from_env({}, offline_base_url="http://127.0.0.1:9/v1").base_url == "http://127.0.0.1:9/v1"

    openai = ImageStreamClient.from_env({"OPENAI_API_KEY": API_KEY})
    assert openai.provider.name == "openai" and openai.provider.label == "OpenAI"
    assert openai.base_url == "https://api.openai.com/v1" and not openai.provider.is_offline

    gateway = {"OPENAI_API_KEY": API_KEY, "OPENAI_BASE_URL": "https://gw.example:8443/v1/"}
    compatible = ImageStreamClient.from_env(gateway)
    assert compatible.provider.label == "OpenAI-compatible (gw.example:8443)"
    assert compatible.base_url == "https://gw.example:8443/v1"

    assert ImageStreamClient().provider.is_offline
    assert ImageStreamClient(api_key=API_KEY).timeout == DEFAULT_TIMEOUT
    assert DEFAULT_TIMEOUT.read == 600 and DEFAULT_TIMEOUT.connect == 10


def test_one_client_serves_several_event_loops(server: ScriptedServer, base_url: str) -> None:
    # A fully read error body leaves its connection in the pool of the first loop.
    server.script(Reply(400, [error_body("Bad.", type="invalid_request_error")], content_type="application/json"))
    client = make_client(base_url)

    async def generate() -> list:
        return [event async for event in client.stream_generate("otter", ImageOptions())]

    with pytest.raises(InvalidRequestError):
        asyncio.run(generate())
    server.script(Reply(chunks=[completed_event()]))
    assert isinstance(asyncio.run(generate())[-1], ImageCompleted)
    run(client.aclose())


def test_parse_retry_after() -> None:
    now = datetime(2026, 9, 1, 12, 0, 0, tzinfo=timezone.utc)
    assert parse_retry_after({"retry-after-ms": "250"}) == 0.25
    assert parse_retry_after({"retry-after": "1.5"}) == 1.5
    assert parse_retry_after({"retry-after": format_datetime(now + timedelta(seconds=30))}, now) == 30
    assert parse_retry_after({"retry-after": "soon"}) is None
    assert parse_retry_after({}) is None

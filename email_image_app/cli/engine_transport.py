"""An httpx transport that serves requests with an ASGI app in this process, streaming the body.

With no API key the command line talks to the offline engine without a server: the real
`ImageStreamClient` sends real HTTP requests (same headers, multipart and SSE decoding as against
OpenAI) to the engine's Starlette app through this transport, so there is one code path.

httpx's own `ASGITransport` runs the app to completion before returning the response: partial
images would all arrive at the end, and a cancelled run could not stop the engine mid-stream. Here
the app runs in a task and each body chunk reaches the client as it is sent; closing the response
tells the app the client went away (`http.disconnect`), then cancels it.
"""

from __future__ import annotations

import asyncio
from typing import Any, AsyncIterator, MutableMapping

import httpx

Message = MutableMapping[str, Any]
_END = None


class AppFailed(httpx.TransportError):
    """The app raised before it answered (a bug in it, not an HTTP error)."""


class InProcessTransport(httpx.AsyncBaseTransport):
    def __init__(self, app: Any, client: tuple[str, int] = ("127.0.0.1", 0)) -> None:
        self.app = app
        self.client = client

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": request.method,
            "headers": [(name.lower(), value) for name, value in request.headers.raw],
            "scheme": request.url.scheme,
            "path": request.url.path,
            "raw_path": request.url.raw_path.split(b"?")[0],
            "query_string": request.url.query,
            "server": (request.url.host, request.url.port or 80),
            "client": self.client,
            "root_path": "",
        }
        started: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        chunks: asyncio.Queue[bytes | None] = asyncio.Queue()
        gone = asyncio.Event()
        body_sent = False

        async def receive() -> Message:
            nonlocal body_sent
            if not body_sent:
                body_sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            await gone.wait()
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            if message["type"] == "http.response.start":
                started.set_result(message)
            elif message["type"] == "http.response.body":
                if message.get("body"):
                    chunks.put_nowait(bytes(message["body"]))
                if not message.get("more_body", False):
                    chunks.put_nowait(_END)

        async def run_app() -> None:
            try:
                await self.app(scope, receive, send)
            except Exception as exc:
                if not started.done():
                    started.set_exception(AppFailed(f"the in-process app failed: {exc!r}"))
            finally:
                chunks.put_nowait(_END)  # a body cut short ends the stream; the client sees it incomplete

        task = asyncio.create_task(run_app(), name=f"in-process {request.method} {request.url.path}")
        try:
            await asyncio.wait({started, task}, return_when=asyncio.FIRST_COMPLETED)
            if not started.done():
                raise AppFailed("the in-process app ended without answering")
            start = started.result()
        except BaseException:
            await _stop(task, gone)
            raise
        headers = [(bytes(name), bytes(value)) for name, value in start.get("headers", [])]
        return httpx.Response(start["status"], headers=headers, stream=_Body(chunks, task, gone))


class _Body(httpx.AsyncByteStream):
    def __init__(self, chunks: asyncio.Queue[bytes | None], task: asyncio.Task, gone: asyncio.Event) -> None:
        self._chunks = chunks
        self._task = task
        self._gone = gone

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while (chunk := await self._chunks.get()) is not _END:
            yield chunk

    async def aclose(self) -> None:
        await _stop(self._task, self._gone)


async def _stop(task: asyncio.Task, gone: asyncio.Event) -> None:
    """Tell the app its client went away, then make sure it has stopped."""
    gone.set()
    if not task.done():
        task.cancel()
    # `wait`, not `await task`: the app's own CancelledError must not replace the one that may be
    # on its way through us (a cancel carries its reason, e.g. "cancelled by the user"); a cancel
    # of this task while waiting still raises here.
    await asyncio.wait({task})

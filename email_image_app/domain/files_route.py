"""`/files/<job>/<name>`: the stored images, answered by the app itself from whichever backend holds
the bytes (`domain.store`), so a stored URL works the same on a folder or a bucket. No Reflex here;
`domain.access.SignedInFiles` stands in front of it.

What a browser and a download manager expect from a static file server: the type from the name,
Content-Length, an ETag and Last-Modified (with 304 for If-None-Match / If-Modified-Since), HEAD, and
one byte range (206; 416 when out of reach). The body is streamed a chunk at a time from a thread,
so a multi-MB image is never held whole per request, and a reader that goes away stops the reading.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from email.utils import format_datetime, parsedate_to_datetime
from typing import AsyncIterator, Iterator

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from email_image_app.domain.storage import ObjectInfo, StorageError, StoredFileMissing
from email_image_app.domain.store import ImageStore

# Files behind a sign-in: never in a shared cache. Revalidated at each use (a cheap 304) because a
# few URLs are written again (a campaign's export after more tiles finish).
CACHE_CONTROL = "private, no-cache"


class RangeNotSatisfiable(Exception):
    pass


def byte_range(header: str, size: int) -> tuple[int, int] | None:
    """The one range asked for, inclusive, clipped to the file; None to send it all (no header, a
    malformed one, or several ranges, which a server may answer with the whole file)."""
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first, dash, last = spec.strip().partition("-")
    if not dash:
        return None
    try:
        if not first:  # "-N": the last N bytes
            count = int(last)
            if count <= 0 or size == 0:
                raise RangeNotSatisfiable
            return max(0, size - count), size - 1
        start = int(first)
        end = int(last) if last else size - 1
    except ValueError:
        return None
    if start < 0 or (last and end < start):
        return None
    if start >= size:
        raise RangeNotSatisfiable
    return start, min(end, size - 1)


def _http_date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(timezone.utc).replace(microsecond=0), usegmt=True)


def _not_modified(headers: dict[str, str], info: ObjectInfo) -> bool:
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:  # it wins over If-Modified-Since when both are sent
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in tags or info.etag.removeprefix("W/") in tags
    since = headers.get("if-modified-since")
    if since:
        try:
            return info.last_modified.replace(microsecond=0) <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False


def _range_applies(headers: dict[str, str], info: ObjectInfo) -> bool:
    """If-Range: the range holds only for the version the client already has part of."""
    if_range = headers.get("if-range")
    return if_range is None or if_range.strip() in (info.etag, _http_date(info.last_modified))


def _json(status: int, detail: str, extra: dict[str, str] | None = None) -> Response:
    return Response(json.dumps({"detail": detail}), status, headers=extra, media_type="application/json")


class StoredFiles:
    """ASGI app mounted at the store's URL prefix."""

    def __init__(self, store: ImageStore) -> None:
        self.store = store

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self._respond(scope) if scope["type"] == "http" else _json(404, "Not Found")
        await response(scope, receive, send)

    async def _respond(self, scope: Scope) -> Response:
        method = scope["method"]
        if method not in ("GET", "HEAD"):
            return _json(405, "Method Not Allowed", {"allow": "GET, HEAD"})
        # Under a Mount the path still starts with the mount's root_path; the rest is /<job>/<name>.
        path, root = scope["path"], scope.get("root_path", "")
        route_path = path[len(root):] if root and path.startswith(root) else path
        try:
            key = self.store.key_for_url(self.store.url_prefix + route_path)
        except ValueError:
            return _json(404, "Not Found")
        backend = self.store.backend
        try:
            info = await run_in_threadpool(backend.info, key)
        except StorageError:
            return _json(503, "Service Unavailable", {"retry-after": "5"})
        if info is None:
            return _json(404, "Not Found")

        headers = {name: value.decode("latin-1") for name, value in _request_headers(scope)}
        common = {
            "etag": info.etag,
            "last-modified": _http_date(info.last_modified),
            "cache-control": CACHE_CONTROL,
            "accept-ranges": "bytes",
            "x-content-type-options": "nosniff",
        }
        if _not_modified(headers, info):
            return Response(status_code=304, headers=common)
        status, start, end = 200, 0, info.size_bytes - 1
        if "range" in headers and _range_applies(headers, info):
            try:
                asked = byte_range(headers["range"], info.size_bytes)
            except RangeNotSatisfiable:
                return Response(status_code=416, headers={**common, "content-range": f"bytes */{info.size_bytes}"})
            if asked is not None:
                status, (start, end) = 206, asked
                common["content-range"] = f"bytes {start}-{end}/{info.size_bytes}"
        common["content-length"] = str(end - start + 1)
        if method == "HEAD" or end < start:
            return Response(b"", status, headers=common, media_type=info.content_type)

        chunks = backend.chunks(key, start, end) if status == 206 else backend.chunks(key)
        try:
            # The first chunk before the status line: a file deleted since `info` is still a 404.
            first = await run_in_threadpool(next, chunks, b"")
        except StoredFileMissing:
            return _json(404, "Not Found")
        except StorageError:
            return _json(503, "Service Unavailable", {"retry-after": "5"})
        return StreamingResponse(_rest(first, chunks), status, headers=common, media_type=info.content_type)


def _request_headers(scope: Scope) -> Iterator[tuple[str, bytes]]:
    for key, value in scope.get("headers") or []:
        yield key.decode("latin-1").lower(), value


async def _rest(first: bytes, chunks: Iterator[bytes]) -> AsyncIterator[bytes]:
    try:
        yield first
        while chunk := await run_in_threadpool(next, chunks, b""):
            yield chunk
    finally:
        # A reader that left cancels the response: close the file or the bucket's connection now.
        # The thread call above is not cancellable midway, so the generator is idle here.
        close = getattr(chunks, "close", None)
        if close is not None:
            close()

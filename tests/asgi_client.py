"""A synchronous httpx client for an ASGI app served in-process (httpx's ASGI transport is async only)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx


class InProcessClient:
    """`client.post(...)` etc. against `app` through httpx.ASGITransport, on one private event loop."""

    def __init__(self, app: Any, base_url: str = "http://engine", timeout: float = 60) -> None:
        self._runner = asyncio.Runner()
        self._client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url, timeout=timeout)

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return self._runner.run(self._client.request(method, url, **kwargs))

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def close(self) -> None:
        self._runner.run(self._client.aclose())
        self._runner.close()

    def __enter__(self) -> InProcessClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

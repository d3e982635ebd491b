"""One asyncio Redis client per event loop: a client's connections belong to the loop that opened
them, and a process may run more than one loop (a web server's, a thread's `asyncio.run`)."""

from __future__ import annotations

import asyncio
import weakref

import redis.asyncio as aioredis

_clients: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, aioredis.Redis]]" = (
    weakref.WeakKeyDictionary()
)


def redis_for(url: str) -> aioredis.Redis:
    loop = asyncio.get_running_loop()
    per_loop = _clients.setdefault(loop, {})
    client = per_loop.get(url)
    if client is None:
        # No timeout on reads: followers block on XREAD; a dead server still fails on connect.
        client = per_loop[url] = aioredis.Redis.from_url(url, socket_connect_timeout=5, health_check_interval=30)
    return client

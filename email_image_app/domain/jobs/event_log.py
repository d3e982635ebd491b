"""Each job's events, in order, kept for a while after it ends: in memory (one process: `make run`,
the command line alone) or as a Redis Stream per job with a TTL (replicas and workers). A follower
reads from where it is (`after`, "0" for the start): earlier events come back at once, later ones
as they are appended. That is what lets a reconnected tab pick a job up where it is."""

from __future__ import annotations

import asyncio
import time
from typing import AsyncIterator, Protocol

from email_image_app.domain.jobs import events
from email_image_app.domain.jobs.events import JobEnded, JobEvent
from email_image_app.domain.jobs.redis_client import redis_for

# A job's log is kept this long after its last event: long enough to reconnect after a laptop
# slept through a run; the history keeps the result for good.
DEFAULT_TTL_SECONDS = 24 * 3600
START = "0"
TICK = object()  # from `follow`: nothing new for a heartbeat


class EventLog(Protocol):
    async def append(self, job_id: str, event: JobEvent) -> str: ...

    async def read(self, job_id: str, after: str, timeout: float) -> list[tuple[str, JobEvent]]:
        """Events after `after`, waiting up to `timeout` s for the first one; [] if none came."""
        ...


async def follow(
    log: EventLog, job_id: str, after: str = START, *, heartbeat: float = 1.0
) -> AsyncIterator[tuple[str, JobEvent] | object]:
    """(position, event) pairs from `after` on, with a `TICK` each `heartbeat` s of silence; ends
    after the job's `JobEnded`."""
    while True:
        found = await log.read(job_id, after, heartbeat)
        if not found:
            yield TICK
            continue
        for position, event in found:
            after = position
            yield position, event
            if isinstance(event, JobEnded):
                return


def is_after(position: str, seen: str) -> bool:
    """Whether `position` comes after `seen` (positions are "<ms>-<seq>" in Redis, "<n>" in memory)."""
    def key(text: str) -> tuple[int, int]:
        first, _, second = text.partition("-")
        return int(first or 0), int(second or 0)

    return key(position) > key(seen)


class MemoryEventLog:
    def __init__(self, ttl: float = DEFAULT_TTL_SECONDS) -> None:
        self.ttl = ttl
        self._logs: dict[str, list[tuple[str, str]]] = {}
        self._touched: dict[str, float] = {}
        self._changed: dict[str, asyncio.Event] = {}

    async def append(self, job_id: str, event: JobEvent) -> str:
        self._forget_expired()
        entries = self._logs.setdefault(job_id, [])
        position = str(len(entries) + 1)
        entries.append((position, events.encode(event)))  # encoded: the same contract as Redis
        self._touched[job_id] = time.monotonic()
        changed = self._changed.pop(job_id, None)
        if changed is not None:
            changed.set()
        return position

    async def read(self, job_id: str, after: str, timeout: float) -> list[tuple[str, JobEvent]]:
        found = self._after(job_id, after)
        if not found and timeout > 0:
            changed = self._changed.setdefault(job_id, asyncio.Event())
            try:
                await asyncio.wait_for(changed.wait(), timeout)
            except asyncio.TimeoutError:
                return []
            found = self._after(job_id, after)
        return [(position, events.decode(text)) for position, text in found]

    def _after(self, job_id: str, after: str) -> list[tuple[str, str]]:
        return self._logs.get(job_id, [])[int(after or 0):]

    def _forget_expired(self) -> None:
        cutoff = time.monotonic() - self.ttl
        for job_id in [job for job, touched in self._touched.items() if touched < cutoff]:
            self._logs.pop(job_id, None)
            self._touched.pop(job_id, None)


class RedisEventLog:
    def __init__(self, url: str, ttl: float = DEFAULT_TTL_SECONDS, prefix: str = "studio") -> None:
        self.url = url
        self.ttl = int(ttl)
        self.prefix = prefix

    def key(self, job_id: str) -> str:
        return f"{self.prefix}:job:{job_id}:events"

    async def append(self, job_id: str, event: JobEvent) -> str:
        redis = redis_for(self.url)
        key = self.key(job_id)
        async with redis.pipeline(transaction=True) as pipe:
            pipe.xadd(key, {"e": events.encode(event)})
            pipe.expire(key, self.ttl)
            position, _ = await pipe.execute()
        return position.decode() if isinstance(position, bytes) else position

    async def read(self, job_id: str, after: str, timeout: float) -> list[tuple[str, JobEvent]]:
        redis = redis_for(self.url)
        block = max(1, int(timeout * 1000)) if timeout > 0 else None
        answer = await redis.xread({self.key(job_id): after or START}, block=block)
        found: list[tuple[str, JobEvent]] = []
        for _key, entries in answer or []:
            for position, fields in entries:
                text = fields.get(b"e") or fields.get("e")
                found.append((position.decode() if isinstance(position, bytes) else position, events.decode(text)))
        return found

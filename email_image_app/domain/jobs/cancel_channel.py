"""A Cancel pressed anywhere reaching the process that runs the job. The job's stream is consumed
under its job id in `domain.cancellation`'s registry of the worker's process; this delivers the
Cancel there: directly in one process, through a Redis channel across processes. A job cancelled
before any worker took it is remembered, so the worker that takes it drops it unrun."""

from __future__ import annotations

import asyncio
import logging
import time

from email_image_app.domain import cancellation
from email_image_app.domain.jobs.redis_client import redis_for

logger = logging.getLogger(__name__)

REMEMBER_SECONDS = 24 * 3600


class MemoryCancels:
    def __init__(self) -> None:
        self._asked: dict[str, float] = {}

    async def cancel(self, job_id: str) -> None:
        self._asked[job_id] = time.monotonic()
        cancellation.cancel(job_id)

    async def was_cancelled(self, job_id: str) -> bool:
        return job_id in self._asked

    async def listen(self) -> None:
        """Nothing to listen to: a Cancel in this process reaches its jobs directly."""
        await asyncio.Event().wait()


class RedisCancels:
    def __init__(self, url: str, prefix: str = "studio") -> None:
        self.url = url
        self.channel = f"{prefix}:cancel"
        self.prefix = prefix

    def _key(self, job_id: str) -> str:
        return f"{self.prefix}:job:{job_id}:cancelled"

    async def cancel(self, job_id: str) -> None:
        redis = redis_for(self.url)
        await redis.set(self._key(job_id), "1", ex=REMEMBER_SECONDS)
        await redis.publish(self.channel, job_id)
        cancellation.cancel(job_id)  # the job may run right here

    async def was_cancelled(self, job_id: str) -> bool:
        return bool(await redis_for(self.url).exists(self._key(job_id)))

    async def listen(self) -> None:
        """Forever: cancel the jobs this process runs when any process asks. Reconnects if Redis
        goes away for a moment (a Cancel sent meanwhile is still found by `was_cancelled`)."""
        while True:
            try:
                pubsub = redis_for(self.url).pubsub()
                await pubsub.subscribe(self.channel)
                async for item in pubsub.listen():
                    if item.get("type") == "message":
                        data = item["data"]
                        cancellation.cancel(data.decode() if isinstance(data, bytes) else data)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.warning("cancel channel: lost Redis, listening again in 1 s", exc_info=True)
                await asyncio.sleep(1)

"""How many provider streams run at once. A job takes one slot in each of its groups — the
installation's (`EMAIL_IMAGE_MAX_STREAMS`) and, for a campaign tile, its campaign's ("images at
once") — in the order jobs asked, or waits, saying how many are ahead. A 429 pauses a group's new
starts for the provider's wait. In memory for one process; in Redis (one atomic script) across
replicas and workers, where a holder's slot lapses with its lease if its process dies."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Awaitable, Callable, Sequence

from email_image_app.domain.jobs.redis_client import redis_for

POLL_SECONDS = 0.2  # Redis waiters look again this often (a slot freed is taken within it)


@dataclass(frozen=True)
class SlotGroup:
    name: str
    limit: int


OnWait = Callable[[int], Awaitable[None]]  # called with "how many are ahead" when it changes


class MemorySlots:
    def __init__(self) -> None:
        self._holders: dict[str, set[str]] = {}
        self._waiters: dict[str, list[str]] = {}
        self._paused_until: dict[str, float] = {}
        self._changed = asyncio.Condition()

    async def acquire(self, job_id: str, groups: Sequence[SlotGroup], on_wait: OnWait) -> None:
        for group in groups:
            self._waiters.setdefault(group.name, []).append(job_id)
        told: int | None = None
        try:
            async with self._changed:
                while True:
                    blocked, ahead, pause = self._standing(job_id, groups)
                    if not blocked and pause == 0:
                        for group in groups:
                            self._holders.setdefault(group.name, set()).add(job_id)
                        return
                    if ahead != told:
                        told = ahead
                        await on_wait(ahead)
                    try:
                        await asyncio.wait_for(self._changed.wait(), pause or None)
                    except asyncio.TimeoutError:
                        pass
        finally:
            for group in groups:
                waiting = self._waiters.get(group.name, [])
                if job_id in waiting:
                    waiting.remove(job_id)

    def _standing(self, job_id: str, groups: Sequence[SlotGroup]) -> tuple[bool, int, float]:
        """(whether a group has no slot for it yet, how many wait before it, seconds of pause left)."""
        blocked, ahead, pause = False, 0, 0.0
        for group in groups:
            free = group.limit - len(self._holders.get(group.name, ()))
            rank = self._waiters[group.name].index(job_id)
            blocked = blocked or rank >= free
            ahead = max(ahead, rank)
            pause = max(pause, self._paused_until.get(group.name, 0.0) - time.monotonic())
        return blocked, ahead, max(0.0, pause)

    async def release(self, job_id: str, groups: Sequence[SlotGroup]) -> None:
        async with self._changed:
            for group in groups:
                self._holders.get(group.name, set()).discard(job_id)
            self._changed.notify_all()

    async def renew(self, job_id: str, groups: Sequence[SlotGroup]) -> None:
        """Held slots need no renewal in one process (they end with it)."""

    async def pause(self, group: str, seconds: float) -> None:
        async with self._changed:
            self._paused_until[group] = max(self._paused_until.get(group, 0.0), time.monotonic() + seconds)
            self._changed.notify_all()


# KEYS: per group, its holders zset (score: lease expiry, ms), waiters zset (score: when queued),
# and pause key. ARGV: now ms, lease ms, job id, then each group's limit. Returns
# {acquired (0/1), how many wait before this job, pause ms left}. Waiters refresh `<prefix>:slots:waiter:<job>` (a key
# with a TTL) as they poll; a waiter whose key lapsed (its process died) is dropped.
_TRY_ACQUIRE = """
local now, lease, job = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local groups = #KEYS / 3
local ahead, pause, blocked = 0, 0, false
for g = 0, groups - 1 do
  local holders, waiters, paused = KEYS[g*3+1], KEYS[g*3+2], KEYS[g*3+3]
  local limit = tonumber(ARGV[4 + g])
  redis.call('ZREMRANGEBYSCORE', holders, '-inf', now)
  redis.call('ZADD', waiters, 'NX', now, job)
  local rank = redis.call('ZRANK', waiters, job)
  local queued = redis.call('ZRANGE', waiters, 0, rank)
  for _, other in ipairs(queued) do
    if other ~= job and redis.call('EXISTS', ARGV[4 + groups] .. other) == 0 then
      redis.call('ZREM', waiters, other)
    end
  end
  rank = redis.call('ZRANK', waiters, job)
  local free = limit - redis.call('ZCARD', holders)
  if redis.call('ZSCORE', holders, job) then free = free + 1 end
  if rank >= free then blocked = true end
  ahead = math.max(ahead, rank)
  local left = redis.call('PTTL', paused)
  if left > pause then pause = left end
end
if not blocked and pause <= 0 then
  for g = 0, groups - 1 do
    redis.call('ZADD', KEYS[g*3+1], now + lease, job)
    redis.call('ZREM', KEYS[g*3+2], job)
  end
  return {1, 0, 0}
end
return {0, ahead, math.max(pause, 0)}
"""


class RedisSlots:
    def __init__(self, url: str, lease_seconds: float, prefix: str = "studio") -> None:
        self.url = url
        self.lease_ms = int(lease_seconds * 1000)
        self.prefix = prefix

    def _keys(self, groups: Sequence[SlotGroup]) -> list[str]:
        keys: list[str] = []
        for group in groups:
            base = f"{self.prefix}:slots:{group.name}"
            keys += [f"{base}:holders", f"{base}:waiters", f"{base}:pause"]
        return keys

    async def acquire(self, job_id: str, groups: Sequence[SlotGroup], on_wait: OnWait) -> None:
        redis = redis_for(self.url)
        script = redis.register_script(_TRY_ACQUIRE)
        waiter_key = f"{self.prefix}:slots:waiter:"
        told: int | None = None
        try:
            while True:
                await redis.set(waiter_key + job_id, "1", px=max(2000, int(POLL_SECONDS * 10_000)))
                args = [int(time.time() * 1000), self.lease_ms, job_id, *[g.limit for g in groups], waiter_key]
                acquired, ahead, pause_ms = await script(keys=self._keys(groups), args=args)
                if acquired:
                    return
                if ahead != told:
                    told = int(ahead)
                    await on_wait(told)
                await asyncio.sleep(max(POLL_SECONDS, min(int(pause_ms) / 1000, 1.0)))
        except BaseException:
            await self._leave(job_id, groups)
            raise
        finally:
            await redis.delete(waiter_key + job_id)

    async def _leave(self, job_id: str, groups: Sequence[SlotGroup]) -> None:
        redis = redis_for(self.url)
        keys = self._keys(groups)
        async with redis.pipeline(transaction=True) as pipe:
            for index in range(0, len(keys), 3):
                pipe.zrem(keys[index], job_id)
                pipe.zrem(keys[index + 1], job_id)
            await pipe.execute()

    async def release(self, job_id: str, groups: Sequence[SlotGroup]) -> None:
        await self._leave(job_id, groups)

    async def renew(self, job_id: str, groups: Sequence[SlotGroup]) -> None:
        redis = redis_for(self.url)
        expiry = int(time.time() * 1000) + self.lease_ms
        async with redis.pipeline(transaction=False) as pipe:
            for key in self._keys(groups)[::3]:
                pipe.zadd(key, {job_id: expiry}, xx=True)
            await pipe.execute()

    async def pause(self, group: str, seconds: float) -> None:
        redis = redis_for(self.url)
        key = f"{self.prefix}:slots:{group}:pause"
        left = await redis.pttl(key)
        wanted = int(seconds * 1000)
        if wanted > left:
            await redis.set(key, "1", px=max(1, wanted))

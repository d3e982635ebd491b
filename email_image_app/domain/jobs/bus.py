"""The job tier's pieces, chosen by configuration: in memory for one process (`make run`, the
command line alone), on Redis when `REFLEX_REDIS_URL` is set (replicas and workers share the
queue, the logs, the Cancel channel and the stream slots). Everything that submits, cancels or
follows a job goes through `job_bus()`."""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any, AsyncIterator

from email_image_app.domain import settings
from email_image_app.domain.history import default_history
from email_image_app.domain.job_leases import lease_interval, sweep_once
from email_image_app.domain.jobs.cancel_channel import MemoryCancels, RedisCancels
from email_image_app.domain.jobs.event_log import START, MemoryEventLog, RedisEventLog, follow
from email_image_app.domain.jobs.claims import MemoryClaims, RedisClaims
from email_image_app.domain.jobs.redis_client import redis_for
from email_image_app.domain.jobs.events import INTERRUPTED, Accepted, JobEnded, Snapshot, Started
from email_image_app.domain.jobs.spec import JobSpec
from email_image_app.domain.jobs.stream_slots import MemorySlots, RedisSlots, SlotGroup
from email_image_app.domain.messages import message

logger = logging.getLogger(__name__)

DEFAULT_MAX_STREAMS = 16


def max_streams() -> int:
    """`EMAIL_IMAGE_MAX_STREAMS`: provider streams open at once across the installation; the rest
    wait their turn, shown as "queued (N ahead)"."""
    return max(1, int(os.environ.get("EMAIL_IMAGE_MAX_STREAMS") or DEFAULT_MAX_STREAMS))


class JobBus:
    def __init__(self, redis_url: str | None) -> None:
        self.redis_url = redis_url
        self.mode = "redis" if redis_url else "memory"
        self.holder = settings.replica_id()
        self.lease_seconds = settings.lease_seconds()
        self.max_streams = max_streams()
        if redis_url:
            self.log = RedisEventLog(redis_url)
            self.cancels = RedisCancels(redis_url)
            self.slots = RedisSlots(redis_url, self.lease_seconds)
            self.claims = RedisClaims(redis_url, self.holder, self.lease_seconds)
        else:
            self.log = MemoryEventLog()
            self.cancels = MemoryCancels()
            self.slots = MemorySlots()
            self.claims = MemoryClaims()
        # Jobs this process has claimed (waiting or running), and the slots of those running:
        # their claims and slots are renewed here.
        self.claimed: set[str] = set()
        self.holding: dict[str, list[SlotGroup]] = {}
        self.broker: Any = None  # the queue's taskiq broker (`queue.broker_for`)
        self.takes_jobs = False  # set by `queue.serve_jobs` when this process runs jobs

    async def submit(self, spec: JobSpec) -> None:
        """Queue `spec` for a worker (this process's own in memory mode); its log opens with what
        was asked (`Accepted`)."""
        from email_image_app.domain.jobs.queue import enqueue  # the broker needs the bus first

        accepted = Accepted(
            kind=spec.kind,
            prompt=spec.prompt,
            model=spec.options.model,
            quality=spec.options.quality,
            partial_images=spec.options.partial_images,
            owner_id=spec.info.owner_id if spec.info else None,
            submitted_at=spec.submitted_at,
        )
        await self.log.append(spec.job_id, accepted)
        await enqueue(self, spec)

    async def accepted(self, job_id: str) -> Accepted | None:
        """What the job's log says was asked; None for a job this installation does not know (any
        more: logs expire) — a page then has nothing to pick up."""
        found = await self.log.read(job_id, START, 0)
        return found[0][1] if found and isinstance(found[0][1], Accepted) else None

    async def keep_snapshot(self, group_id: str, snapshot: Snapshot) -> None:
        """Keep what a page needs to show the jobs of `group_id` again (a campaign), for as long as
        their logs are kept."""
        await self.log.append(f"group-{group_id}", snapshot)

    async def snapshot(self, group_id: str) -> Snapshot | None:
        found = await self.log.read(f"group-{group_id}", START, 0)
        kept = [event for _, event in found if isinstance(event, Snapshot)]
        return kept[-1] if kept else None

    async def cancel(self, job_id: str) -> None:
        await self.cancels.cancel(job_id)

    def follow(self, job_id: str, after: str = START, *, heartbeat: float = 1.0) -> AsyncIterator[object]:
        return follow(self.log, job_id, after, heartbeat=heartbeat)

    async def announce_worker(self) -> None:
        """Say that this process takes jobs, for as long as a lease (renewed with the claims)."""
        if self.redis_url:
            await redis_for(self.redis_url).set(
                f"studio:workers:{self.holder}", "1", px=int(self.lease_seconds * 1000)
            )

    async def retire_worker(self) -> None:
        """This process stops taking jobs (a killed one lapses with its lease instead)."""
        if self.redis_url:
            await redis_for(self.redis_url).delete(f"studio:workers:{self.holder}")

    async def workers_up(self) -> int:
        """How many processes take jobs now (in one process: this one, its worker is embedded)."""
        if not self.redis_url:
            return 1
        return len([key async for key in redis_for(self.redis_url).scan_iter(match="studio:workers:*", count=100)])

    async def keep_claims(self) -> None:
        """Forever: renew the claims and stream slots of the jobs this process has, three times per
        lease, so only a dead process's lapse. (Each job's history lease is renewed by its
        `JobRecorder`: `domain.job_leases`.)"""
        while True:
            await asyncio.sleep(lease_interval())
            try:
                if self.takes_jobs:
                    await self.announce_worker()
                await self.claims.renew(list(self.claimed))
                for job_id, groups in list(self.holding.items()):
                    await self.slots.renew(job_id, groups)
            except Exception:
                logger.exception("jobs: could not renew the claims and slots of %d job(s)", len(self.claimed))

    async def was_started(self, job_id: str) -> bool:
        """Whether the job's log says a worker began it (it may have reached the provider)."""
        found = await self.log.read(job_id, START, 0)
        return any(isinstance(event, (Started, JobEnded)) for _, event in found)

    async def sweep_lapsed(self) -> None:
        """Forever, from start: jobs whose process died (lease lapsed) are marked `interrupted` in
        the history (their steps kept) and their logs end, so whoever follows them sees why."""
        history = default_history()
        while True:
            for job_id in await sweep_once(history):
                try:
                    await self.log.append(job_id, JobEnded(INTERRUPTED, message("job_interrupted")))
                except Exception:
                    logger.exception("jobs: could not end the log of interrupted job %s", job_id)
            await asyncio.sleep(lease_interval())


_buses: dict[str | None, JobBus] = {}


def job_bus() -> JobBus:
    """This process's bus for the configured Redis (or none)."""
    url = settings.redis_url()
    bus = _buses.get(url)
    if bus is None:
        bus = _buses[url] = JobBus(url)
    return bus

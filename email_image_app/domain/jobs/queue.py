"""The queue, on taskiq: an in-memory broker in one process (the task runs on this event loop as
soon as it is kicked: today's feel and speed, the same code path) or a Redis list that worker
processes take jobs from (acknowledged once run: see `claims.py`). taskiq because it is asyncio-native (a job is an async stream), has both
brokers, and its `Receiver` stops taking jobs on a signal and waits for running ones: the drain."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any, AsyncIterator

from taskiq import AsyncBroker, InMemoryBroker
from taskiq.receiver import Receiver
from taskiq.acks import AcknowledgeType
from taskiq_redis import RedisStreamBroker

from email_image_app.domain.jobs.bus import JobBus, job_bus
from email_image_app.domain.jobs.claims import redeliver_seconds
from email_image_app.domain.jobs.runner import run_job
from email_image_app.domain.jobs.spec import JobSpec

logger = logging.getLogger(__name__)

TASK_NAME = "studio.run_image_job"
QUEUE_NAME = "studio:jobs-stream"
DEFAULT_DRAIN_SECONDS = 600.0
# Jobs one worker process runs at once (each mostly waits on its provider stream).
DEFAULT_JOBS_PER_WORKER = 32


async def run_image_job(spec: dict[str, Any]) -> None:
    await run_job(JobSpec.from_dict(spec), job_bus())


def broker_for(bus: JobBus) -> AsyncBroker:
    """The bus's broker, made on first use (its connections belong to the loop that uses it)."""
    broker = bus.broker
    if broker is None:
        if bus.redis_url:
            # A stream with a consumer group: a message is acknowledged once its job ran, so one
            # taken by a worker that died is handed to another after `redeliver_seconds()`
            # (`claims.py` decides whether it may run again).
            broker = RedisStreamBroker(
                bus.redis_url,
                queue_name=QUEUE_NAME,
                consumer_group_name="studio-workers",
                consumer_name=bus.holder,
                consumer_id="0",  # jobs queued before any worker started are not skipped
                idle_timeout=int(redeliver_seconds() * 1000),
                unacknowledged_lock_timeout=5,
                xread_count=4,  # a worker takes a few at a time: the others get their share
            )
        else:
            broker = InMemoryBroker(max_async_tasks=DEFAULT_JOBS_PER_WORKER)
        broker.register_task(run_image_job, task_name=TASK_NAME)
        bus.broker = broker
    return broker


async def enqueue(bus: JobBus, spec: JobSpec) -> None:
    broker = broker_for(bus)
    task = broker.find_task(TASK_NAME)
    assert task is not None
    await task.kiq(spec.to_dict())


async def _retire_when(stop: asyncio.Event, bus: JobBus) -> None:
    """From the stop on, this process takes no new job: it stops counting as a worker at once,
    not when its drain ends (pages tell people when no worker is up)."""
    await stop.wait()
    if bus.takes_jobs:
        bus.takes_jobs = False
        await bus.retire_worker()


def drain_seconds() -> float:
    """`EMAIL_IMAGE_DRAIN_SECONDS`: how long a stopping worker lets its running jobs finish."""
    return float(os.environ.get("EMAIL_IMAGE_DRAIN_SECONDS") or DEFAULT_DRAIN_SECONDS)


async def serve_jobs(bus: JobBus, stop: asyncio.Event, *, take_jobs: bool = True) -> None:
    """Run this process's part of the job tier until `stop` is set: renew stream slots, sweep
    lapsed leases, hear Cancels and — with Redis and `take_jobs` — take jobs from the queue. On `stop` it
    takes no new job and lets running ones finish for up to `drain_seconds()`."""
    bus.takes_jobs = take_jobs
    if take_jobs:
        await bus.announce_worker()
    helpers = [
        asyncio.create_task(bus.keep_claims(), name="jobs-claims"),
        asyncio.create_task(bus.sweep_lapsed(), name="jobs-sweep"),
        asyncio.create_task(bus.cancels.listen(), name="jobs-cancels"),
        asyncio.create_task(_retire_when(stop, bus), name="jobs-retire"),
    ]
    try:
        if bus.redis_url and take_jobs:
            broker = broker_for(bus)
            broker.is_worker_process = True
            with ThreadPoolExecutor(max_workers=2) as executor:
                receiver = Receiver(
                    broker,
                    executor=executor,
                    max_async_tasks=DEFAULT_JOBS_PER_WORKER,
                    wait_tasks_timeout=drain_seconds(),
                    propagate_exceptions=False,
                    ack_type=AcknowledgeType.WHEN_EXECUTED,
                )
                await receiver.listen(stop)
            logger.info("jobs: stopped taking jobs; running ones done or past the drain")
        else:
            await stop.wait()
    finally:
        for helper in helpers:
            helper.cancel()
        for helper in helpers:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await helper
        if bus.takes_jobs:
            bus.takes_jobs = False
            with contextlib.suppress(Exception):
                await bus.retire_worker()




@contextlib.asynccontextmanager
async def jobs_served(bus: JobBus | None = None, *, take_jobs: bool = True) -> AsyncIterator[None]:
    """The job tier inside a server's lifespan (the web app's embedded worker): started with it;
    at its end, no new job is taken and running ones get the drain time."""
    bus = bus or job_bus()
    stop = asyncio.Event()
    serving = asyncio.create_task(serve_jobs(bus, stop, take_jobs=take_jobs), name="jobs")
    try:
        yield
    finally:
        stop.set()
        await serving

"""The logs of several jobs followed at once (a campaign's tiles, on the page and in the command
line): what came in, in batches, so that a follower applies a burst of events in one go (one short
hold of a page state's lock) instead of one event at a time. Each log keeps its own order."""

from __future__ import annotations

import asyncio
import logging
from typing import AsyncIterator, Mapping

from email_image_app.domain.jobs.bus import JobBus
from email_image_app.domain.jobs.event_log import TICK
from email_image_app.domain.jobs.events import JobEnded

logger = logging.getLogger(__name__)

# (job id, position, event); a log that could not be read comes as (job id, "", the exception).
Found = tuple[str, str, object]


async def follow_logs(bus: JobBus, after: Mapping[str, str], *, idle: float = 1.0) -> AsyncIterator[list[Found]]:
    """Batches of what the logs of `after`'s jobs brought (each from its position there), an empty
    batch after `idle` s of silence; ends once every log has ended (or failed). Close it (e.g.
    `contextlib.aclosing`) to stop early: its readers are cancelled."""
    found: asyncio.Queue[Found] = asyncio.Queue()

    async def read(job_id: str, position: str) -> None:
        try:
            async for item in bus.follow(job_id, position):
                if item is not TICK:
                    at, event = item  # type: ignore[misc]
                    await found.put((job_id, at, event))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # Redis gone: the follower says so for this job
            logger.warning("the log of job %s could not be read", job_id, exc_info=True)
            await found.put((job_id, "", exc))

    readers = [asyncio.create_task(read(job_id, position), name=f"log-{job_id}") for job_id, position in after.items()]
    left = len(readers)
    try:
        while left:
            batch = await _next_batch(found, idle)
            left -= sum(1 for _, at, event in batch if isinstance(event, JobEnded) or not at)
            yield batch
    finally:
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)


async def _next_batch(found: asyncio.Queue[Found], timeout: float) -> list[Found]:
    """Waits up to `timeout` s for the first item, then takes all there is."""
    try:
        first = await asyncio.wait_for(found.get(), timeout)
    except asyncio.TimeoutError:
        return []
    batch = [first]
    while not found.empty():
        batch.append(found.get_nowait())
    return batch

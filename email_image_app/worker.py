"""The job worker: `python -m email_image_app.worker`. Takes image jobs from the Redis queue (the
web replicas submit them; `REFLEX_REDIS_URL` names it) and runs them with the provider key of its
own environment. SIGTERM (a deploy): it takes no new job, lets running ones finish for up to
`EMAIL_IMAGE_DRAIN_SECONDS` (default 600), then exits; a job still running then is recorded
`interrupted`, its steps kept. Reflex-free: the worker needs no web framework."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

from email_image_app.domain import database, settings
from email_image_app.domain.jobs.bus import job_bus
from email_image_app.domain.jobs.queue import drain_seconds, serve_jobs

logger = logging.getLogger("email_image_app.worker")


async def run_worker() -> int:
    bus = job_bus()
    if bus.redis_url is None:
        logger.error("REFLEX_REDIS_URL is not set: without Redis, jobs run inside the web app (make run)")
        return 2
    await asyncio.to_thread(database.upgrade)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    logger.info(
        "worker %s taking jobs from %s (drain %.0f s on SIGTERM)", bus.holder, bus.redis_url.split("@")[-1],
        drain_seconds(),
    )
    await serve_jobs(bus, stop)
    # Past the drain: what still runs is cut short, and recorded so (`interrupted`, steps kept).
    leftovers = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
    for task in leftovers:
        task.cancel()
    await asyncio.gather(*leftovers, return_exceptions=True)
    logger.info("worker %s stopped", bus.holder)
    return 0


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings.data_dir()
    sys.exit(asyncio.run(run_worker()))


if __name__ == "__main__":
    main()

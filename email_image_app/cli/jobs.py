"""The command line on the job tier: its images are jobs submitted to the same queue as the pages'
(`domain.jobs`), followed through their logs, so work and history are one.

Without `REFLEX_REDIS_URL` (or with `--server`) the queue is in memory and this process is its
worker (`jobs_served`), streaming with the client the command opened: the offline engine in this
process, the configured provider, or the studio API of `--server`. With `REFLEX_REDIS_URL` the
command only submits and follows: the team's workers run the jobs with their own provider, and
the files and rows land in the team's store and history (the same `EMAIL_IMAGE_*` settings).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from dataclasses import dataclass, field
from typing import AsyncIterator, Iterable, Mapping

from email_image_app.cli.errors import RunFailed
from email_image_app.cli.provider import IN_PROCESS_BASE_URL, open_client
from email_image_app.domain.jobs.bus import JobBus, job_bus
from email_image_app.domain.campaign.tile_logs import follow_logs
from email_image_app.domain.jobs.event_log import START
from email_image_app.domain.jobs.events import JobEnded, JobEvent
from email_image_app.domain.jobs.provider import use_job_client
from email_image_app.domain.jobs.queue import jobs_served
from email_image_app.domain.messages import message
from email_image_app.imagegen.client import OFFLINE_API_KEY, OPENAI_BASE_URL, Provider


def configured_provider(env: Mapping[str, str] = os.environ) -> Provider:
    """The provider this environment names (`OPENAI_*`; neither: the offline engine), without
    opening a client: what the command says and records when workers elsewhere run its jobs."""
    api_key = (env.get("OPENAI_API_KEY") or "").strip() or None
    base_url = (env.get("OPENAI_BASE_URL") or "").strip() or None
    if api_key is None and base_url is None:
        return Provider.for_url(IN_PROCESS_BASE_URL, OFFLINE_API_KEY)
    return Provider.for_url(base_url or OPENAI_BASE_URL, api_key)


@dataclass
class JobTier:
    """The bus this command's jobs go through, and who makes their images."""

    bus: JobBus
    provider: Provider
    runs_here: bool  # False: the team's workers run them (Redis)
    _cancelling: set[asyncio.Task] = field(default_factory=set)

    def cancel_soon(self, job_ids: Iterable[str]) -> None:
        """Cancel `job_ids` through the bus, in this order, from a signal handler (Ctrl-C)."""
        ids = list(job_ids)

        async def cancel_all() -> None:
            for job_id in ids:
                await self.bus.cancel(job_id)

        task = asyncio.get_running_loop().create_task(cancel_all(), name="cli-cancel")
        self._cancelling.add(task)  # kept referenced until it has run
        task.add_done_callback(self._cancelling.discard)


@contextlib.asynccontextmanager
async def open_job_tier(env: Mapping[str, str] = os.environ) -> AsyncIterator[JobTier]:
    """The job tier for one command, closed (embedded worker and client) at the end."""
    bus = job_bus()
    if bus.redis_url is not None:
        yield JobTier(bus, configured_provider(env), runs_here=False)
        return
    async with open_client(env) as client:
        use_job_client(client)
        try:
            async with jobs_served(bus):
                yield JobTier(bus, client.provider, runs_here=True)
        finally:
            use_job_client(None)


async def follow_jobs(bus: JobBus, job_ids: Iterable[str]) -> AsyncIterator[tuple[str, JobEvent]]:
    """(job id, event) as the jobs' logs grow, each log in its order, until every job has ended.
    A log that cannot be read (Redis gone) ends the command: RunFailed."""
    async with contextlib.aclosing(follow_logs(bus, {job_id: START for job_id in job_ids})) as batches:
        async for batch in batches:
            for job_id, _, event in batch:
                if isinstance(event, Exception):
                    raise RunFailed(f"the job's log could not be read ({type(event).__name__}: {event}).")
                yield job_id, event  # type: ignore[misc]


def failure_message(ended: JobEnded, provider: Provider) -> str:
    """How a job failed, in one line: the provider's own words when it answered, never a
    traceback; the steps received are counted."""
    partials = ended.partials
    kept = f" ({partials} partial image{'s' if partials != 1 else ''} received)" if partials else ""
    detail = ended.detail
    if detail is None:  # nothing raised: the job's process stopped (its lease lapsed)
        return (ended.error or message("error_unexpected")).render("en")
    if detail.get("provider"):
        status = detail.get("status")
        answered = f" answered HTTP {status}" if status else ""
        hint = " Check OPENAI_API_KEY." if status == 401 else ""
        return f"{provider.label}{answered}: {detail.get('message')}{kept}{hint}"
    return f"{detail.get('type')}: {detail.get('message')}{kept}"


def is_bad_input(ended: JobEnded) -> bool:
    """Refused by the client's own checks, before anything was sent (an empty prompt...)."""
    detail = ended.detail or {}
    return detail.get("type") == "InvalidRequestError" and detail.get("status") is None

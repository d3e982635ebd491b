"""One job, run by a worker: a slot among the provider streams (saying how many are ahead while it
waits), the provider's stream stored as files and history rows (`store_stream`, or `tile_stream`
for a campaign tile), and every stored item appended to the job's log, then how it ended. A Cancel
from any process cancels the consuming task (`cancel_channel`), which closes the provider stream."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, AsyncIterator

from email_image_app.domain import cancellation, edit_uploads
from email_image_app.domain.campaign.runner import EmailRendition, tile_stream
from email_image_app.domain.error_messages import describe_error
from email_image_app.domain.history import default_history
from email_image_app.domain.imaging import ImageTooLargeError
from email_image_app.domain.job_stream import FinalSaved, StepSaved, store_stream
from email_image_app.domain.jobs.events import (
    CANCELLED, COMPLETED, FAILED, INTERRUPTED, JobEnded, Queued, Started, failure_detail,
)
from email_image_app.domain.jobs.event_log import START
from email_image_app.domain.jobs.provider import job_client
from email_image_app.domain.jobs.spec import JobSpec
from email_image_app.domain.jobs.stream_slots import SlotGroup
from email_image_app.domain.messages import message
from email_image_app.domain.upload_checks import UploadError
from email_image_app.imagegen.events import ImageStreamError, IncompleteStreamError, StreamEvent
from email_image_app.imagegen.options import OptionsError

if TYPE_CHECKING:
    from email_image_app.domain.jobs.bus import JobBus

logger = logging.getLogger(__name__)

# Failures the job's end explains itself; anything else is also logged with its traceback.
_EXPECTED_FAILURES = (ImageStreamError, OptionsError, UploadError, ImageTooLargeError)


def slot_groups(spec: JobSpec, max_streams: int) -> list[SlotGroup]:
    """The slots a job needs: the installation's, and a campaign tile's campaign's."""
    groups = [SlotGroup("streams", max_streams)]
    if spec.tile is not None:
        groups.insert(0, SlotGroup(f"campaign:{spec.tile.campaign_id}", spec.tile.concurrency))
    return groups


async def _edit_events(spec: JobSpec) -> AsyncIterator[StreamEvent]:
    """The edit's stream: the stored inputs read back (in a thread; an unreadable one raises
    UploadError), then the provider's events."""
    edit = spec.edit
    assert edit is not None
    images, mask = await asyncio.to_thread(
        edit_uploads.load_edit_inputs,
        list(edit.image_urls), edit.mask_mode, edit.mask_source, edit.width, edit.height, spec.job_id,
    )
    async for event in job_client().stream_edit(images, spec.prompt, spec.options, mask=mask):
        yield event


def stored_items(spec: JobSpec, bus: JobBus) -> AsyncIterator[object]:
    """What the job stores, as it lands: steps, the final image (and a tile's email rendition)."""
    if spec.kind == "edit":
        return store_stream(_edit_events(spec), spec.job_id, spec.target, info=spec.info)
    if spec.kind == "campaign_tile":
        tile = spec.tile
        assert tile is not None
        campaign_group = f"campaign:{tile.campaign_id}"
        return tile_stream(
            lambda: job_client().stream_generate(spec.prompt, spec.options),
            spec.job_id,
            spec.target,
            EmailRendition(tile.email_format, tile.email_background, tile.email_max_bytes),
            info=spec.info,
            pause_new_starts=lambda seconds: bus.slots.pause(campaign_group, seconds),
        )
    return store_stream(
        job_client().stream_generate(spec.prompt, spec.options), spec.job_id, spec.target, info=spec.info
    )


async def run_job(spec: JobSpec, bus: JobBus) -> None:
    """Run `spec` to its end, appending each step to its log; never raises for the job's own
    failures (they are its log's last event). A worker stopping mid-job ends it `interrupted`."""
    job_id = spec.job_id
    if not await bus.claims.take(job_id):
        return  # delivered again while a live worker has it
    bus.claimed.add(job_id)
    try:
        if await bus.was_started(job_id):
            # Delivered again after its worker died: it may have reached the provider (and been
            # billed), so it is not run again; its lapsed lease ends it `interrupted`.
            logger.warning("job %s was begun by a worker that stopped: not run again", job_id)
            await _end_if_unrecorded(job_id, bus)
            return
        await _run_claimed(spec, bus)
    finally:
        bus.claimed.discard(job_id)
        await bus.claims.release(job_id)


async def _end_if_unrecorded(job_id: str, bus: JobBus) -> None:
    """A begun job whose worker died before its history row held a lease (or after the row
    ended but before its log did): no sweep will end its log, so this does."""
    found = await bus.log.read(job_id, START, 0)
    if any(isinstance(event, JobEnded) for _, event in found):
        return
    row = await asyncio.to_thread(default_history().detail, job_id)
    if row is None or row.job.status != "running":
        await bus.log.append(job_id, JobEnded(INTERRUPTED, message("job_interrupted")))


async def _run_claimed(spec: JobSpec, bus: JobBus) -> None:
    job_id = spec.job_id
    if await bus.cancels.was_cancelled(job_id):
        await bus.log.append(job_id, JobEnded(CANCELLED))
        return
    groups = slot_groups(spec, bus.max_streams)

    async def told_ahead(ahead: int) -> None:
        await bus.log.append(job_id, Queued(ahead))

    async def source() -> AsyncIterator[object]:
        await bus.slots.acquire(job_id, groups, told_ahead)
        bus.holding[job_id] = groups
        try:
            yield Started(bus.holder)
            async for item in stored_items(spec, bus):
                yield item
        finally:
            bus.holding.pop(job_id, None)
            await bus.slots.release(job_id, groups)

    partials, final_seen = 0, False
    ended: JobEnded | None = None
    try:
        async for item in cancellation.consume(job_id, source(), heartbeat=1.0):
            if item is cancellation.TICK:
                # The channel is fast; this catches a Cancel sent before the job was registered.
                if await bus.cancels.was_cancelled(job_id):
                    cancellation.cancel(job_id)
                continue
            partials += isinstance(item, StepSaved)
            final_seen = final_seen or isinstance(item, FinalSaved)
            await bus.log.append(job_id, item)  # type: ignore[arg-type]
    except cancellation.RunCancelled:
        logger.info("job %s cancelled after %d step(s)", job_id, partials)
        ended = JobEnded(CANCELLED, partials=partials)
    except asyncio.CancelledError:  # the worker is stopping past its drain: the job did not finish
        await asyncio.shield(
            bus.log.append(job_id, JobEnded(INTERRUPTED, message("job_interrupted"), partials))
        )
        raise
    except Exception as exc:
        if not isinstance(exc, _EXPECTED_FAILURES):
            logger.error("job %s failed", job_id, exc_info=exc)
        ended = JobEnded(FAILED, describe_error(exc, partials_received=partials), partials, failure_detail(exc))
    else:
        incomplete = IncompleteStreamError()
        ended = (
            JobEnded(COMPLETED, partials=partials)
            if final_seen
            else JobEnded(
                FAILED, describe_error(incomplete, partials_received=partials), partials, failure_detail(incomplete)
            )
        )
    await bus.log.append(job_id, ended)


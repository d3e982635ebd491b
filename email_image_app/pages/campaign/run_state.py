"""The campaign's run: its tiles as jobs of the job tier, their logs mirrored into the tiles,
per-tile cancel and retry, the once-a-second ticker and the pause while the provider rate-limits us.

Every tile is a job (`domain.campaign.runner.tile_job`), all submitted when the campaign starts:
the worker side lets "images at once" of them stream and pauses new starts after a 429, across
processes. One background task follows every unfinished tile's log (`_follow_tiles`) and applies
what came in one short hold of the state lock. Each tile remembers the last position applied
(`_seen`) and each follower its generation: after a reload, or a reconnect to another replica,
`resume_campaign` follows again from there, without duplicates. A retried tile is a new job.
Tiles hold references only (URLs, labels, small numbers); bytes stay in the store.
"""

from __future__ import annotations

import contextlib
import logging
import math
import time
from typing import Any, AsyncIterator

import reflex as rx

from email_image_app.domain.campaign.plan import BYTE_BUDGETS
from email_image_app.domain.campaign.runner import EmailRendition, EmailSaved, RateLimitWait, tile_job
from email_image_app.domain.campaign.tile_logs import Found, follow_logs
from email_image_app.domain.error_messages import describe_error
from email_image_app.domain.job_stream import FinalSaved, StepSaved
from email_image_app.domain.jobs.bus import job_bus
from email_image_app.domain.jobs.event_log import START, is_after
from email_image_app.domain.jobs.events import CANCELLED, COMPLETED, JobEnded, Queued, Snapshot, Started
from email_image_app.domain.jobs.spec import JobSpec
from email_image_app.domain.messages import Message, message
from email_image_app.domain.run_progress import creeping_progress, expected_seconds_per_event, progress_for
from email_image_app.domain.store import new_job_id
from email_image_app.imagegen.pricing import estimate_cost_usd
from email_image_app.pages.campaign.export_state import CampaignExportState
from email_image_app.pages.campaign.form_state import CampaignFormState
from email_image_app.pages.campaign.tiles import (
    ENDED_STATUSES,
    RETRYABLE_STATUSES,
    TileRequest,
    TileView,
    format_label,
    RestoredCampaign,
    campaign_snapshot,
    plain,
)
from email_image_app.state.auth import AuthState, budget_refusal, require_signed_in
from email_image_app.state.provider import current_provider

logger = logging.getLogger(__name__)

# Percent shown between the final image and its email-ready rendition (compression takes a moment).
COMPRESSING_PROGRESS = 97
TICK_SECONDS = 1.0


class CampaignRunState(rx.State):
    campaign_id: str = ""
    running: bool = False
    tiles: list[TileView] = []
    elapsed_s: int = 0
    rate_limit_wait_s: int = 0  # new starts are paused this long (the provider said 429)

    # The campaign this tab runs or ran last, kept in the tab (sessionStorage): a tab whose
    # server-side state is gone (its replica crashed) finds its tiles again by it.
    tab_campaign: str = rx.SessionStorage("")

    _requests: dict[str, TileRequest] = {}  # slot key -> what its tile asks for
    _tile_jobs: dict[str, str] = {}  # slot key -> job id of its current attempt
    _run_meta: dict[str, Any] = {}  # the form's settings when the campaign started, for the manifest
    _seen: dict[str, str] = {}  # job id -> the last position of its log applied here
    _follow_generation: int = 0  # the current follower's; an older one stops
    _started_at: float = 0.0  # wall clock: a follower in any process counts from it
    _paused_until: float = 0.0  # wall clock: the provider's 429 pauses new starts until then

    @rx.var
    def done_count(self) -> int:
        return sum(1 for tile in self.tiles if tile.status == "completed")

    @rx.var
    def failed_count(self) -> int:
        return sum(1 for tile in self.tiles if tile.status == "failed")

    @rx.var
    def cancelled_count(self) -> int:
        return sum(1 for tile in self.tiles if tile.status == "cancelled")

    @rx.var
    def can_export(self) -> bool:
        return not self.running and any(tile.status == "completed" for tile in self.tiles)

    # ----- starting a run -----

    @rx.event
    async def generate_campaign(self):
        if self.running or await require_signed_in(self) is None:
            return None
        form = await self.get_state(CampaignFormState)
        requests = form.requests_for_run()
        if requests is None:
            return None  # the form says why
        self.campaign_id = self.tab_campaign = new_job_id()
        self._requests = requests
        self._tile_jobs = {}
        self._seen = {}
        self.tiles = [self._new_tile(row.key, row.title, row.size_label, requests[row.key]) for row in form.slots]
        self._run_meta = form.run_meta()
        self._started_at = time.time()
        self._paused_until = 0.0
        self.elapsed_s = self.rate_limit_wait_s = 0
        (await self.get_state(CampaignExportState)).clear()
        # The tiles are under the form: bring them into view as they start.
        return [await self._submit([tile.key for tile in self.tiles]), rx.scroll_to("campaign-results")]

    def _new_tile(self, key: str, title: str, size_label: str, request: TileRequest) -> TileView:
        """A tile waiting for its turn, with a job id of its own (a retry gets a new one)."""
        self._tile_jobs[key] = new_job_id()
        return TileView(
            key=key,
            kind=request.kind,
            title=title,
            size_label=size_label,
            total_partials=request.options.partial_images,
            budget_bytes=BYTE_BUDGETS[request.kind],
            original_format=format_label(request.target.output_format),
        )

    async def _submit(self, keys: list[str]) -> rx.event.EventSpec:
        self.running = True
        (await self.get_state(CampaignExportState)).hold()
        return CampaignRunState.run_tiles(keys)

    @rx.event(background=True)
    async def run_tiles(self, keys: list[str]):
        """Submit the tiles `keys` as jobs (each checked against the budget first), then follow
        every unfinished tile of the campaign until all have ended."""
        async with self:
            specs = await self._tile_specs(keys)
            self._follow_generation += 1
            generation = self._follow_generation
            who = await require_signed_in(self)
            snapshot = Snapshot(who.account_id if who else None, self._snapshot_data())
        try:  # before the jobs: a tab that lost its state finds them through it
            await job_bus().keep_snapshot(self.campaign_id, snapshot)
        except Exception:
            logger.exception("campaign %s: its snapshot could not be kept", self.campaign_id)
        for spec in specs:
            try:
                await job_bus().submit(spec)
            except Exception as exc:  # the queue is unreachable: nothing was sent to the provider
                logger.exception("campaign %s: tile job %s could not be queued", spec.tile and spec.tile.campaign_id, spec.job_id)
                async with self:
                    tile = self._tile_of_job(spec.job_id)
                    if tile is not None and tile.status not in ENDED_STATUSES:
                        tile.status, tile.message = "failed", describe_error(exc).to_dict()
        async for event in self._follow_tiles(generation):
            yield event

    async def _tile_specs(self, keys: list[str]) -> list[JobSpec]:
        """The jobs of the tiles `keys` still waiting (call it holding the lock). Each tile is a paid
        request: refused when it would take the campaign's estimate over what is left."""
        who = await require_signed_in(self)
        form = await self.get_state(CampaignFormState)
        meta = self._run_meta
        specs, estimate = [], 0.0
        for key in keys:
            tile = self._tile(key)
            if tile is None or tile.status != "waiting":
                continue  # cancelled before it was submitted
            request: TileRequest = plain(self._requests[key])
            estimate += _estimate_usd(request)
            refusal = await budget_refusal(who, estimate) if who is not None else message("signin_needed")
            if refusal is not None:
                tile.status, tile.message = "failed", refusal.to_dict()
                continue
            info = form._job_info(
                request.prompt_sent, request.options, request.target, kind="campaign", parent_id=self.campaign_id,
                owner=who,
            )
            rendition = EmailRendition(meta["email_format"], meta["email_background"], BYTE_BUDGETS[request.kind])
            specs.append(
                tile_job(
                    self._tile_jobs[key], request.prompt_sent, request.options, request.target,
                    campaign_id=self.campaign_id, concurrency=meta["concurrency"], rendition=rendition, info=info,
                )
            )
        return specs

    @rx.event(background=True)
    async def resume_campaign(self):
        """On (re)load: the tiles still going are followed again from the last step this tab saw,
        by whichever process the tab is connected to now (the jobs' logs outlive the one that asked).
        A tab whose state was lost starts over from its campaign's snapshot and the tiles' logs."""
        async with self:
            who = await require_signed_in(self)
            lost = who is not None and not self.campaign_id and bool(self.tab_campaign)
            if who is None or not (lost or (self.running and self.campaign_id)):
                return
            self._follow_generation += 1
            generation, campaign_id = self._follow_generation, self.tab_campaign
        if lost:
            snapshot = await job_bus().snapshot(campaign_id)
            async with self:
                if self._follow_generation != generation or self.campaign_id:
                    return
                if snapshot is None or snapshot.owner_id != who.account_id:
                    self.tab_campaign = ""  # gone (its logs expired), or not this person's
                    return
                self._restore(campaign_id, snapshot.data)
                (await self.get_state(CampaignExportState)).hold()
        async for event in self._follow_tiles(generation):
            yield event

    def _snapshot_data(self) -> dict[str, Any]:
        return campaign_snapshot(self.tiles, self._requests, self._tile_jobs, self._run_meta, self._started_at)

    def _restore(self, campaign_id: str, data: dict[str, Any]) -> None:
        """A campaign found again by its snapshot: every tile replayed from the start of its log."""
        found = RestoredCampaign.of(data)
        self.campaign_id, self.tiles, self._requests = campaign_id, found.tiles, found.requests
        self._tile_jobs, self._run_meta, self._started_at = found.tile_jobs, found.run_meta, found.started_at
        self._seen, self._paused_until, self.running = {}, 0.0, True

    # ----- tile controls -----

    def _tile(self, key: str) -> TileView | None:
        return next((tile for tile in self.tiles if tile.key == key), None)

    def _tile_of_job(self, job_id: str) -> TileView | None:
        """The tile whose current attempt is `job_id`: None once retried (or another campaign)."""
        key = next((key for key, current in self._tile_jobs.items() if current == job_id), None)
        return self._tile(key) if key is not None else None

    @rx.event
    async def cancel_tile(self, key: str) -> None:
        tile = self._tile(key)
        if tile is not None and await require_signed_in(self) is not None:
            await self._cancel([tile])

    @rx.event
    async def cancel_all(self) -> None:
        if await require_signed_in(self) is None:
            return
        # The waiting ones first: none of them takes a slot a cancelled running tile frees.
        await self._cancel(sorted(self.tiles, key=lambda tile: tile.status != "waiting"))

    async def _cancel(self, tiles: list[TileView]) -> None:
        for tile in tiles:
            if tile.status in ENDED_STATUSES:
                continue
            # The view is the truth at once; the job's log says "cancelled" when its worker stopped.
            tile.status = "cancelled"
            tile.wait_s = tile.queue_ahead = 0
            try:
                await job_bus().cancel(self._tile_jobs.get(tile.key, ""))
            except Exception:  # Redis gone for a moment: the tile stays cancelled here
                logger.exception("campaign %s: the cancel of tile %s was not sent", self.campaign_id, tile.key)

    @rx.event
    async def retry_tile(self, key: str):
        position = next((index for index, tile in enumerate(self.tiles) if tile.key == key), None)
        if position is None or key not in self._requests or self.tiles[position].status not in RETRYABLE_STATUSES:
            return None
        if await require_signed_in(self) is None:
            return None
        form = await self.get_state(CampaignFormState)
        request = form.retried_request(key, plain(self._requests[key]))
        if form.refuse_long_prompt(request):
            return None  # an edited prompt over the limit: the form says so, the tile stays as it was
        form.form_error = {}
        self._requests[key] = request
        tile = self.tiles[position]
        self.tiles[position] = self._new_tile(key, tile.title, tile.size_label, request)
        (await self.get_state(CampaignExportState)).forget_usage(key)
        if not self.running:
            self._started_at = time.time()
        # A new job in the same campaign: it queues within the same "images at once" limit.
        return await self._submit([key])

    # ----- following the tiles' logs -----

    async def _follow_tiles(self, generation: int) -> AsyncIterator[rx.event.EventSpec]:
        """Mirror the logs of the unfinished tiles into them, from the last position applied, until
        every tile has ended (then the export takes the run), or a newer follower took over."""
        async with self:
            campaign_id = self.campaign_id
            followed = {
                job_id: self._seen.get(job_id, START)
                for key, job_id in self._tile_jobs.items()
                if (tile := self._tile(key)) is not None and tile.status not in ENDED_STATUSES
            }
            seconds_per_event = expected_seconds_per_event(
                self._run_meta.get("quality", "auto"), offline=current_provider().is_offline
            )
        last_event_at: dict[str, float] = {}
        next_tick = time.monotonic() + TICK_SECONDS
        worth_a_preview = False
        async with contextlib.aclosing(follow_logs(job_bus(), followed, idle=TICK_SECONDS)) as batches:
            async for batch in batches:
                now = time.monotonic()
                async with self:
                    if self._follow_generation != generation or self.campaign_id != campaign_id:
                        return  # a newer follower (a reconnect, a retry) or a newer campaign took over
                    await self._apply_batch(batch, last_event_at)
                    if now >= next_tick:
                        next_tick = now + TICK_SECONDS
                        self._tick(now, last_event_at, seconds_per_event)
                    if any(tile.status not in ENDED_STATUSES for tile in self.tiles):
                        continue
                    worth_a_preview = await self._end_run()
                break
            else:  # every log followed ended (or none was left to follow)
                async with self:
                    if self.campaign_id != campaign_id or any(t.status not in ENDED_STATUSES for t in self.tiles):
                        return  # a tile retried meanwhile: its own follower ends the run
                    worth_a_preview = await self._end_run()
        yield AuthState.refresh_budget
        if worth_a_preview:
            yield CampaignExportState.publish_preview

    async def _apply_batch(self, batch: list[Found], last_event_at: dict[str, float]) -> None:
        """What came in since the last hold of the lock (call it holding the lock)."""
        if not batch:
            return
        seen = dict(self._seen)
        for job_id, position, event in batch:
            tile = self._tile_of_job(job_id)
            if tile is None:
                continue  # retried since: its old job no longer shows
            if isinstance(event, Exception):  # the log could not be read: never stay "running"
                if tile.status not in ENDED_STATUSES:
                    tile.status, tile.message = "failed", describe_error(event).to_dict()
                continue
            if not is_after(position, seen.get(job_id, START)):
                continue  # already shown (replayed to a newer follower)
            seen[job_id] = position
            last_event_at[tile.key] = time.monotonic()
            if tile.status != "cancelled":  # a cancelled tile keeps showing cancelled
                await self._apply(tile, event)
        self._seen = seen

    async def _apply(self, tile: TileView, event: object) -> None:
        """Mirror one event of a tile's job log into its view."""
        if isinstance(event, Queued):
            tile.status, tile.queue_ahead = "waiting", event.ahead
        elif isinstance(event, Started):
            tile.status, tile.queue_ahead = "running", 0
            tile.progress = int(progress_for(0, tile.total_partials + 1))
        elif isinstance(event, StepSaved):
            tile.status = "running"
            tile.wait_s = 0
            tile.partials = event.index + 1
            tile.thumb_url = event.thumb_url
            tile.progress = int(progress_for(tile.partials, tile.total_partials + 1))
        elif isinstance(event, FinalSaved):
            tile.status = "compressing"
            tile.thumb_url = event.thumb_url
            tile.final_url = event.url
            tile.original_bytes = event.size_bytes
            tile.progress = COMPRESSING_PROGRESS
            model = plain(self._requests[tile.key]).options.model
            (await self.get_state(CampaignExportState)).record_usage(tile.key, model, event.usage)
        elif isinstance(event, EmailSaved):
            tile.status = "completed"
            tile.email_url = event.url
            tile.email_bytes = event.size_bytes
            tile.email_format = format_label(event.output_format)
            tile.thumb_url = event.url
            tile.progress = 100
        elif isinstance(event, RateLimitWait):
            tile.status = "rate_limited"
            tile.wait_s = math.ceil(event.seconds)
            self._paused_until = max(self._paused_until, time.time() + event.seconds)
            self.rate_limit_wait_s = math.ceil(event.seconds)
        elif isinstance(event, JobEnded):
            self._end_tile(tile, event)

    def _end_tile(self, tile: TileView, ended: JobEnded) -> None:
        """How the tile's job ended, from its log's last event (the worker recorded it in the history)."""
        tile.wait_s = tile.queue_ahead = 0
        if ended.status == CANCELLED:
            tile.status = "cancelled"
        elif ended.status != COMPLETED or tile.status != "completed":
            tile.status = "failed"
            tile.message = _why_it_failed(ended, tile, self._run_meta.get("email_format", "jpeg")).to_dict()

    def _tick(self, now: float, last_event_at: dict[str, float], seconds_per_event: float) -> None:
        """Once a second: elapsed time, the rate-limit wait, and bars creeping while providers are silent."""
        self.elapsed_s = int(time.time() - self._started_at)
        self.rate_limit_wait_s = math.ceil(max(0.0, self._paused_until - time.time()))
        for tile in self.tiles:
            if tile.status == "running" and tile.key in last_event_at:
                creeping = creeping_progress(
                    tile.partials, tile.total_partials + 1, now - last_event_at[tile.key], seconds_per_event
                )
                if creeping > tile.progress:
                    tile.progress = creeping
            elif tile.status == "rate_limited" and tile.wait_s > 0:
                tile.wait_s -= 1

    async def _end_run(self) -> bool:
        """Every tile has ended: the export takes what finished; True when a preview is worth it."""
        self.running = False
        self.rate_limit_wait_s = 0
        self.elapsed_s = int(time.time() - self._started_at)
        export = await self.get_state(CampaignExportState)
        return export.take_contents(self.campaign_id, self.tiles, self._requests, self._tile_jobs, self._run_meta)


def _estimate_usd(request: TileRequest) -> float:
    options = request.options
    return estimate_cost_usd(options.model, options.size, options.quality, options.partial_images, len(request.prompt_sent))


def _why_it_failed(ended: JobEnded, tile: TileView, email_format: str) -> Message:
    """The tile's failure for people, from its job's end."""
    if (ended.detail or {}).get("type") == "ImageTooLargeError":
        return message("email_too_large", budget_kb=tile.budget_bytes // 1000, format=format_label(email_format))
    if ended.error is not None:
        return ended.error
    return message("error_incomplete")

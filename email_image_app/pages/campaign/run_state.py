"""The campaign's run: the tiles, their streams, per-tile cancel and retry, the once-a-second ticker
and the pause while the provider rate-limits us.

A run is one background task per batch (`run_batch`) that fans the tiles out through
`domain.campaign.runner.TileFanout`: at most `concurrency` tiles stream at once, each consumed through
`cancellation.consume` under its own key so it can be cancelled alone. Tiles hold references only
(URLs, labels, small numbers); bytes stay on disk. A retried tile joins the running batch, or starts
one. The form (`form_state`) gives the requests; the export (`export_state`) is told what happened.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from typing import Any

import reflex as rx

from email_image_app.domain import cancellation
from email_image_app.domain.campaign import runner as campaign_runner
from email_image_app.domain.campaign.plan import BYTE_BUDGETS
from email_image_app.domain.campaign.runner import EmailRendition, EmailSaved, RateLimitWait, TileFanout
from email_image_app.domain.error_messages import describe_error
from email_image_app.domain.imaging import ImageTooLargeError
from email_image_app.domain.job_stream import FinalSaved, StepSaved
from email_image_app.domain.messages import Message, message
from email_image_app.domain.run_progress import creeping_progress, expected_seconds_per_event, progress_for
from email_image_app.domain.store import new_job_id
from email_image_app.imagegen.events import ImageStreamError
from email_image_app.imagegen.options import OptionsError
from email_image_app.imagegen.pricing import estimate_cost_usd
from email_image_app.pages.campaign.export_state import CampaignExportState
from email_image_app.pages.campaign.form_state import CampaignFormState
from email_image_app.pages.campaign.tiles import (
    ENDED_STATUSES,
    RETRYABLE_STATUSES,
    TileRequest,
    TileView,
    format_label,
    plain,
)
from email_image_app.state.auth import AuthState, budget_refusal, require_signed_in
from email_image_app.state.provider import current_provider, get_client

logger = logging.getLogger(__name__)

# Percent shown between the final image and its email-ready rendition (compression takes a moment).
COMPRESSING_PROGRESS = 97


class CampaignRunState(rx.State):
    campaign_id: str = ""
    running: bool = False
    tiles: list[TileView] = []
    elapsed_s: int = 0
    rate_limit_wait_s: int = 0  # new starts are paused this long (the provider said 429)

    _requests: dict[str, TileRequest] = {}  # slot key -> what its tile asks for
    _tile_jobs: dict[str, str] = {}  # slot key -> job id of its current attempt
    _run_meta: dict[str, Any] = {}  # the form's settings when the campaign started, for the manifest
    _batches: int = 0  # batch tasks started and not yet ended

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
        self.campaign_id = new_job_id()
        self._requests = requests
        self._tile_jobs = {}
        self.tiles = [self._new_tile(row.key, row.title, row.size_label, requests[row.key]) for row in form.slots]
        self._run_meta = form.run_meta()
        (await self.get_state(CampaignExportState)).clear()
        # The tiles are under the form: bring them into view as they start.
        return [await self._start_batch([tile.key for tile in self.tiles]), rx.scroll_to("campaign-results")]

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

    async def _start_batch(self, keys: list[str]) -> rx.event.EventSpec:
        # Counted here, under the lock, so `running` stays true until the last batch has ended
        # even when a retry starts a batch while the previous one is finishing.
        self._batches += 1
        self.running = True
        (await self.get_state(CampaignExportState)).hold()
        return CampaignRunState.run_batch(keys)

    # ----- tile controls -----

    def _tile(self, key: str) -> TileView | None:
        return next((tile for tile in self.tiles if tile.key == key), None)

    def _tile_run_key(self, job_id: str) -> str:
        return f"{self.router.session.client_token}:{job_id}"

    @rx.event
    async def cancel_tile(self, key: str) -> None:
        tile = self._tile(key)
        if tile is not None and await require_signed_in(self) is not None:
            self._cancel(tile)

    @rx.event
    async def cancel_all(self) -> None:
        if await require_signed_in(self) is None:
            return
        for tile in self.tiles:
            self._cancel(tile)

    def _cancel(self, tile: TileView) -> None:
        if tile.status in ENDED_STATUSES:
            return
        # The state is the truth: a tile marked cancelled here is dropped by its runner at its next
        # update, even if its stream was not registered yet.
        tile.status = "cancelled"
        tile.wait_s = 0
        fanout = campaign_runner.running_fanout(self.campaign_id)
        if fanout is not None:
            fanout.discard(tile.key)
        cancellation.cancel(self._tile_run_key(self._tile_jobs.get(tile.key, "")))

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
        fanout = campaign_runner.running_fanout(self.campaign_id)
        if fanout is not None and fanout.add(key):
            return None  # the running batch takes it, within the same concurrency limit
        return await self._start_batch([key])

    # ----- running tiles -----

    @rx.event(background=True)
    async def run_batch(self, keys: list[str]):
        """Run `keys` through the campaign's fanout; returns when every tile of it has ended."""
        async with self:
            if await require_signed_in(self) is None:
                self._end_batch()
                return
            form = await self.get_state(CampaignFormState)
            campaign_id, limit, quality = self.campaign_id, form.concurrency, form.quality
        fanout = campaign_runner.open_fanout(campaign_id, limit)
        for key in keys:
            fanout.add(key)
        if fanout.started:
            # Another batch task is running this campaign's fanout: it takes these tiles.
            async with self:
                self._end_batch()
            return
        last_event_at: dict[str, float] = {}
        started = time.monotonic()
        seconds_per_event = expected_seconds_per_event(quality, offline=current_provider().is_offline)
        ticker = asyncio.create_task(self._tick(fanout, started, last_event_at, seconds_per_event))
        try:
            await fanout.run(lambda key: self._run_tile(campaign_id, key, fanout, last_event_at))
        finally:
            ticker.cancel()
            campaign_runner.forget_fanout(campaign_id, fanout)
            async with self:
                self._end_batch()
                self.elapsed_s = int(time.monotonic() - started)
                worth_a_preview = self.campaign_id == campaign_id and (
                    await self.get_state(CampaignExportState)
                ).take_contents(campaign_id, self.tiles, self._requests, self._tile_jobs, self._run_meta)
        yield AuthState.refresh_budget
        if worth_a_preview:
            yield CampaignExportState.publish_preview

    def _end_batch(self) -> None:
        self._batches = max(0, self._batches - 1)
        if self._batches == 0:
            self.running = False
            self.rate_limit_wait_s = 0

    async def _tick(
        self, fanout: TileFanout, started: float, last_event_at: dict[str, float], seconds_per_event: float
    ) -> None:
        """Once a second: elapsed time, the rate-limit wait, and bars creeping while providers are silent."""
        while True:
            await asyncio.sleep(1.0)
            now = time.monotonic()
            async with self:
                self.elapsed_s = int(now - started)
                self.rate_limit_wait_s = math.ceil(fanout.paused_for)
                for tile in self.tiles:
                    if tile.status == "running" and tile.key in last_event_at:
                        creeping = creeping_progress(
                            tile.partials, tile.total_partials + 1, now - last_event_at[tile.key], seconds_per_event
                        )
                        if creeping > tile.progress:
                            tile.progress = creeping
                    elif tile.status == "rate_limited" and tile.wait_s > 0:
                        tile.wait_s -= 1

    def _live_tile(self, key: str, job_id: str) -> TileView | None:
        """The tile still waiting for this job's updates: None once cancelled or retried."""
        tile = self._tile(key)
        if tile is None or self._tile_jobs.get(key) != job_id or tile.status == "cancelled":
            return None
        return tile

    async def _run_tile(self, campaign_id: str, key: str, fanout: TileFanout, last_event_at: dict[str, float]) -> None:
        async with self:
            tile = self._tile(key)
            if tile is None or tile.status != "waiting" or self.campaign_id != campaign_id:
                return  # cancelled while queued, or a newer campaign replaced this one
            job_id = self._tile_jobs[key]
            request: TileRequest = plain(self._requests[key])
            run_key = self._tile_run_key(job_id)
            email_format, email_background = self._run_meta["email_format"], self._run_meta["email_background"]
            who = await require_signed_in(self)
            # Each tile is a paid request of its own: checked against what is left when it starts.
            refusal = await budget_refusal(who, _estimate_usd(request)) if who is not None else message("signin_needed")
            if refusal is not None:
                tile.status = "failed"
                tile.message = refusal.to_dict()
                return
            tile.status = "running"
            tile.progress = int(progress_for(0, tile.total_partials + 1))
            form = await self.get_state(CampaignFormState)
            info = form._job_info(
                request.prompt_sent, request.options, request.target, kind="campaign", parent_id=campaign_id, owner=who
            )
        rendition = EmailRendition(email_format, email_background, BYTE_BUDGETS[request.kind])
        client = get_client()
        source = campaign_runner.tile_stream(
            lambda: client.stream_generate(request.prompt_sent, request.options),
            job_id,
            request.target,
            rendition,
            info=info,
            fanout=fanout,
        )
        last_event_at[key] = time.monotonic()
        outcome: Exception | None = None
        try:
            async for item in cancellation.consume(run_key, source, heartbeat=3600):
                last_event_at[key] = time.monotonic()
                async with self:
                    tile = self._live_tile(key, job_id)
                    if tile is None:
                        cancellation.cancel(run_key)
                        return
                    await self._apply(tile, item, request.options.model)
        except cancellation.RunCancelled:
            return  # the tile was marked cancelled by whoever cancelled it
        except (ImageStreamError, OptionsError, ImageTooLargeError) as exc:
            outcome = exc
        except Exception as exc:  # a tile never takes the page or the other tiles down; log the cause
            logger.exception("campaign %s tile %s failed", campaign_id, key)
            outcome = exc
        finally:
            last_event_at.pop(key, None)
        async with self:
            tile = self._live_tile(key, job_id)
            if tile is not None and (outcome is not None or tile.status != "completed"):
                tile.status = "failed"
                tile.wait_s = 0
                tile.message = _why_it_failed(outcome, tile, email_format).to_dict()

    async def _apply(self, tile: TileView, item: campaign_runner.TileItem, model: str) -> None:
        """Mirror one stored item of a tile's stream into its view."""
        if isinstance(item, StepSaved):
            tile.status = "running"
            tile.wait_s = 0
            tile.partials = item.index + 1
            tile.thumb_url = item.thumb_url
            tile.progress = int(progress_for(tile.partials, tile.total_partials + 1))
        elif isinstance(item, FinalSaved):
            tile.status = "compressing"
            tile.thumb_url = item.thumb_url
            tile.final_url = item.url
            tile.original_bytes = item.size_bytes
            tile.progress = COMPRESSING_PROGRESS
            (await self.get_state(CampaignExportState)).record_usage(tile.key, model, item.usage)
        elif isinstance(item, EmailSaved):
            tile.status = "completed"
            tile.email_url = item.url
            tile.email_bytes = item.size_bytes
            tile.email_format = format_label(item.output_format)
            tile.thumb_url = item.url
            tile.progress = 100
        elif isinstance(item, RateLimitWait):
            tile.status = "rate_limited"
            tile.wait_s = math.ceil(item.seconds)


def _estimate_usd(request: TileRequest) -> float:
    options = request.options
    return estimate_cost_usd(options.model, options.size, options.quality, options.partial_images, len(request.prompt_sent))


def _why_it_failed(outcome: Exception | None, tile: TileView, email_format: str) -> Message:
    """The tile's failure for people; `outcome` None means the stream ended without a final image."""
    if isinstance(outcome, ImageTooLargeError):
        return message("email_too_large", budget_kb=tile.budget_bytes // 1000, format=format_label(email_format))
    return describe_error(outcome or ImageStreamError("no final image"), partials_received=tile.partials)

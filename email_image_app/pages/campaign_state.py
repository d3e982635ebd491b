"""State of `/campaign`: the form (subject, products, slots and their prompts, options), the tiles of
a run, and the export (ZIP, email preview, totals).

A run is one background task per batch (`run_batch`) that fans the tiles out through
`campaign_runner.TileFanout`: at most `concurrency` tiles stream at once, each consumed through
`cancellation.consume` under its own key so it can be cancelled alone. Tiles hold references only (URLs,
labels, small numbers); bytes stay on disk. A retried tile joins the running batch, or starts one.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import json
import logging
import math
import time
from dataclasses import dataclass
from typing import Any

import reflex as rx
from PIL import ImageColor

from email_image_app.domain.campaign import export as campaign_export
from email_image_app.domain.campaign import runner as campaign_runner
from email_image_app.domain import cancellation
from email_image_app.domain.campaign.plan import (
    BYTE_BUDGETS,
    DEFAULT_PRODUCT_SIZE,
    PRODUCT_SIZES,
    Product,
    ProductCsvError,
    Slot,
    parse_products_csv,
    plan_slots,
    with_brand_notes,
)
from email_image_app.domain.campaign.runner import (
    DEFAULT_CONCURRENCY,
    MAX_CONCURRENCY,
    MIN_CONCURRENCY,
    EmailRendition,
    EmailSaved,
    RateLimitWait,
    TileFanout,
)
from email_image_app.domain.error_messages import describe_error
from email_image_app.domain.messages import Message, message
from email_image_app.state.language import LanguageState
from email_image_app.domain.job_stream import FinalSaved, JobTarget, StepSaved
from email_image_app.domain.run_progress import (
    creeping_progress,
    describe_options_error,
    expected_seconds_per_event,
    progress_for,
)
from email_image_app.state.image_options import ImageOptionsState
from email_image_app.imagegen.events import ImageStreamError, ImageUsage
from email_image_app.imagegen.options import ImageOptions, OptionsError
from email_image_app.imagegen.pricing import cost_usd, estimate_cost_usd
from email_image_app.domain.imaging import ImageTooLargeError
from email_image_app.state.provider import current_provider, get_client
from email_image_app.domain.store import image_store, new_job_id
from email_image_app.domain.formatting import format_usd

logger = logging.getLogger(__name__)

EMAIL_FORMATS = ("jpeg", "webp")
DEFAULT_EMAIL_BACKGROUND = "#ffffff"
# Percent shown between the final image and its email-ready rendition (compression takes a moment).
COMPRESSING_PROGRESS = 97
ENDED_STATUSES = ("completed", "failed", "cancelled")


@dataclass
class ProductRow:
    row: int  # stable number of the row: its slot keeps its (edited) prompt while rows move
    id: str
    name: str
    description: str


@dataclass
class SlotRow:
    key: str
    kind: str
    title: str  # the product's name; "" for hero, logo and banner
    size_label: str
    prompt: str
    edited: bool


@dataclass
class TileView:
    """What a tile shows; sent whole at each update of any tile, so only what the page needs (the
    prompt, job id and file names stay server-side)."""

    key: str
    kind: str
    title: str
    size_label: str
    status: str = "waiting"  # waiting | running | rate_limited | compressing | completed | failed | cancelled
    progress: int = 0
    partials: int = 0
    total_partials: int = 0
    thumb_url: str = ""
    final_url: str = ""
    email_url: str = ""
    original_format: str = ""
    original_bytes: int = 0
    email_format: str = ""
    email_bytes: int = 0
    budget_bytes: int = 0
    wait_s: int = 0
    message: dict[str, Any] = dataclasses.field(default_factory=dict)  # why it failed: a message


def _size_label(width: int, height: int) -> str:
    return f"{width}×{height}"


def _format_label(output_format: str) -> str:
    return "JPEG" if output_format == "jpeg" else output_format.upper()


def _slot_rows(slots: list[Slot], edited_prompts: dict[str, str]) -> list[SlotRow]:
    """The slot editors: each slot's default prompt, unless the marketer edited it."""
    return [
        SlotRow(
            key=slot.key,
            kind=slot.kind,
            title=slot.product.name if slot.product else "",
            size_label=_size_label(slot.width, slot.height),
            prompt=edited_prompts.get(slot.key, slot.default_prompt),
            edited=slot.key in edited_prompts,
        )
        for slot in slots
    ]


class CampaignState(ImageOptionsState, rx.State):
    # ----- the form -----
    subject: str = ""
    brand_notes: str = ""
    products: list[ProductRow] = [ProductRow(row=1, id="1", name="", description="")]
    csv_open: bool = False
    csv_text: str = ""
    csv_error: dict[str, Any] = {}
    product_size: str = DEFAULT_PRODUCT_SIZE
    include_logo: bool = False
    include_banner: bool = False
    slots: list[SlotRow] = _slot_rows(plan_slots("", []), {})
    concurrency: int = DEFAULT_CONCURRENCY
    email_format: str = "jpeg"
    email_background: str = DEFAULT_EMAIL_BACKGROUND
    form_error: dict[str, Any] = {}

    # ----- the run -----
    campaign_id: str = ""
    running: bool = False
    tiles: list[TileView] = []
    elapsed_s: int = 0
    rate_limit_wait_s: int = 0

    # ----- the export -----
    total_tokens: int = 0
    cost_label: str = ""
    zip_url: str = ""
    preview_url: str = ""
    export_error: dict[str, Any] = {}
    exporting: bool = False

    # Per tile, what was asked, as JSON (kept server-side for the manifest and retries).
    _requests: dict[str, str] = {}
    _tile_jobs: dict[str, str] = {}  # slot key -> job id of its current attempt
    _usages: dict[str, dict[str, Any]] = {}
    _run_meta: dict[str, Any] = {}
    _preview_version: int = 0
    _batches: int = 0  # batch tasks started and not yet ended

    # ----- form events -----

    @rx.event
    def set_subject(self, value: str) -> None:
        self.subject = value[:300]
        self._refresh_slots()

    @rx.event
    def set_brand_notes(self, value: str) -> None:
        self.brand_notes = value[:1000]

    @rx.event
    def set_product_field(self, index: int, field: str, value: str) -> None:
        if field not in ("id", "name", "description") or not 0 <= index < len(self.products):
            return
        setattr(self.products[index], field, value[:500])
        self._refresh_slots()

    @rx.event
    def add_product(self) -> None:
        next_row = max((row.row for row in self.products), default=0) + 1
        self.products.append(ProductRow(row=next_row, id=str(len(self.products) + 1), name="", description=""))

    @rx.event
    def remove_product(self, index: int) -> None:
        if 0 <= index < len(self.products):
            del self.products[index]
            self._refresh_slots()

    @rx.event
    def toggle_csv(self) -> None:
        self.csv_open = not self.csv_open
        self.csv_error = {}

    @rx.event
    def set_csv_text(self, value: str) -> None:
        self.csv_text = value[:100_000]
        self.csv_error = {}

    @rx.event
    async def import_csv(self) -> None:
        try:
            products = parse_products_csv(self.csv_text)
        except ProductCsvError as exc:
            self.csv_error = exc.as_message().to_dict()
            return
        if not products:
            self.csv_error = message("csv_no_products").to_dict()
            return
        # The pasted list replaces the rows; edited prompts of the old rows no longer apply.
        self.products = [
            ProductRow(row=number, id=product.id, name=product.name, description=product.description)
            for number, product in enumerate(products, start=1)
        ]
        self.slots = [slot for slot in self.slots if slot.kind != "product"]
        self._refresh_slots()
        self.csv_text = ""
        self.csv_error = {}
        self.csv_open = False

    @rx.event
    def set_product_size(self, value: str) -> None:
        if value in PRODUCT_SIZES:
            self.product_size = value
            self._refresh_slots()

    @rx.event
    def set_include_logo(self, value: bool) -> None:
        self.include_logo = bool(value)
        self._refresh_slots()

    @rx.event
    def set_include_banner(self, value: bool) -> None:
        self.include_banner = bool(value)
        self._refresh_slots()

    @rx.event
    def set_slot_prompt(self, key: str, value: str) -> None:
        for slot in self.slots:
            if slot.key == key:
                slot.prompt = value[:4000]
                slot.edited = True

    @rx.event
    def reset_slot_prompt(self, key: str) -> None:
        for slot in self.slots:
            if slot.key == key:
                slot.edited = False
        self._refresh_slots()

    @rx.event
    def set_concurrency(self, value: str) -> None:
        self.concurrency = max(MIN_CONCURRENCY, min(MAX_CONCURRENCY, int(value)))

    @rx.event
    def set_email_format(self, value: str) -> None:
        if value in EMAIL_FORMATS:
            self.email_format = value

    @rx.event
    def set_email_background(self, value: str) -> None:
        try:
            red, green, blue = ImageColor.getrgb(value)[:3]
        except ValueError:
            return
        self.email_background = f"#{red:02x}{green:02x}{blue:02x}"

    # ----- what the form shows -----

    def _planned_slots(self) -> list[Slot]:
        products = [Product(row.id.strip(), row.name.strip(), row.description.strip()) for row in self.products]
        return plan_slots(
            self.subject,
            products,
            product_size=self.product_size,
            include_logo=self.include_logo,
            include_banner=self.include_banner,
            product_keys=[f"product-{row.row}" for row in self.products],
        )

    def _refresh_slots(self) -> None:
        """Re-plan the slots from the form, keeping the prompts the marketer edited."""
        edited = {slot.key: slot.prompt for slot in self.slots if slot.edited}
        self.slots = _slot_rows(self._planned_slots(), edited)

    @rx.var
    def can_generate(self) -> bool:
        return not self.running and self.subject.strip() != ""

    @rx.var
    def estimate_amount(self) -> str:
        """The campaign's list-price estimate before the run ("$0.42"; not shown for the offline engine)."""
        total = 0.0
        try:
            for slot in self._planned_slots():
                options, _ = self._options_for_size(slot.width, slot.height)
                total += estimate_cost_usd(
                    options.model, options.size, options.quality, options.partial_images, len(slot.default_prompt)
                )
        except (OptionsError, ValueError):
            return ""
        return format_usd(total)

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

    def _tile_request(self, slot: SlotRow, product: Product | None, file_stem: str, width: int, height: int) -> dict:
        """What one tile asks the provider for, from the form as it is now."""
        options, target = self._options_for_size(width, height)
        options.validate()
        prompt = slot.prompt.strip()
        prompt_sent = self._prompt_to_send(with_brand_notes(prompt, self.brand_notes), options, target)
        return {
            "kind": slot.kind,
            "prompt": prompt,
            "prompt_sent": prompt_sent,
            "options": dataclasses.asdict(options.replace(notices=())),
            "target": dataclasses.asdict(target.with_stem(file_stem)),
            "product": dataclasses.asdict(product) if product else None,
        }

    def _new_tile(self, key: str, kind: str, title: str, size_label: str, request: dict) -> TileView:
        """A tile waiting for its turn, with a job id of its own (a retry gets a new one)."""
        self._tile_jobs[key] = new_job_id()
        return TileView(
            key=key,
            kind=kind,
            title=title,
            size_label=size_label,
            total_partials=request["options"]["partial_images"],
            budget_bytes=BYTE_BUDGETS[kind],
            original_format=_format_label(request["target"]["output_format"]),
        )

    @rx.event
    async def generate_campaign(self):
        if self.running:
            return None
        if not self.subject.strip():
            self.form_error = message("campaign_subject_missing").to_dict()
            return None
        self._refresh_slots()
        if any(not row.prompt.strip() for row in self.slots):
            self.form_error = message("campaign_prompt_missing").to_dict()
            return None
        planned = {slot.key: slot for slot in self._planned_slots()}
        requests: dict[str, dict] = {}
        try:
            for row in self.slots:
                slot = planned[row.key]
                requests[row.key] = self._tile_request(row, slot.product, slot.file_stem, slot.width, slot.height)
        except OptionsError as exc:
            self.form_error = describe_options_error(exc).to_dict()
            return None
        self.form_error = {}
        self.campaign_id = new_job_id()
        self._requests = {key: json.dumps(request) for key, request in requests.items()}
        self._tile_jobs = {}
        self._usages = {}
        self.tiles = [
            self._new_tile(row.key, row.kind, row.title, row.size_label, requests[row.key]) for row in self.slots
        ]
        self._run_meta = {
            "subject": self.subject.strip(),
            "brand_notes": self.brand_notes.strip(),
            "product_size": self.product_size,
            "email_format": self.email_format,
            "email_background": self.email_background,
            "concurrency": self.concurrency,
            "model": self.model,
            "quality": self.quality,
            "background": self.background,
            "output_format": self.output_format,
            "partial_images": self.partial_images,
            "created_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        }
        self._reset_export()
        # The tiles are under the form: bring them into view as they start.
        return [self._start_batch([tile.key for tile in self.tiles]), rx.scroll_to("campaign-results")]

    def _reset_export(self) -> None:
        self.total_tokens = 0
        self.cost_label = ""
        self.zip_url = ""
        self.preview_url = ""
        self.export_error = {}

    # ----- tile controls -----

    def _request(self, key: str) -> dict[str, Any]:
        """What the tile `key` asked for (see `_tile_request`); {} when unknown."""
        return json.loads(self._requests.get(key, "{}"))

    def _tile(self, key: str) -> TileView | None:
        return next((tile for tile in self.tiles if tile.key == key), None)

    def _tile_run_key(self, job_id: str) -> str:
        return f"{self.router.session.client_token}:{job_id}"

    @rx.event
    def cancel_tile(self, key: str) -> None:
        tile = self._tile(key)
        if tile is not None:
            self._cancel(tile)

    @rx.event
    def cancel_all(self) -> None:
        for tile in self.tiles:
            self._cancel(tile)

    def _cancel(self, tile: TileView) -> None:
        if tile.status in ENDED_STATUSES:
            return
        key = tile.key
        # The state is the truth: a tile marked cancelled here is dropped by its runner at its next
        # update, even if its stream was not registered yet.
        tile.status = "cancelled"
        tile.wait_s = 0
        fanout = campaign_runner.running_fanout(self.campaign_id)
        if fanout is not None:
            fanout.discard(key)
        cancellation.cancel(self._tile_run_key(self._tile_jobs.get(key, "")))

    @rx.event
    def retry_tile(self, key: str):
        position = next((index for index, tile in enumerate(self.tiles) if tile.key == key), None)
        request = self._request(key)
        if position is None or not request or self.tiles[position].status not in ("failed", "cancelled"):
            return None
        # A prompt edited since the run is the one retried (e.g. after a safety refusal).
        slot = next((row for row in self.slots if row.key == key), None)
        if slot is not None and slot.prompt.strip() and slot.prompt.strip() != request["prompt"]:
            request["prompt"] = slot.prompt.strip()
            request["prompt_sent"] = self._prompt_to_send(
                with_brand_notes(request["prompt"], self.brand_notes),
                ImageOptions(**request["options"]),
                JobTarget(**request["target"]),
            )
        self._requests[key] = json.dumps(request)
        tile = self.tiles[position]
        self.tiles[position] = self._new_tile(key, tile.kind, tile.title, tile.size_label, request)
        self._usages.pop(key, None)
        self._update_totals()
        fanout = campaign_runner.running_fanout(self.campaign_id)
        if fanout is not None and fanout.add(key):
            return None  # the running batch takes it, within the same concurrency limit
        return self._start_batch([key])

    def _start_batch(self, keys: list[str]) -> rx.event.EventSpec:
        # Counted here, under the lock, so `running` stays true until the last batch has ended
        # even when a retry starts a batch while the previous one is finishing.
        self._batches += 1
        self.running = True
        return CampaignState.run_batch(keys)

    # ----- running tiles -----

    @rx.event(background=True)
    async def run_batch(self, keys: list[str]):
        """Run `keys` through the campaign's fanout; returns when every tile of it has ended."""
        async with self:
            campaign_id, limit = self.campaign_id, self.concurrency
            quality = self.quality
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
        ticker = asyncio.create_task(self._tick(fanout, started, last_event_at, expected_seconds_per_event(quality, offline=current_provider().is_offline)))
        try:
            await fanout.run(lambda key: self._run_tile(campaign_id, key, fanout, last_event_at))
        finally:
            ticker.cancel()
            campaign_runner.forget_fanout(campaign_id, fanout)
            async with self:
                self._end_batch()
                self.elapsed_s = int(time.monotonic() - started)
        await self._publish_preview(campaign_id)

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
            request = self._request(key)
            run_key = self._tile_run_key(job_id)
            meta = dict(self._run_meta)
            tile.status = "running"
            tile.progress = int(progress_for(0, tile.total_partials + 1))
            options = ImageOptions(**request["options"])
            target = JobTarget(**request["target"])
            info = self._job_info(request["prompt_sent"], options, target, kind="campaign", parent_id=campaign_id)
        rendition = EmailRendition(meta["email_format"], meta["email_background"], BYTE_BUDGETS[request["kind"]])
        client = get_client()
        source = campaign_runner.tile_stream(
            lambda: client.stream_generate(request["prompt_sent"], options),
            job_id,
            target,
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
                    self._apply(tile, item, options.model)
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
            if tile is None:
                return
            if outcome is None and tile.status != "completed":
                outcome = ImageStreamError("no final image")
            if outcome is not None:
                tile.status = "failed"
                tile.wait_s = 0
                tile.message = (
                    message("verbatim", text=str(outcome)) if isinstance(outcome, ImageTooLargeError)
                    else describe_error(outcome, partials_received=tile.partials)
                ).to_dict()

    def _apply(self, tile: TileView, item: campaign_runner.TileItem, model: str) -> None:
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
            self._usages[tile.key] = {"model": model, "usage": item.usage.to_dict() if item.usage else None}
        elif isinstance(item, EmailSaved):
            tile.status = "completed"
            tile.email_url = item.url
            tile.email_bytes = item.size_bytes
            tile.email_format = _format_label(item.output_format)
            tile.thumb_url = item.url
            tile.progress = 100
            self._update_totals()
        elif isinstance(item, RateLimitWait):
            tile.status = "rate_limited"
            tile.wait_s = math.ceil(item.seconds)

    def _usage_of(self, key: str) -> ImageUsage | None:
        record = self._usages.get(key)
        return ImageUsage.from_dict(record["usage"]) if record else None

    def _update_totals(self) -> None:
        usages = [(record["model"], self._usage_of(key)) for key, record in self._usages.items()]
        self.total_tokens = sum(usage.total_tokens for _, usage in usages if usage)
        offline = current_provider().is_offline
        self.cost_label = "" if offline else format_usd(sum(cost_usd(model, usage) for model, usage in usages))

    # ----- export -----

    def _export(self, lang: str) -> campaign_export.CampaignExport:
        """The finished tiles as an export description: paths of the stored files, prompts, usage."""
        images = []
        not_included = []
        for tile in self.tiles:
            request = self._request(tile.key)
            if tile.status != "completed":
                not_included.append({"slot": tile.key, "status": tile.status, "reason": Message.from_dict(tile.message).render("en") if tile.message else ""})
                continue
            product = request.get("product")
            images.append(
                campaign_export.ExportImage(
                    slot_key=tile.key,
                    kind=tile.kind,
                    prompt=request["prompt"],
                    prompt_sent=request["prompt_sent"],
                    original=image_store.path_for_url(tile.final_url),
                    email=image_store.path_for_url(tile.email_url),
                    budget_bytes=tile.budget_bytes,
                    job_id=self._tile_jobs.get(tile.key, ""),
                    usage=self._usage_of(tile.key),
                    product=Product(**product) if product else None,
                )
            )
        meta = self._run_meta
        return campaign_export.CampaignExport(
            campaign_id=self.campaign_id,
            subject=meta.get("subject", self.subject),
            brand_notes=meta.get("brand_notes", ""),
            provider=current_provider().label,
            offline=current_provider().is_offline,
            model=meta.get("model", self.model),
            options={name: value for name, value in meta.items() if name not in ("subject", "brand_notes", "created_at", "model")},
            email_background=meta.get("email_background", DEFAULT_EMAIL_BACKGROUND),
            images=tuple(images),
            not_included=tuple(not_included),
            created_at=meta.get("created_at", ""),
            lang=lang,
        )

    async def _publish_preview(self, campaign_id: str) -> None:
        """Store the email with absolute image URLs, for the in-page preview (an iframe on that file)."""
        async with self:
            if self.campaign_id != campaign_id or not any(tile.status == "completed" for tile in self.tiles):
                return
            lang = (await self.get_state(LanguageState)).lang
            export = self._export(lang)
            urls = {tile.key: tile.email_url for tile in self.tiles}
            self._preview_version += 1
            name = f"preview-{self._preview_version}.html"

        def store_preview() -> str:
            page = campaign_export.render_email_html(export, lambda image: urls[image.slot_key])
            return image_store.save(campaign_id, name, page.encode("utf-8")).url

        url = await asyncio.to_thread(store_preview)
        async with self:
            if self.campaign_id == campaign_id:
                self.preview_url = url

    @rx.event(background=True)
    async def download_zip(self):
        async with self:
            if self.exporting or self.running or not any(tile.status == "completed" for tile in self.tiles):
                return
            self.exporting = True
            self.export_error = {}
            lang = (await self.get_state(LanguageState)).lang
            campaign_id = self.campaign_id
            export = self._export(lang)

        def store_zip() -> str:
            data = campaign_export.build_zip(export)
            return image_store.save(campaign_id, campaign_export.zip_filename(export), data).url

        try:
            url = await asyncio.to_thread(store_zip)
        except Exception:  # missing file, full disk: say so instead of a silent button
            logger.exception("campaign %s: building the ZIP failed", campaign_id)
            async with self:
                self.exporting = False
                self.export_error = message("zip_failed").to_dict()
            return
        async with self:
            self.exporting = False
            self.zip_url = url
        yield rx.download(url=url, filename=campaign_export.zip_filename(export))

"""A campaign run from the command line: its tiles (one per image), each a job of the job tier
submitted at once (the tier holds the "images at once" limit, as for the page), their logs
followed, Ctrl-C keeping what finished, then the same ZIP as the page and a summary table."""


from __future__ import annotations

import datetime
import time
from dataclasses import dataclass
from pathlib import Path

from rich.table import Table

from email_image_app.domain.campaign import export as campaign_export
from email_image_app.domain import eta
from email_image_app.domain.campaign.plan import (
    Slot,
    slot_prompt_refusal,
    with_brand_notes,
)
from email_image_app.domain.campaign.runner import (
    EmailRendition,
    EmailSaved,
    RateLimitWait,
    clamped_concurrency,
    tile_job,
)
from email_image_app.cli import options as opt
from email_image_app.cli.errors import BadInput, Interrupted, RunFailed
from email_image_app.cli.jobs import failure_message, follow_jobs, open_job_tier
from email_image_app.cli.progress import Reporter
from email_image_app.cli.provider import records_locally
from email_image_app.cli.running import InterruptGuard, typical_duration, write_bytes
from email_image_app.domain.job_stream import FinalSaved, JobTarget, StepSaved
from email_image_app.domain.jobs.events import CANCELLED, COMPLETED, JobEnded, JobEvent, Queued, Started
from email_image_app.domain.jobs.spec import JobSpec
from email_image_app.domain.image_request import RequestChoices
from email_image_app.imagegen.options import ImageOptions, OptionsError
from email_image_app.imagegen.pricing import cost_usd
from email_image_app.imagegen.sizing import plan_size
from email_image_app.domain.imaging import image_size
from email_image_app.domain.formatting import format_bytes
from email_image_app.domain.store import image_store, new_job_id

LABEL_WIDTH = 24


@dataclass
class Tile:
    """One image of the campaign: its request, then what came of it."""

    slot: Slot
    prompt: str
    prompt_sent: str
    options: ImageOptions
    target: JobTarget
    job_id: str
    status: str = "waiting"  # waiting | running | completed | failed | cancelled
    message: str = ""
    final: FinalSaved | None = None
    email: EmailSaved | None = None

    @property
    def label(self) -> str:
        if self.slot.product is None:
            return self.slot.kind
        name = self.slot.product.name
        return name if len(name) <= LABEL_WIDTH else name[: LABEL_WIDTH - 1] + "…"



def plan_tiles(slots: list[Slot], choices: RequestChoices, brand: str) -> list[Tile]:
    """Each slot's request, as the page builds it: its prompt with the brand notes, at its size."""
    tiles = []
    for slot in slots:
        try:
            options, target = choices.for_plan(plan_size(choices.model, slot.width, slot.height))
            options.validate()
        except OptionsError as exc:
            raise opt.checked_options_error(exc) from None
        prompt = slot.default_prompt
        prompt_sent = choices.prompt_for_new_image(with_brand_notes(prompt, brand), options, target)
        refusal = slot_prompt_refusal(slot.kind, slot.product, prompt, prompt_sent)
        if refusal is not None:
            raise BadInput(refusal.render("en"))
        tiles.append(Tile(slot, prompt, prompt_sent, options, target.with_stem(slot.file_stem), new_job_id()))
    return tiles



def partial_zip_path(path: Path) -> Path:
    return path.with_name(f"{path.stem}.partial{path.suffix or '.zip'}")


class CampaignRun:
    def __init__(
        self, tiles: list[Tile], choices: RequestChoices, meta: dict[str, object], reporter: Reporter, zip_path: Path
    ) -> None:
        self.tiles = {tile.slot.key: tile for tile in tiles}
        self.by_job = {tile.job_id: key for key, tile in self.tiles.items()}
        self.choices = choices
        self.meta = meta
        self.reporter = reporter
        self.zip_path = zip_path
        self.campaign_id = new_job_id()
        self.created_at = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
        self.concurrency = clamped_concurrency(int(meta["concurrency"]))  # type: ignore[call-overload]
        self.guard = InterruptGuard(self._interrupt)
        self.started_at: dict[str, float] = {}  # slot key -> when its job started streaming

    async def run(self) -> None:
        started = time.monotonic()
        async with open_job_tier() as tier:
            self.tier = tier
            self.provider = tier.provider
            self._announce()
            with self.guard:
                # All at once: the job tier lets `concurrency` of them stream, in this order.
                for key, tile in self.tiles.items():
                    await tier.bus.submit(self._job_of(tile))
                async for job_id, event in follow_jobs(tier.bus, self.by_job):
                    self._apply(self.by_job[job_id], event)
        self._finish(round(time.monotonic() - started, 2))

    # ----- the run -----

    def _job_of(self, tile: Tile) -> JobSpec:
        info = self.choices.job_info(
            tile.prompt_sent, tile.options, tile.target, kind="campaign",
            provider=self.provider.label, parent_id=self.campaign_id,
        )
        rendition = EmailRendition(str(self.meta["email_format"]), str(self.meta["email_background"]), tile.slot.byte_budget)
        return tile_job(
            tile.job_id, tile.prompt_sent, tile.options, tile.target, campaign_id=self.campaign_id,
            concurrency=self.concurrency, rendition=rendition, info=info if records_locally() else None,
        )

    def _announce(self) -> None:
        provider = self.provider
        # One lookup per model, size and quality: images alike share it (and its sample count).
        alike = {
            (tile.options.model, tile.slot.size, tile.options.quality): (tile.options, tile.target)
            for tile in self.tiles.values()
        }
        found = {key: typical_duration(options, target, provider) for key, (options, target) in alike.items()}
        estimates = {
            key: found[(tile.options.model, tile.slot.size, tile.options.quality)] for key, tile in self.tiles.items()
        }
        total = eta.batch_estimate(list(estimates.values()), self.concurrency)
        self.reporter.emit(
            "run_started", command="campaign", provider=provider.label, model=self.choices.model,
            quality=self.choices.quality, images=len(self.tiles), concurrency=self.concurrency,
            eta_s=total.seconds if total else None, eta_samples=total.samples if total else 0,
            campaign_id=self.campaign_id,
        )
        for key, tile in self.tiles.items():
            estimate = estimates[key]
            self.reporter.emit(
                "job_queued", job=key, label=tile.label, size=tile.slot.size.replace("x", "×"),
                steps=tile.options.partial_images + 1, email=True, typical_s=estimate.seconds if estimate else None,
            )

    def _interrupt(self) -> None:
        """Ctrl-C: every image not finished is cancelled through the bus, the waiting ones first (so
        none of them starts in a slot a cancelled one frees); the history says cancelled."""
        waiting = [tile.job_id for tile in self.tiles.values() if tile.status == "waiting"]
        running = [tile.job_id for tile in self.tiles.values() if tile.status == "running"]
        self.tier.cancel_soon(waiting + running)

    def _apply(self, key: str, event: JobEvent) -> None:
        """One event of a tile's job log: its line, and what the tile has."""
        tile = self.tiles[key]
        size = tile.slot.size.replace("x", "×")
        elapsed = round(time.monotonic() - self.started_at.get(key, time.monotonic()), 2)
        if isinstance(event, Queued):
            self.reporter.emit(
                "job_queued", job=key, label=tile.label, size=size, steps=tile.options.partial_images + 1,
                email=True, ahead=event.ahead,
            )
        elif isinstance(event, Started):
            tile.status = "running"
            self.started_at[key] = time.monotonic()
            self.reporter.emit(
                "job_started", job=key, label=tile.label, size=size,
                steps=tile.options.partial_images + 1, job_id=tile.job_id, email=True,
            )
        elif isinstance(event, StepSaved):
            self.reporter.emit("partial", job=key, step=event.index + 1, steps=tile.options.partial_images, elapsed_s=elapsed)
        elif isinstance(event, FinalSaved):
            tile.final = event
            self.reporter.emit(
                "final", job=key, file=f"{campaign_export.ORIGINALS_DIR}/{event.filename}", width=event.width,
                height=event.height, format=event.output_format, bytes=event.size_bytes, elapsed_s=elapsed,
                total_tokens=event.usage.total_tokens if event.usage else None,
            )
        elif isinstance(event, EmailSaved):
            tile.email = event
            self.reporter.emit(
                "email", job=key, file=f"{campaign_export.EMAIL_DIR}/{event.filename}", format=event.output_format,
                bytes=event.size_bytes, budget_bytes=tile.slot.byte_budget,
            )
        elif isinstance(event, RateLimitWait):
            self.reporter.emit("rate_limited", job=key, wait_s=event.seconds)
        elif isinstance(event, JobEnded):
            self._end(key, tile, event, elapsed)

    def _end(self, key: str, tile: Tile, ended: JobEnded, elapsed: float) -> None:
        if ended.status == CANCELLED:
            tile.status = "cancelled"
            self.reporter.emit("job_cancelled", job=key)
        elif ended.status == COMPLETED and tile.email is not None:
            tile.status = "completed"
            self.reporter.emit("job_completed", job=key, elapsed_s=elapsed)
        else:  # one image failing never stops the others
            tile.status = "failed"
            tile.message = failure_message(ended, self.provider)
            self.reporter.emit("job_failed", job=key, message=tile.message)

    # ----- the ZIP -----

    def _export(self) -> campaign_export.CampaignExport:
        """The finished images as the page's export describes them (same ZIP, same manifest)."""
        images = []
        not_included = []
        for key, tile in self.tiles.items():
            if tile.status != "completed" or tile.final is None or tile.email is None:
                not_included.append({"slot": key, "status": tile.status, "reason": tile.message})
                continue
            images.append(
                campaign_export.ExportImage(
                    slot_key=key,
                    kind=tile.slot.kind,
                    prompt=tile.prompt,
                    prompt_sent=tile.prompt_sent,
                    original=image_store.ref(tile.final.url),
                    email=image_store.ref(tile.email.url),
                    budget_bytes=tile.slot.byte_budget,
                    job_id=tile.job_id,
                    usage=tile.final.usage,
                    product=tile.slot.product,
                )
            )
        provider = self.provider
        return campaign_export.CampaignExport(
            campaign_id=self.campaign_id,
            subject=str(self.meta["subject"]),
            brand_notes=str(self.meta["brand_notes"]),
            provider=provider.label,
            offline=provider.is_offline,
            model=self.choices.model,
            options={name: value for name, value in self.meta.items() if name not in ("subject", "brand_notes")},
            email_background=str(self.meta["email_background"]),
            images=tuple(images),
            not_included=tuple(not_included),
            created_at=self.created_at,
        )

    def _finish(self, elapsed: float) -> None:
        export = self._export()
        tiles = list(self.tiles.values())
        failed = [tile for tile in tiles if tile.status == "failed"]
        done = len(export.images)
        if done == len(tiles):
            size = write_zip(self.zip_path, export)
            self.reporter.say(summary_table(export))
            self.reporter.say(f"Wrote {self.zip_path} ({format_bytes(size)}): originals/, email/, email.html, manifest.json")
            self.reporter.emit(
                "completed", command="campaign", file=self.zip_path, bytes=size, images=done,
                original_bytes=sum(len(image.original.read_bytes()) for image in export.images),
                email_bytes=sum(len(image.email.read_bytes()) for image in export.images),
                total_tokens=export.total_tokens, cost_usd=round(export.estimated_cost_usd, 6),
                elapsed_s=elapsed, campaign_id=self.campaign_id,
            )
            return
        kept = None
        if done:
            kept = partial_zip_path(self.zip_path)
            write_zip(kept, export)
            self.reporter.say(summary_table(export))
        kept_text = f"; the {done} finished are in {kept}" if kept else ""
        if self.guard.interrupted:
            raise Interrupted(f"interrupted: {done} of {len(tiles)} images finished{kept_text}.", kept=kept)
        first = failed[0] if failed else None
        reason = f"{first.slot.key}: {first.message}" if first else "images were not finished"
        raise RunFailed(f"{len(tiles) - done} of {len(tiles)} images failed ({reason}){kept_text}.", kept=kept)


def write_zip(path: Path, export: campaign_export.CampaignExport) -> int:
    """Build the ZIP (the page's own) and write it atomically; returns its size."""
    data = campaign_export.build_zip(export)
    write_bytes(path, data)
    return len(data)


def summary_table(export: campaign_export.CampaignExport) -> Table:
    table = Table(title=f"Campaign: {export.subject}", title_justify="left")
    for column in ("image", "size", "original", "email-ready", "tokens", "cost"):
        table.add_column(column, justify="left" if column in ("image", "size") else "right")
    originals = emails = 0
    for image in export.images:
        original, email = len(image.original.read_bytes()), len(image.email.read_bytes())
        originals, emails = originals + original, emails + email
        tokens = image.usage.total_tokens if image.usage else 0
        table.add_row(
            image.product.name if image.product else image.kind,
            _size_of(image),
            format_bytes(original),
            f"{format_bytes(email)} / {format_bytes(image.budget_bytes)}",
            f"{tokens:,}",
            _usd(cost_usd(export.model, image.usage, offline=export.offline)),
        )
    table.add_section()
    table.add_row(
        f"{len(export.images)} images", "", format_bytes(originals), format_bytes(emails),
        f"{export.total_tokens:,}", _usd(export.estimated_cost_usd), style="bold",
    )
    return table


def _size_of(image: campaign_export.ExportImage) -> str:
    width, height = image_size(image.original.read_bytes())
    return f"{width}×{height}"


def _usd(amount: float) -> str:
    return f"${amount:.3f}" if amount < 1 else f"${amount:.2f}"

"""A campaign run from the command line: its tiles (one per image), the bounded fan-out through the
campaign runner, Ctrl-C keeping what finished, then the same ZIP as the page and a summary table."""


from __future__ import annotations

import datetime
import time
from dataclasses import dataclass
from pathlib import Path

from rich.table import Table

from email_image_app.domain.campaign import export as campaign_export
from email_image_app.domain import eta
from email_image_app.domain import cancellation
from email_image_app.domain.campaign.plan import (
    Slot,
    slot_prompt_refusal,
    with_brand_notes,
)
from email_image_app.domain.campaign.runner import (
    EmailRendition,
    EmailSaved,
    RateLimitWait,
    TileFanout,
    tile_stream,
)
from email_image_app.cli import options as opt
from email_image_app.cli.errors import BadInput, Interrupted, RunFailed
from email_image_app.cli.progress import Reporter
from email_image_app.cli.provider import open_client, records_locally
from email_image_app.cli.running import (
    InterruptGuard,
    failure_message,
    typical_duration,
    write_bytes,
)
from email_image_app.domain.job_stream import FinalSaved, JobTarget, StepSaved
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

    @property
    def run_key(self) -> str:
        return f"cli:{self.job_id}"



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
        self.choices = choices
        self.meta = meta
        self.reporter = reporter
        self.zip_path = zip_path
        self.campaign_id = new_job_id()
        self.created_at = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
        self.fanout = TileFanout(int(meta["concurrency"]))  # type: ignore[arg-type]
        self.guard = InterruptGuard(self._interrupt)

    async def run(self) -> None:
        started = time.monotonic()
        async with open_client() as client:
            self.client = client
            self._announce()
            for key in self.tiles:
                self.fanout.add(key)
            with self.guard:
                await self.fanout.run(self._run_tile)
        self._finish(round(time.monotonic() - started, 2))

    # ----- the run -----

    def _announce(self) -> None:
        provider = self.client.provider
        # One lookup per model, size and quality: images alike share it (and its sample count).
        alike = {
            (tile.options.model, tile.slot.size, tile.options.quality): (tile.options, tile.target)
            for tile in self.tiles.values()
        }
        found = {key: typical_duration(options, target, provider) for key, (options, target) in alike.items()}
        estimates = {
            key: found[(tile.options.model, tile.slot.size, tile.options.quality)] for key, tile in self.tiles.items()
        }
        total = eta.batch_estimate(list(estimates.values()), self.fanout.limit)
        self.reporter.emit(
            "run_started", command="campaign", provider=provider.label, model=self.choices.model,
            quality=self.choices.quality, images=len(self.tiles), concurrency=self.fanout.limit,
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
        """Ctrl-C: waiting images never start, running streams are closed (the history says cancelled)."""
        for key, tile in self.tiles.items():
            if self.fanout.discard(key):
                tile.status = "cancelled"
                self.reporter.emit("job_cancelled", job=key)
            elif tile.status == "running":
                cancellation.cancel(tile.run_key)

    async def _run_tile(self, key: str) -> None:
        tile = self.tiles[key]
        if self.guard.interrupted or tile.status != "waiting":
            return
        tile.status = "running"
        self.reporter.emit(
            "job_started", job=key, label=tile.label, size=tile.slot.size.replace("x", "×"),
            steps=tile.options.partial_images + 1, job_id=tile.job_id, email=True,
        )
        info = self.choices.job_info(
            tile.prompt_sent, tile.options, tile.target, kind="campaign",
            provider=self.client.provider.label, parent_id=self.campaign_id,
        )
        rendition = EmailRendition(str(self.meta["email_format"]), str(self.meta["email_background"]), tile.slot.byte_budget)
        source = tile_stream(
            lambda: self.client.stream_generate(tile.prompt_sent, tile.options),
            tile.job_id, tile.target, rendition, info=info if records_locally() else None, pause_new_starts=self.fanout.pause_new_starts,
        )
        started = time.monotonic()
        partials = 0
        try:
            async for item in cancellation.consume(tile.run_key, source, heartbeat=3600):
                elapsed = round(time.monotonic() - started, 2)
                if isinstance(item, StepSaved):
                    partials += 1
                    self.reporter.emit("partial", job=key, step=item.index + 1, steps=tile.options.partial_images, elapsed_s=elapsed)
                elif isinstance(item, FinalSaved):
                    tile.final = item
                    self.reporter.emit(
                        "final", job=key, file=f"{campaign_export.ORIGINALS_DIR}/{item.filename}", width=item.width,
                        height=item.height, format=item.output_format, bytes=item.size_bytes, elapsed_s=elapsed,
                        total_tokens=item.usage.total_tokens if item.usage else None,
                    )
                elif isinstance(item, EmailSaved):
                    tile.email = item
                    self.reporter.emit(
                        "email", job=key, file=f"{campaign_export.EMAIL_DIR}/{item.filename}", format=item.output_format,
                        bytes=item.size_bytes, budget_bytes=tile.slot.byte_budget,
                    )
                elif isinstance(item, RateLimitWait):
                    self.reporter.emit("rate_limited", job=key, wait_s=item.seconds)
                if self.guard.interrupted:
                    cancellation.cancel(tile.run_key)  # in case Ctrl-C came before this stream was registered
        except cancellation.RunCancelled:
            tile.status = "cancelled"
            self.reporter.emit("job_cancelled", job=key)
            return
        except Exception as exc:  # one image failing never stops the others
            tile.status = "failed"
            tile.message = failure_message(exc, self.client.provider, partials)
            self.reporter.emit("job_failed", job=key, message=tile.message)
            return
        if tile.email is None:
            tile.status = "failed"
            tile.message = failure_message(RuntimeError("the stream ended before the final image"), self.client.provider, partials)
            self.reporter.emit("job_failed", job=key, message=tile.message)
            return
        tile.status = "completed"
        self.reporter.emit("job_completed", job=key, elapsed_s=round(time.monotonic() - started, 2))

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
        provider = self.client.provider
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

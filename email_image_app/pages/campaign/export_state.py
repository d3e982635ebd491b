"""The campaign's export: the running totals (tokens, cost), the in-page email preview and the ZIP.

It does not read the run: the run state tells it what happened (`clear` for a new campaign,
`record_usage` for each final image, `hold` while tiles run, `take_contents` when a batch has ended),
so this state depends on nothing but the domain.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from typing import Any

import reflex as rx

from email_image_app.domain.campaign import export as campaign_export
from email_image_app.domain.formatting import format_usd
from email_image_app.domain.messages import Message, message
from email_image_app.domain.store import image_store
from email_image_app.imagegen.events import ImageUsage
from email_image_app.imagegen.pricing import cost_usd
from email_image_app.pages.campaign.tiles import TileRequest, TileView, plain
from email_image_app.state.auth import require_signed_in
from email_image_app.state.language import LanguageState
from email_image_app.state.provider import current_provider

logger = logging.getLogger(__name__)

# Settings of the run that the manifest lists apart from its options.
_NOT_OPTIONS = ("subject", "brand_notes", "created_at", "model")


class CampaignExportState(rx.State):
    total_tokens: int = 0
    cost_label: str = ""  # "$0.42"; "" for the offline engine
    zip_url: str = ""
    preview_url: str = ""
    export_error: dict[str, Any] = {}  # why the ZIP failed: a message
    exporting: bool = False

    _usages: dict[str, dict[str, Any]] = {}  # slot key -> {"model", "usage"} of its final image
    _contents: campaign_export.CampaignExport | None = None  # what the last ended batch left to export
    _email_urls: dict[str, str] = {}  # slot key -> URL of its email-ready image, for the preview
    _preview_version: int = 0

    # ----- told by the run -----

    def clear(self) -> None:
        """A new campaign: nothing to export yet."""
        self.total_tokens = 0
        self.cost_label = ""
        self.zip_url = ""
        self.preview_url = ""
        self.export_error = {}
        self._usages = {}
        self._contents = None
        self._email_urls = {}

    def hold(self) -> None:
        """Tiles are running: what there is to export will change, so nothing is exported meanwhile."""
        self._contents = None

    def record_usage(self, key: str, model: str, usage: ImageUsage | None) -> None:
        self._usages[key] = {"model": model, "usage": usage.to_dict() if usage else None}
        self._update_totals()

    def forget_usage(self, key: str) -> None:
        """The tile `key` is made again: its previous image no longer counts."""
        self._usages.pop(key, None)
        self._update_totals()

    def take_contents(
        self,
        campaign_id: str,
        tiles: list[TileView],
        requests: dict[str, TileRequest],
        tile_jobs: dict[str, str],
        meta: dict[str, Any],
    ) -> bool:
        """Keep the finished tiles as an export description (paths of the stored files, prompts,
        usage); True when there is at least one image, so the preview is worth publishing."""
        images, not_included = [], []
        for tile in tiles:
            if tile.status != "completed":
                reason = Message.from_dict(plain(tile.message)).render("en") if tile.message else ""
                not_included.append({"slot": tile.key, "status": tile.status, "reason": reason})
                continue
            request = plain(requests[tile.key])
            images.append(
                campaign_export.ExportImage(
                    slot_key=tile.key,
                    kind=tile.kind,
                    prompt=request.prompt,
                    prompt_sent=request.prompt_sent,
                    original=image_store.ref(tile.final_url),
                    email=image_store.ref(tile.email_url),
                    budget_bytes=tile.budget_bytes,
                    job_id=tile_jobs.get(tile.key, ""),
                    usage=self._usage_of(tile.key),
                    product=request.product,
                )
            )
        provider = current_provider()
        self._contents = campaign_export.CampaignExport(
            campaign_id=campaign_id,
            subject=meta["subject"],
            brand_notes=meta["brand_notes"],
            provider=provider.label,
            offline=provider.is_offline,
            model=meta["model"],
            options={name: value for name, value in meta.items() if name not in _NOT_OPTIONS},
            email_background=meta["email_background"],
            images=tuple(images),
            not_included=tuple(not_included),
            created_at=meta["created_at"],
        )
        self._email_urls = {tile.key: tile.email_url for tile in tiles}
        return bool(images)

    # ----- totals -----

    def _usage_of(self, key: str) -> ImageUsage | None:
        record = self._usages.get(key)
        return ImageUsage.from_dict(record["usage"]) if record and record["usage"] else None

    def _update_totals(self) -> None:
        usages = [(record["model"], self._usage_of(key)) for key, record in self._usages.items()]
        self.total_tokens = sum(usage.total_tokens for _, usage in usages if usage)
        offline = current_provider().is_offline
        self.cost_label = "" if offline else format_usd(sum(cost_usd(model, usage) for model, usage in usages))

    # ----- the preview and the ZIP -----

    async def _contents_in_language(self) -> campaign_export.CampaignExport | None:
        """The export description with the page's language (the email's `lang`); call under the lock."""
        if self._contents is None or not self._contents.images:
            return None
        lang = (await self.get_state(LanguageState)).lang
        return dataclasses.replace(plain(self._contents), lang=lang)

    @rx.event(background=True)
    async def publish_preview(self):
        """Store the email with absolute image URLs, for the in-page preview (an iframe on that file)."""
        async with self:
            export = await self._contents_in_language() if await require_signed_in(self) else None
            if export is None:
                return
            urls = dict(self._email_urls)
            self._preview_version += 1
            name = f"preview-{self._preview_version}.html"

        def store_preview() -> str:
            page = campaign_export.render_email_html(export, lambda image: urls[image.slot_key])
            return image_store.save(export.campaign_id, name, page.encode("utf-8")).url

        url = await asyncio.to_thread(store_preview)
        async with self:
            if self._contents is not None and self._contents.campaign_id == export.campaign_id:
                self.preview_url = url

    @rx.event(background=True)
    async def download_zip(self):
        async with self:
            signed_in = await require_signed_in(self) is not None
            export = None if self.exporting or not signed_in else await self._contents_in_language()
            if export is None:
                return
            self.exporting = True
            self.export_error = {}

        def store_zip() -> str:
            data = campaign_export.build_zip(export)
            return image_store.save(export.campaign_id, campaign_export.zip_filename(export), data).url

        try:
            url = await asyncio.to_thread(store_zip)
        except Exception:  # missing file, full disk: say so instead of a silent button
            logger.exception("campaign %s: building the ZIP failed", export.campaign_id)
            async with self:
                self.exporting = False
                self.export_error = message("zip_failed").to_dict()
            return
        async with self:
            self.exporting = False
            self.zip_url = url
        yield rx.download(url=url, filename=campaign_export.zip_filename(export))

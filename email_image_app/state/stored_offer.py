"""The run of one image, with past jobs brought back into it: the stored result of an identical
request offered instead of paying for it again, a stored job shown in the run view, and the form
filled from a past job ("Use these settings" in the history). The generator and editor pages
build their state on `StoredOfferState`; the history lookups are `domain.stored_results`.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import reflex as rx

from email_image_app.domain.history import JobDetail, cache_key_of, default_history
from email_image_app.domain.history_cards import already_made_label
from email_image_app.domain.job_records import JobInfo
from email_image_app.domain.run_progress import STAGE_FROM_HISTORY, clamp_partial_images
from email_image_app.domain.stored_results import FormSettings, final_view_of, steps_of, stored_result
from email_image_app.imagegen.options import MAX_PROMPT_CHARS, MODELS
from email_image_app.state.auth import require_signed_in
from email_image_app.state.image_run import ImageRunState

logger = logging.getLogger(__name__)


class StoredOfferState(ImageRunState, mixin=True):
    """`ImageRunState` plus the offer of a stored result and the form filled from a past job."""

    # A completed job identical to the request just asked for, offered instead of a new run.
    stored_offer_id: str = ""
    stored_offer_label: dict[str, Any] = {}  # "Already made 5 min ago.": a message
    _stored_offer_key: str = ""
    _generate_anyway_key: str = ""  # the request the marketer chose to pay for again

    async def _offer_stored_result(self, info: JobInfo) -> bool:
        """True when an identical completed job is offered instead of starting a run."""
        key = cache_key_of(info)
        if key == self._generate_anyway_key:
            self._generate_anyway_key = ""
            return False
        try:
            detail = await asyncio.to_thread(stored_result, info)
        except Exception:  # the history must never stand between a marketer and a new image
            logger.exception("history: could not look up a stored result")
            return False
        if detail is None:
            return False
        self.stored_offer_id = detail.job.id
        self.stored_offer_label = already_made_label(detail.job.created_at).to_dict()
        self._stored_offer_key = key
        return True

    def _clear_stored_offer(self) -> None:
        self.stored_offer_id = ""
        self.stored_offer_label = {}

    def _generate_anyway(self) -> None:
        """The next identical request runs even though a stored result exists."""
        self._generate_anyway_key = self._stored_offer_key
        self._clear_stored_offer()

    @rx.event
    async def show_stored_result(self) -> None:
        job_id = self.stored_offer_id
        self._clear_stored_offer()
        if await require_signed_in(self) is None:
            return
        detail = await asyncio.to_thread(default_history().detail, job_id) if job_id else None
        if detail is not None and detail.final is not None:
            self._show_stored_job(detail)

    def _show_stored_job(self, detail: JobDetail) -> None:
        """Fill the run view (steps, final image, usage) from a stored job, as if it had just run."""
        self._clear_run()
        self.job_id = detail.job.id
        self.elapsed_s = round((detail.job.duration_ms or 0) / 1000)
        self.steps = steps_of(detail)
        self._show_final(final_view_of(detail), stage=STAGE_FROM_HISTORY)

    def _use_settings(self, settings: FormSettings) -> None:
        """Prompt and options of a past job, ready to run again ("Use these settings")."""
        self.prompt = settings.prompt[:MAX_PROMPT_CHARS]
        if settings.model in MODELS:
            self.model = settings.model
        self.size = settings.size
        self.quality = settings.quality
        self.background = settings.background
        self.output_format = settings.output_format
        self.compression = settings.compression
        self.partial_images = clamp_partial_images(settings.partial_images)
        self.error = {}
        self._clear_stored_offer()

"""Past jobs brought back into a page that mixes in `ImageRunState`: the stored result of an
identical request offered instead of paying for it again, a stored job shown in the run view, and
the options form filled from a job ("Use these settings" in the history).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

import reflex as rx

from email_image_app.domain.history import Job, JobDetail, cache_key_of, default_history
from email_image_app.domain.history_cards import already_made_label, final_info
from email_image_app.domain.job_stream import JobInfo
from email_image_app.domain.run_progress import clamp_partial_images, WHITE_BACKGROUND_PROMPT_SUFFIX, StepView
from email_image_app.imagegen.options import MODELS
from email_image_app.imagegen.sizing import read_composition_hint
from email_image_app.domain.store import image_store
from email_image_app.domain.formatting import format_seconds, format_usd

logger = logging.getLogger(__name__)

@dataclass(frozen=True)
class FormSettings:
    """The options form and prompt as they were for a past job."""

    prompt: str
    model: str
    size: str
    quality: str
    background: str
    output_format: str
    compression: int
    partial_images: int


def form_settings_of(job: Job) -> FormSettings:
    options = job.options
    background = str(options.get("background_choice") or options.get("background") or "auto")
    prompt, _ = read_composition_hint(job.prompt)  # the page adds it again for the same size
    if background == "white" and prompt.endswith(WHITE_BACKGROUND_PROMPT_SUFFIX):
        prompt = prompt[: -len(WHITE_BACKGROUND_PROMPT_SUFFIX)]  # the page adds it again
    return FormSettings(
        prompt=prompt,
        model=job.model,
        size=str(options.get("target_size") or f"{job.target_width}x{job.target_height}"),
        quality=str(options.get("quality") or "medium"),
        background=background,
        output_format=str(options.get("output_format") or "png"),
        compression=int(options.get("output_compression") or 85),
        partial_images=int(options.get("partial_images", 3)),
    )


def stored_result(info: JobInfo) -> JobDetail | None:
    """The newest completed job made from exactly this request whose final image is still on disk."""
    history = default_history()
    for job in history.find_completed(cache_key_of(info), kind=info.kind):
        detail = history.detail(job.id)
        if detail is not None and detail.final is not None and image_store.path_for_url(detail.final.url).exists():
            return detail
    return None


class StoredRunState(rx.State, mixin=True):
    # A completed job identical to the request just asked for, offered instead of a new run.
    stored_offer_id: str = ""
    stored_offer_label: str = ""  # "Already made 5 min ago."
    _stored_offer_key: str = ""
    _generate_anyway_key: str = ""  # the request the marketer chose to pay for again

    async def _offer_stored_result(self, info: JobInfo, lang: str) -> bool:
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
        self.stored_offer_label = already_made_label(detail.job.created_at, lang)
        self._stored_offer_key = key
        return True

    def _clear_stored_offer(self) -> None:
        self.stored_offer_id = ""
        self.stored_offer_label = ""

    def _generate_anyway(self) -> None:
        """The next identical request runs even though a stored result exists."""
        self._generate_anyway_key = self._stored_offer_key
        self._clear_stored_offer()

    @rx.event
    async def show_stored_result(self) -> None:
        job_id = self.stored_offer_id
        self._clear_stored_offer()
        detail = await asyncio.to_thread(default_history().detail, job_id) if job_id else None
        if detail is not None and detail.final is not None:
            self._show_stored_job(detail)

    def _show_stored_job(self, detail: JobDetail) -> None:
        """Fill the run view (steps, final image, usage) from a stored job, as if it had just run."""
        job, final = detail.job, detail.final
        assert final is not None
        self.job_id = job.id
        self.status = "completed"
        self.stage = "from_history"  # not a new (paid) run
        self.progress = 100
        self.elapsed_s = round((job.duration_ms or 0) / 1000)
        self.error = {}
        self.notices = []
        self.steps = [
            StepView(
                number=step.index + 1,
                url=step.url,
                preview_url=step.preview_url or step.url,
                thumb_url=step.thumb_url,
                elapsed_label=format_seconds(step.elapsed_ms),
            )
            for step in detail.partials
        ]
        self.final_url = self.preview_url = final.url
        self.final_filename = final.url.rsplit("/", 1)[-1]
        self.final_info = final_info(final)
        self.usage_input = job.input_tokens or 0
        self.usage_output = job.output_tokens or 0
        self.usage_total = job.total_tokens or 0
        self.duration_label = format_seconds(job.duration_ms)
        self.cost_label = format_usd(job.cost_usd) if job.cost_usd else ""

    def _apply_form_settings(self, settings: FormSettings) -> None:
        """The options form as it was for a past job (the prompt is the page's own field)."""
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

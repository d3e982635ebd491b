"""State shared by the pages that stream one image (generator and editor): the options form, the
progress of a run, its steps and its final image. Pages mix it into their own state.

The state holds references only: URLs of stored files and short labels. A run's bytes go to disk
(`image_job.store_stream`), never through the websocket.
"""

from __future__ import annotations

import json
import logging
import math
import os
import time
from dataclasses import dataclass
from typing import AsyncIterator

import reflex as rx

from email_image_app.domain import cancellation
from email_image_app.domain.error_messages import describe_error
from email_image_app.state.language import STRINGS, LanguageState, translate
from email_image_app.domain.job_stream import FinalSaved, JobInfo, JobTarget, StepSaved, filename_stem, store_stream
from email_image_app.imagegen.events import ImageStreamError, IncompleteStreamError, StreamEvent
from email_image_app.imagegen.options import (
    DEFAULT_MODEL,
    EMAIL_SIZES,
    MAX_PROMPT_CHARS,
    EmailSize,
    MODELS,
    ImageOptions,
    OptionsError,
    parse_size,
)
from email_image_app.imagegen.pricing import cost_usd
from email_image_app.imagegen.sizing import SizePlan, composition_hint, plan_size
from email_image_app.state.provider import current_provider
from email_image_app.domain.store import new_job_id
from email_image_app.domain.formatting import format_bytes, format_usd

logger = logging.getLogger(__name__)

BACKGROUND_CHOICES = ("auto", "opaque", "white", "transparent")
# The "white" background: an opaque image asked for with these words at the prompt's end.
WHITE_BACKGROUND_PROMPT_SUFFIX = ", on a plain white background"
# Rough seconds per streamed event, used only to keep the bar moving between events.
_SECONDS_PER_EVENT = {"low": 4.0, "medium": 10.0, "high": 25.0, "auto": 10.0}


@dataclass
class StepView:
    number: int  # 1-based, as shown ("Step 1")
    url: str
    preview_url: str
    thumb_url: str
    elapsed_label: str


@dataclass(frozen=True)
class RunStart:
    """A run just begun: its job id, the prompt as sent, the target named after it, its record."""

    job_id: str
    prompt: str
    target: JobTarget
    info: JobInfo




def progress_for(received: int, total: int) -> float:
    """Percent after `received` of `total` stream events; 5 % means "request sent"."""
    return 5.0 + 90.0 * received / max(total, 1)


def creeping_progress(received: int, total: int, seconds_since_event: float, seconds_per_event: float) -> int:
    """Percent while waiting for the next event: creeps towards (never reaches) the next step, so
    the bar shows life while the provider is silent."""
    current = progress_for(received, total)
    upcoming = progress_for(received + 1, total)
    creep = (upcoming - current) * 0.9 * (1 - math.exp(-seconds_since_event / seconds_per_event))
    return int(current + creep)


def describe_options_error(exc: OptionsError, lang: str) -> str:
    """An option the model cannot take, for the page: the core's own message in English; in French,
    the form's words for the one conflict the form lets through (a transparent JPEG), else the core's
    message after "Réglage refusé :"."""
    if lang != "fr":
        return exc.message
    if exc.field == "background" and "jpeg" in exc.message:
        return translate("transparent_needs", lang)
    return translate("setting_refused", lang, message=exc.message)


def _preset_label(preset: EmailSize, lang: str) -> str:
    key = f"size_{preset.key}"
    return translate(key, lang) if key in STRINGS else preset.label


def size_note(model: str, plan: SizePlan, lang: str) -> str:
    """What the provider is asked for and what the page delivers, in `lang`."""
    request = f"{plan.request_width}×{plan.request_height}"
    if not plan.needs_fit:
        return translate("size_note_direct", lang, model=model, request=request)
    target = f"{plan.target_width}×{plan.target_height}"
    return translate("size_note_fit", lang, model=model, request=request, target=target)


def expected_seconds_per_event(quality: str) -> float:
    """Rough seconds between two streamed events, used only to pace the creeping bar."""
    if current_provider().is_offline:
        return float(os.environ.get("LOCAL_ENGINE_STEP_DELAY") or 0) + 0.5
    return _SECONDS_PER_EVENT.get(quality, 10.0)


class ImageOptionsState(rx.State, mixin=True):
    """The prompt-independent options of the form (`components.options_form`) and the request they
    make. The generator and editor take them through `ImageRunState`; the campaign page directly."""

    model: str = DEFAULT_MODEL
    size: str = "1200x600"
    quality: str = "medium"
    background: str = "auto"
    output_format: str = "png"
    compression: int = 85
    partial_images: int = 3

    # ----- option setters (explicit: Reflex 0.10 has no automatic setters) -----

    @rx.event
    def set_model(self, value: str) -> None:
        if value not in MODELS:
            return
        self.model = value
        if self.background == "transparent" and not MODELS[value].supports_transparent:
            self.background = "auto"

    @rx.event
    def set_size(self, value: str) -> None:
        self.size = value

    @rx.event
    def set_quality(self, value: str) -> None:
        self.quality = value

    @rx.event
    def set_background(self, value: str) -> None:
        self.background = value

    @rx.event
    def set_output_format(self, value: str) -> None:
        self.output_format = value

    @rx.event
    def set_compression(self, value: list[int | float]) -> None:
        self.compression = int(value[0]) if value else 85

    @rx.event
    def set_partial_images(self, value: str) -> None:
        self.partial_images = max(0, min(3, int(value)))

    # ----- what the options form shows -----

    @rx.var
    def size_choices(self) -> list[list[str]]:
        """[value, English label, French label]: the email presets, then the model's native sizes."""
        choices = [
            [preset.size, *(f"{_preset_label(preset, lang)} {preset.width}×{preset.height}" for lang in ("en", "fr"))]
            for preset in EMAIL_SIZES
        ]
        seen = {choice[0] for choice in choices}
        for native in MODELS.get(self.model, MODELS[DEFAULT_MODEL]).native_sizes():
            if native not in seen:
                shown = native.replace("x", "×")
                choices.append([native, *(f"{shown} {translate('size_native', lang)}" for lang in ("en", "fr"))])
        return choices

    @rx.var
    def background_choices(self) -> list[str]:
        capabilities = MODELS.get(self.model, MODELS[DEFAULT_MODEL])
        return [b for b in BACKGROUND_CHOICES if b != "transparent" or capabilities.supports_transparent]

    @rx.var
    def transparency_conflict(self) -> bool:
        return self.background == "transparent" and self.output_format == "jpeg"

    def _size_plan_note(self, lang: str) -> str:
        try:
            width, height = parse_size(self.size)
            plan = plan_size(self.model, width, height)
        except OptionsError as exc:
            return exc.message
        return size_note(self.model, plan, lang) if plan.needs_fit else ""

    @rx.var
    def size_plan_note(self) -> str:
        return self._size_plan_note("en")

    @rx.var
    def size_plan_note_fr(self) -> str:
        return self._size_plan_note("fr")

    @rx.var
    def uses_compression(self) -> bool:
        return self.output_format in ("jpeg", "webp")

    # ----- building a request -----

    def _image_options(self) -> tuple[ImageOptions, JobTarget]:
        """Options to send and what to make of the result; raises OptionsError naming the field."""
        return self._options_for_size(*parse_size(self.size))

    def _options_for_size(self, width: int, height: int) -> tuple[ImageOptions, JobTarget]:
        """`_image_options` for an exact size other than the form's (e.g. a campaign slot)."""
        return self._options_for(plan_size(self.model, width, height))

    def _options_for(self, plan: SizePlan) -> tuple[ImageOptions, JobTarget]:
        """The form's options for a planned size: what to ask for and what to make of the result."""
        width, height = plan.target_width, plan.target_height
        background = "opaque" if self.background == "white" else self.background
        options = ImageOptions(
            model=self.model,
            size=plan.request_size,
            quality=self.quality,
            background=background,
            output_format=self.output_format,
            output_compression=self.compression if self.output_format in ("jpeg", "webp") else None,
            partial_images=self.partial_images,
        ).normalized()
        target = JobTarget(
            width=width,
            height=height,
            output_format=self.output_format,
            compression=self.compression if self.output_format in ("jpeg", "webp") else None,
            flatten_color="#ffffff" if self.background == "white" else None,
        )
        return options, target

    def _prompt_to_send(self, prompt: str, options: ImageOptions, target: JobTarget) -> str:
        """The prompt as sent for a new image: a "white" background is asked for in words (the API has
        no such value), and a hard crop (a 4:1 banner from a 3:2 image) says which area survives."""
        if self.background == "white":
            prompt += WHITE_BACKGROUND_PROMPT_SUFFIX
        return prompt + composition_hint(options.size, target.width, target.height)

    def _prompt_for_background(self, prompt: str) -> str:
        """An edit's prompt: the "white" background in words; the edited image sets the composition."""
        return prompt + WHITE_BACKGROUND_PROMPT_SUFFIX if self.background == "white" else prompt

    def _job_info(
        self,
        prompt_sent: str,
        options: ImageOptions,
        target: JobTarget,
        *,
        kind: str,
        parent_id: str | None = None,
        **details: object,
    ) -> JobInfo:
        """The history's record of the request about to be made. `details` are added to the recorded
        options (e.g. how many input images an edit has)."""
        return JobInfo(
            kind=kind,
            prompt=prompt_sent,
            model=options.model,
            provider=current_provider().label,
            options={
                **options.request_fields(edit=kind == "edit"),
                "partial_images": options.partial_images,
                "target_size": f"{target.width}x{target.height}",
                "background_choice": self.background,  # "white" is sent as opaque + prompt words
                **details,
            },
            parent_id=parent_id,
        )


class ImageRunState(ImageOptionsState, mixin=True):
    """One streamed image: the prompt, the progress of a run, its steps and its final image."""

    prompt: str = ""

    # The run.
    running: bool = False
    progress: int = 0
    # What the run is at, as a key the page words in its language: "request_sent", "partial" (step
    # `stage_step` of `stage_steps`), "done", "cancelled", "failed" or "from_history".
    stage: str = ""
    stage_step: int = 0
    stage_steps: int = 0
    elapsed_s: int = 0
    steps: list[StepView] = []
    preview_url: str = ""
    error: str = ""
    status: str = ""  # "", "running", "completed", "failed", "cancelled"
    notices: list[str] = []

    # The result.
    final_url: str = ""
    final_filename: str = ""
    final_info: str = ""
    usage_input: int = 0
    usage_output: int = 0
    usage_total: int = 0
    duration_label: str = ""
    cost_label: str = ""

    job_id: str = ""
    _run_key: str = ""

    @rx.event
    def set_prompt(self, value: str) -> None:
        self.prompt = value[:MAX_PROMPT_CHARS]

    def _start_run(self, info: JobInfo, options: ImageOptions, target: JobTarget) -> RunStart:
        """Begin the run described by `info` (call it holding the state lock)."""
        job_id = new_job_id()
        self._reset_run(job_id)
        self.notices = list(options.notices)
        return RunStart(job_id, info.prompt, target.with_stem(filename_stem(info.prompt)), info)

    def _reset_run(self, job_id: str) -> None:
        self._clear_run()
        self.running = True
        self.status = "running"
        self.progress = int(progress_for(0, self.partial_images + 1))
        self.stage = "request_sent"
        self.job_id = job_id
        self._run_key = f"{self.router.session.client_token}:{job_id}"

    def _clear_run(self) -> None:
        """Forget the last run (its files stay on disk): the page is back to "nothing run yet"."""
        self.running = False
        self.status = ""
        self.progress = 0
        self.stage = ""
        self.stage_step = self.stage_steps = 0
        self.elapsed_s = 0
        self.steps = []
        self.preview_url = ""
        self.error = ""
        self.final_url = ""
        self.final_filename = ""
        self.final_info = ""
        self.usage_input = self.usage_output = self.usage_total = 0
        self.duration_label = ""
        self.cost_label = ""
        self.notices = []
        self.job_id = ""

    # ----- following a run -----

    async def _follow_run(
        self,
        events: AsyncIterator[StreamEvent],
        job_id: str,
        target: JobTarget,
        *,
        model: str,
        info: JobInfo | None = None,
        event_prefix: str = "image-generation",
    ) -> AsyncIterator[rx.event.EventSpec]:
        """Consume `events`, store them, and mirror progress into the state. Yields browser events
        (the page's custom window events) for the caller to yield from its background handler."""
        started = time.monotonic()
        async with self:
            run_key = self._run_key
            total_events = self.partial_images + 1
            seconds_per_event = expected_seconds_per_event(self.quality)
            lang = (await self.get_state(LanguageState)).lang
            offline = current_provider().is_offline
        last_event_at = started
        try:
            stream = store_stream(events, job_id, target, started=started, info=info)
            async for item in cancellation.consume(run_key, stream, heartbeat=1.0):
                now = time.monotonic()
                if isinstance(item, StepSaved):
                    last_event_at = now
                    async with self:
                        self.steps.append(
                            StepView(
                                number=item.index + 1,
                                url=item.url,
                                preview_url=item.preview_url,
                                thumb_url=item.thumb_url,
                                elapsed_label=f"{item.elapsed_ms / 1000:.1f} s",
                            )
                        )
                        self.preview_url = item.preview_url
                        self.progress = int(progress_for(len(self.steps), total_events))
                        self.stage = "partial"
                        self.stage_step, self.stage_steps = item.index + 1, total_events - 1
                        self.elapsed_s = int(now - started)
                    detail = {"partialImage": item.preview_url, "index": item.index, "totalSteps": total_events}
                    yield _dispatch(f"{event_prefix}-progress", detail)
                elif isinstance(item, FinalSaved):
                    usage = item.usage
                    async with self:
                        self.final_url = item.url
                        self.final_filename = item.filename
                        self.preview_url = item.url
                        self.final_info = (
                            f"{item.width}×{item.height} · {item.output_format.upper()} · "
                            f"{format_bytes(item.size_bytes)}"
                        )
                        if usage is not None:
                            self.usage_input = usage.input_tokens
                            self.usage_output = usage.output_tokens
                            self.usage_total = usage.total_tokens
                        self.duration_label = f"{item.duration_ms / 1000:.1f} s"
                        self.cost_label = (
                            "" if offline else format_usd(cost_usd(model, usage))
                        )
                        self.progress = 100
                        self.stage = "done"
                        self.status = "completed"
                        self.elapsed_s = int(now - started)
                    detail = {
                        "finalImage": item.url,
                        "usage": usage.to_dict() if usage else None,
                        "duration": item.duration_ms,
                    }
                    yield _dispatch(f"{event_prefix}-complete", detail)
                else:  # heartbeat: show life while the provider is silent
                    async with self:
                        creeping = creeping_progress(
                            len(self.steps), total_events, now - last_event_at, seconds_per_event
                        )
                        self.progress = max(self.progress, creeping)
                        self.elapsed_s = int(now - started)
            async with self:
                if self.status == "running":  # the stream ended without a final image
                    self.status = "failed"
                    self.error = describe_error(IncompleteStreamError(), partials_received=len(self.steps)).render(lang)
        except cancellation.RunCancelled:
            async with self:
                self.status = "cancelled"
                self.stage = "cancelled"
        except (ImageStreamError, OptionsError) as exc:
            async with self:
                self.status = "failed"
                self.stage = "failed"
                self.error = describe_error(exc, partials_received=len(self.steps)).render(lang)
        except Exception as exc:  # keep the page usable whatever went wrong; log the cause server-side
            logger.exception("image run %s failed", job_id)
            async with self:
                self.status = "failed"
                self.stage = "failed"
                self.error = describe_error(exc, partials_received=len(self.steps)).render(lang)
        finally:
            async with self:
                self.running = False
                self.elapsed_s = int(time.monotonic() - started)

    @rx.event
    def cancel(self) -> None:
        cancellation.cancel(self._run_key)

    @rx.event
    def show_preview(self, url: str) -> None:
        self.preview_url = url

    @rx.event
    async def base64_copied(self, size: int | None) -> rx.event.EventSpec:
        return await base64_copied_toast(self, size)


async def base64_copied_toast(state: rx.State, size: int | None) -> rx.event.EventSpec:
    """The confirmation of Copy Base64, in the marketer's language (`state` is any page's state)."""
    lang = (await state.get_state(LanguageState)).lang
    count = f"{size or 0:,}"
    if lang == "fr":
        count = count.replace(",", "\u202f")
    return rx.toast.success(translate("base64_copied", lang, size=count))


def _dispatch(name: str, detail: dict) -> rx.event.EventSpec:
    """A CustomEvent on `window`, so a marketer's own page script can listen to the run."""
    return rx.call_script(
        f"window.dispatchEvent(new CustomEvent({json.dumps(name)}, {{detail: {json.dumps(detail)}}}))"
    )

"""The run of one streamed image, shared by the generator and the editor: the prompt, the progress
of a run, its steps and its final image. Pages take it through `StoredOfferState`.

A run is a job of the job tier (`domain.jobs`): submitted, run by a worker, followed here through
its log (`_follow_job`), from the last position shown — so a reload or a reconnect to another
replica (`resume_run`, on every page load) picks it up where it is. The state holds references
only: URLs of stored files and short labels, never bytes. How a run ended comes from its log's
last event (`_end_job`), recorded in the history by the worker.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any, AsyncIterator

import reflex as rx

from email_image_app.domain.cancellation import RunCancelled
from email_image_app.domain.eta import eta_message, typical_duration_of
from email_image_app.domain.error_messages import describe_error
from email_image_app.domain.formatting import format_seconds, format_usd
from email_image_app.domain.upload_checks import UploadError
from email_image_app.domain.file_names import filename_stem
from email_image_app.domain.job_stream import FinalSaved, JobTarget, StepSaved
from email_image_app.domain.jobs.bus import job_bus
from email_image_app.domain.jobs.event_log import START, TICK, is_after
from email_image_app.domain.jobs.events import CANCELLED, COMPLETED, Accepted, JobEnded, Queued, Started
from email_image_app.domain.jobs.spec import JobSpec
from email_image_app.domain.job_records import JobInfo
from email_image_app.domain.messages import message
from email_image_app.domain.prompt_limit import PROMPT_KEEP_CHARS, prompt_counter, prompt_length_refusal
from email_image_app.domain.run_progress import (
    COMPLETED_STAGES,
    RUNNING_STAGES,
    STAGE_CANCELLED,
    STAGE_DONE,
    STAGE_FAILED,
    STAGE_PARTIAL,
    STAGE_QUEUED,
    STAGE_REQUEST_SENT,
    FinalView,
    RunStart,
    StepView,
    creeping_progress,
    expected_seconds_per_event,
    final_label,
    option_notices,
    progress_for,
)
from email_image_app.domain.store import new_job_id
from email_image_app.imagegen.events import ImageStreamError, IncompleteStreamError
from email_image_app.imagegen.options import MAX_PROMPT_CHARS, ImageOptions, OptionsError
from email_image_app.imagegen.pricing import cost_usd
from email_image_app.state.image_options import ImageOptionsState
from email_image_app.state.language import LanguageState
from email_image_app.state.auth import require_signed_in
from email_image_app.state.provider import current_provider

logger = logging.getLogger(__name__)

# How often a run nobody took yet asks whether any worker is up.
WORKER_CHECK_SECONDS = 3.0

# Failures the run explains itself; anything else is also logged with its traceback.
_EXPECTED_FAILURES = (ImageStreamError, OptionsError, UploadError)


class ImageRunState(ImageOptionsState, mixin=True):
    """One streamed image: the prompt, the progress of a run, its steps and its final image."""

    prompt: str = ""

    # The run. `stage` is where it is (`domain.run_progress` STAGE_*, "" before any run): the one
    # field for it; `running`, `completed` and `cancelled` are read from it.
    stage: str = ""
    stage_step: int = 0
    stage_steps: int = 0
    progress: int = 0
    elapsed_s: int = 0
    # The typical duration of such an image, from the history (same model, size, quality, provider);
    # 0 when the history has none: then no "time left" is shown.
    eta_s: int = 0
    steps: list[StepView] = []
    preview_url: str = ""
    error: dict[str, Any] = {}  # why the run failed: a message (`Message.to_dict()`)
    notices: list[dict[str, Any]] = []  # what the request changed of what was asked: messages

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
    queue_ahead: int = 0  # while queued: how many jobs go first
    no_worker: bool = False  # nothing took the job yet and no worker is up: the page says so
    # Following the job's log: the last position shown, which follower is current (a reconnect
    # starts a new one), when the run started (wall clock: a resumed follower counts from it).
    # The job this tab runs or ran last, kept in the tab (sessionStorage): a tab whose server-side
    # state is gone (its replica crashed, the server restarted) finds its run again by it.
    tab_job: str = rx.SessionStorage("")
    _seen_position: str = START
    _follow_generation: int = 0
    _started_at: float = 0.0
    _event_prefix: str = ""
    _run_model: str = ""

    @rx.var
    def running(self) -> bool:
        return self.stage in RUNNING_STAGES

    @rx.var
    def completed(self) -> bool:
        return self.stage in COMPLETED_STAGES

    @rx.var
    def cancelled(self) -> bool:
        return self.stage == STAGE_CANCELLED

    @rx.var
    def prompt_count(self) -> dict[str, Any]:
        """The counter under the prompt ('1,234 / 32,000 characters'), counted as the provider counts,
        against the room left by the words the app adds (a page says how many: `_prompt_added_chars`)."""
        return prompt_counter(self.prompt, self._prompt_added_chars()).to_dict()

    @rx.var
    def prompt_over_limit(self) -> bool:
        return len(self.prompt.strip()) + self._prompt_added_chars() > MAX_PROMPT_CHARS

    def _prompt_added_chars(self) -> int:
        """How many characters the page adds to the prompt as sent (background, framing words)."""
        return 0

    @rx.var
    def time_left(self) -> dict[str, Any]:
        """'about 12 s left' while running, from the history's typical duration (a message; {} if unknown)."""
        if not self.running or self.eta_s <= 0:
            return {}
        return eta_message(self.eta_s, self.elapsed_s).to_dict()

    @rx.event
    def set_prompt(self, value: str) -> None:
        # Kept whole beyond the limit: an over-long prompt is refused naming the limit, not cut.
        self.prompt = value[:PROMPT_KEEP_CHARS]

    def _refuse_long_prompt(self, typed: str, info: JobInfo) -> bool:
        """Refuse (in `error`) a prompt that, as sent, is over the provider's limit; True if refused."""
        refusal = prompt_length_refusal(typed, info.prompt)
        if refusal is not None:
            self.error = refusal.to_dict()
        return refusal is not None

    def _start_run(self, info: JobInfo, options: ImageOptions, target: JobTarget) -> RunStart:
        """Begin the run described by `info` (call it holding the state lock)."""
        job_id = new_job_id()
        self._clear_run()
        self.stage = STAGE_REQUEST_SENT
        self.progress = int(progress_for(0, self.partial_images + 1))
        self.notices = [notice.to_dict() for notice in option_notices(self.model, self.quality, options)]
        self.job_id = self.tab_job = job_id
        self._seen_position = START
        self._follow_generation += 1
        self._started_at = time.time()
        return RunStart(job_id, info.prompt, target.with_stem(filename_stem(info.prompt)), info)

    def _clear_run(self) -> None:
        """Forget the last run (its files stay on disk): the page is back to "nothing run yet"."""
        self.stage = ""
        self.stage_step = self.stage_steps = 0
        self.progress = 0
        self.elapsed_s = 0
        self.eta_s = 0
        self.steps = []
        self.preview_url = ""
        self.error = {}
        self.notices = []
        self.final_url = self.final_filename = self.final_info = ""
        self.usage_input = self.usage_output = self.usage_total = 0
        self.duration_label = self.cost_label = ""
        self.job_id = ""
        self.queue_ahead = 0
        self.no_worker = False

    def _show_final(self, final: FinalView, *, stage: str = STAGE_DONE) -> None:
        """Fill the run view with a final image and its usage: the one place for it, whether the
        image just streamed in or comes back from the history (`stage` says which)."""
        self.stage = stage
        self.progress = 100
        self.final_url = self.preview_url = final.url
        self.final_filename = final.filename
        self.final_info = final.info
        self.usage_input, self.usage_output, self.usage_total = final.input_tokens, final.output_tokens, final.total_tokens
        self.duration_label = format_seconds(final.duration_ms)
        self.cost_label = final.cost

    def _end_run(self, exc: BaseException | None, job_id: str) -> None:
        """How a run that was going ended, in the view (the history records it in `store_stream`):
        `exc` is what stopped it, None when the stream closed (a final image, or none)."""
        if isinstance(exc, (RunCancelled, asyncio.CancelledError)):
            self.stage = STAGE_CANCELLED
            return
        if exc is None and self.stage == STAGE_DONE:
            return
        if exc is None:  # the stream ended without a final image
            exc = IncompleteStreamError()
        elif not isinstance(exc, _EXPECTED_FAILURES):  # keep the page usable; log the cause server-side
            logger.error("image run %s failed", job_id, exc_info=exc)
        self.stage = STAGE_FAILED
        self.error = describe_error(exc, partials_received=len(self.steps)).to_dict()

    # ----- following a run -----

    async def _run_job(
        self, spec: JobSpec, *, model: str, quality: str, event_prefix: str = "image-generation"
    ) -> AsyncIterator[rx.event.EventSpec]:
        """Submit `spec` to the job queue, then follow its log. Yields browser events (the page's
        custom window events) for the caller to yield from its background handler."""
        estimate = await typical_duration_of(spec.info, spec.target, model=model, quality=quality)
        async with self:
            self._event_prefix = event_prefix
            self._run_model = model
            if estimate is not None:
                self.eta_s = round(estimate.seconds)
            generation = self._follow_generation
        try:
            await job_bus().submit(spec)
        except Exception as exc:  # the queue is unreachable: nothing was sent to the provider
            async with self:
                self._end_run(exc, spec.job_id)
            return
        async for browser_event in self._follow_job(spec.job_id, generation):
            yield browser_event

    @rx.event(background=True)
    async def resume_run(self):
        """On (re)load: a run this tab started goes on being shown, from the last step it saw, by
        whichever process the tab is connected to now (the job's log outlives the one that asked).
        A tab whose state was lost starts over from the log of the job it keeps (`tab_job`)."""
        async with self:
            who = await require_signed_in(self)
            if who is None:
                return
            job_id = self.job_id if self.running else ""
            lost = not job_id and not self.stage and bool(self.tab_job)
            if lost:
                job_id = self.tab_job
            if not job_id:
                return
            self._follow_generation += 1
            generation = self._follow_generation
        if lost:
            accepted = await job_bus().accepted(job_id)
            async with self:
                if self._follow_generation != generation:
                    return
                if accepted is None or accepted.owner_id != who.account_id:
                    self.tab_job = ""  # gone (its log expired), or not this person's
                    return
                self._show_accepted(job_id, accepted)
        async for browser_event in self._follow_job(job_id, generation):
            yield browser_event

    def _show_accepted(self, job_id: str, accepted: Accepted) -> None:
        """A run found again by its log's first event: shown from the start of its log."""
        self._clear_run()
        self.job_id = job_id
        self.partial_images = accepted.partial_images
        self._run_model = accepted.model
        self._started_at = accepted.submitted_at
        self._seen_position = START
        self.stage = STAGE_REQUEST_SENT

    async def _follow_job(self, job_id: str, generation: int) -> AsyncIterator[rx.event.EventSpec]:
        """Mirror the job's log into the state from the last position applied: steps, the final
        image, how it ended. Stops when the log ends, or when a newer follower took over."""
        offline = current_provider().is_offline
        async with self:
            after = self._seen_position
            total_events = self.partial_images + 1
            seconds_per_event = expected_seconds_per_event(self.quality, offline=offline)
        last_event_at = next_worker_check = time.monotonic()
        try:
            async for found in job_bus().follow(job_id, after):
                now = time.monotonic()
                workers = None
                if found is TICK and self.stage == STAGE_REQUEST_SENT and now >= next_worker_check:
                    # Nothing took the job yet: is any worker up? (Say so rather than wait in silence.)
                    next_worker_check = now + WORKER_CHECK_SECONDS
                    workers = await job_bus().workers_up()
                async with self:
                    if self._follow_generation != generation or self.job_id != job_id:
                        return  # a newer follower (a reconnect) or a newer run took over
                    if found is TICK:
                        creeping = creeping_progress(
                            len(self.steps), total_events, now - last_event_at, seconds_per_event
                        )
                        self.progress = max(self.progress, creeping)
                        self.elapsed_s = int(time.time() - self._started_at)
                        if workers is not None:
                            self.no_worker = workers == 0
                        continue
                    self.no_worker = False
                    position, event = found
                    if not is_after(position, self._seen_position):
                        continue  # already shown (replayed to a second follower)
                    self._seen_position = position
                    last_event_at = now
                    browser_event = self._apply_job_event(event, total_events, offline)
                if browser_event is not None:
                    yield browser_event
        except Exception as exc:  # the log could not be read (Redis gone): never stay "Generating…"
            async with self:
                if self._follow_generation == generation and self.job_id == job_id and self.running:
                    self._end_run(exc, job_id)

    def _apply_job_event(self, event: object, total_events: int, offline: bool) -> rx.event.EventSpec | None:
        """One event of the job's log, in the view (call it holding the state lock)."""
        prefix = self._event_prefix or "image-generation"
        self.elapsed_s = int(time.time() - self._started_at)
        if isinstance(event, Queued):
            self.stage, self.queue_ahead = STAGE_QUEUED, event.ahead
        elif isinstance(event, Started):
            self.stage, self.queue_ahead = STAGE_REQUEST_SENT, 0
        elif isinstance(event, StepSaved):
            self._show_step(event, total_events, self.elapsed_s)
            detail = {"partialImage": event.preview_url, "index": event.index, "totalSteps": total_events}
            return _dispatch(f"{prefix}-progress", detail)
        elif isinstance(event, FinalSaved):
            self._show_final(_final_view(event, self._run_model or self.model, offline=offline))
            detail = {
                "finalImage": event.url,
                "usage": event.usage.to_dict() if event.usage else None,
                "duration": event.duration_ms,
            }
            return _dispatch(f"{prefix}-complete", detail)
        elif isinstance(event, JobEnded):
            self._end_job(event)
        return None

    def _end_job(self, ended: JobEnded) -> None:
        """How the job ended, from its log's last event (the history recorded it in the worker)."""
        if ended.status == CANCELLED:
            self.stage = STAGE_CANCELLED
        elif ended.status != COMPLETED or self.stage != STAGE_DONE:
            self.stage = STAGE_FAILED
            self.error = (ended.error or message("error_unexpected")).to_dict()

    def _show_step(self, step: StepSaved, total_events: int, elapsed_s: int) -> None:
        self.steps.append(
            StepView(
                number=step.index + 1,
                url=step.url,
                preview_url=step.preview_url,
                thumb_url=step.thumb_url,
                elapsed_label=format_seconds(step.elapsed_ms),
            )
        )
        self.preview_url = step.preview_url
        self.progress = int(progress_for(len(self.steps), total_events))
        self.stage = STAGE_PARTIAL
        self.stage_step, self.stage_steps = step.index + 1, total_events - 1
        self.elapsed_s = elapsed_s

    @rx.event
    async def cancel(self) -> None:
        """Cancel reaches the process running the job, wherever it is (`domain.jobs.cancel_channel`);
        the view shows "cancelled" when the job's log says so."""
        if self.running and self.job_id and await require_signed_in(self) is not None:
            await job_bus().cancel(self.job_id)

    @rx.event
    def show_preview(self, url: str) -> None:
        self.preview_url = url

    @rx.event
    async def base64_copied(self, size: int | None) -> rx.event.EventSpec:
        return await base64_copied_toast(self, size)


def _final_view(final: FinalSaved, model: str, *, offline: bool) -> FinalView:
    usage = final.usage
    return FinalView(
        url=final.url,
        filename=final.filename,
        info=final_label(final.width, final.height, final.output_format, final.size_bytes),
        input_tokens=usage.input_tokens if usage else 0,
        output_tokens=usage.output_tokens if usage else 0,
        total_tokens=usage.total_tokens if usage else 0,
        duration_ms=final.duration_ms,
        cost="" if offline else format_usd(cost_usd(model, usage)),
    )


def _dispatch(name: str, detail: dict) -> rx.event.EventSpec:
    """A CustomEvent on `window`, so a marketer's own page script can listen to the run."""
    return rx.call_script(
        f"window.dispatchEvent(new CustomEvent({json.dumps(name)}, {{detail: {json.dumps(detail)}}}))"
    )


async def base64_copied_toast(state: rx.State, size: int | None) -> rx.event.EventSpec:
    """The confirmation of Copy Base64, worded in the marketer's language as it is shown (`state`
    is any page's state)."""
    lang = (await state.get_state(LanguageState)).lang
    return rx.toast.success(message("base64_copied", size=size or 0).render(lang))

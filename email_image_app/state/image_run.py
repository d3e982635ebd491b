"""The run of one streamed image, shared by the generator and the editor: the prompt, the progress
of a run, its steps and its final image. Pages mix it into their own state.

The state holds references only: URLs of stored files and short labels. A run's bytes go to disk
(`domain.job_stream.store_stream`), never through the websocket.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any, AsyncIterator

import reflex as rx

from email_image_app.domain import cancellation
from email_image_app.domain.error_messages import describe_error
from email_image_app.domain.formatting import format_bytes, format_usd
from email_image_app.domain.job_stream import FinalSaved, JobInfo, JobTarget, StepSaved, filename_stem, store_stream
from email_image_app.domain.messages import translate
from email_image_app.domain.run_progress import (
    RunStart,
    StepView,
    creeping_progress,
    expected_seconds_per_event,
    progress_for,
)
from email_image_app.domain.store import new_job_id
from email_image_app.imagegen.events import ImageStreamError, IncompleteStreamError, StreamEvent
from email_image_app.imagegen.options import MAX_PROMPT_CHARS, ImageOptions, OptionsError
from email_image_app.imagegen.pricing import cost_usd
from email_image_app.state.image_options import ImageOptionsState
from email_image_app.state.language import LanguageState
from email_image_app.state.provider import current_provider

logger = logging.getLogger(__name__)


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
    error: dict[str, Any] = {}  # why the run failed: a message (`Message.to_dict()`)
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
        self.error = {}
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
            seconds_per_event = expected_seconds_per_event(self.quality, offline=current_provider().is_offline)
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
                    self.error = describe_error(IncompleteStreamError(), partials_received=len(self.steps)).to_dict()
        except cancellation.RunCancelled:
            async with self:
                self.status = "cancelled"
                self.stage = "cancelled"
        except (ImageStreamError, OptionsError) as exc:
            async with self:
                self.status = "failed"
                self.stage = "failed"
                self.error = describe_error(exc, partials_received=len(self.steps)).to_dict()
        except Exception as exc:  # keep the page usable whatever went wrong; log the cause server-side
            logger.exception("image run %s failed", job_id)
            async with self:
                self.status = "failed"
                self.stage = "failed"
                self.error = describe_error(exc, partials_received=len(self.steps)).to_dict()
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

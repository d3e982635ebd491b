"""One streamed image, in the terms a page shows it: the form's background and size choices, the
run's stages, the steps and final image as shown, how far the bar is, and the notes and errors
about sizes and options (as catalogue messages).

Reflex-free: the shared run state (`state.image_run`) and the campaign's tiles use it.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

from typing import Any

from email_image_app.domain.formatting import format_bytes
from email_image_app.domain.job_stream import JobTarget
from email_image_app.domain.job_records import JobInfo
from email_image_app.domain.messages import STRINGS, Message, message
from email_image_app.imagegen.options import (
    DEFAULT_MODEL,
    EMAIL_SIZES,
    MAX_PARTIAL_IMAGES,
    MODELS,
    EmailSize,
    ImageOptions,
    OptionsError,
)
from email_image_app.imagegen.sizing import SizePlan

# Rough seconds per streamed event, used only to keep the bar moving between events.
_SECONDS_PER_EVENT = {"low": 4.0, "medium": 10.0, "high": 25.0, "auto": 10.0}

# Where a run is: the one field a run's state keeps about it ("" = nothing run yet). A step's
# number and count are kept beside it; everything else the view needs is derived from these.
STAGE_QUEUED = "queued"  # waiting for a provider stream (EMAIL_IMAGE_MAX_STREAMS): "N ahead"
STAGE_REQUEST_SENT = "request_sent"
STAGE_PARTIAL = "partial"
STAGE_DONE = "done"
STAGE_FROM_HISTORY = "from_history"  # a stored job shown again: not a new (paid) run
STAGE_CANCELLED = "cancelled"
STAGE_FAILED = "failed"
RUNNING_STAGES = (STAGE_QUEUED, STAGE_REQUEST_SENT, STAGE_PARTIAL)
COMPLETED_STAGES = (STAGE_DONE, STAGE_FROM_HISTORY)


@dataclass
class StepView:
    number: int  # 1-based, as shown ("Step 1")
    url: str
    preview_url: str
    thumb_url: str
    elapsed_label: str


@dataclass(frozen=True)
class FinalView:
    """A run's final image and usage as the run view shows them, from a stream or from the history."""

    url: str
    filename: str
    info: str  # "1200×600 · PNG · 84 KB"
    input_tokens: int
    output_tokens: int
    total_tokens: int
    duration_ms: int | None
    cost: str  # "$0.042"; "" when unknown or free


@dataclass
class SizeChoice:
    """An entry of the size select: its value and its label (a message, `Message.to_dict()`)."""

    value: str
    label: dict[str, Any]


@dataclass(frozen=True)
class RunStart:
    """A run just begun: its job id, the prompt as sent, the target named after it, its record."""

    job_id: str
    prompt: str
    target: JobTarget
    info: JobInfo


def clamp_partial_images(count: int) -> int:
    """Partial images a request may ask for: the API streams 0 to 3."""
    return max(0, min(MAX_PARTIAL_IMAGES, count))


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


def describe_options_error(exc: OptionsError) -> Message:
    """An option the model cannot take, for the page: the form's words for the one conflict the form
    lets through (a transparent JPEG), else the core's own message after "Setting rejected:"."""
    if exc.field == "background" and "jpeg" in exc.message:
        return message("transparent_needs")
    return message("setting_refused", message=exc.message)


def preset_label(preset: EmailSize) -> Message:
    key = f"size_{preset.key}"
    return message(key) if key in STRINGS else message("verbatim", text=preset.label)


def _dimensions(size: str) -> str:
    # A string, not numbers: "1200×600" reads the same in every language (no "1,200").
    return size.replace("x", "×")


def size_choices(model: str) -> list[SizeChoice]:
    """The email presets, then the model's native sizes."""
    choices = [
        SizeChoice(preset.size, message("size_choice", name=preset_label(preset), size=_dimensions(preset.size)).to_dict())
        for preset in EMAIL_SIZES
    ]
    seen = {choice.value for choice in choices}
    for native in MODELS.get(model, MODELS[DEFAULT_MODEL]).native_sizes():
        if native not in seen:
            choices.append(SizeChoice(native, message("size_choice_native", size=_dimensions(native)).to_dict()))
    return choices


def option_notices(asked_model: str, asked_quality: str, options: ImageOptions) -> list[Message]:
    """What the request changed of what was asked (a retired model, an old quality word), so that
    nothing is switched silently."""
    notices = []
    if options.model != asked_model:
        notices.append(message("notice_model_retired", asked=asked_model, used=options.model))
    if options.quality != asked_quality:
        notices.append(message("notice_quality_renamed", asked=asked_quality, used=options.quality, model=options.model))
    return notices


def final_label(width: int, height: int, output_format: str, size_bytes: int) -> str:
    """'1200×600 · PNG · 84 KB': the final image's facts (figures written the English way)."""
    return f"{width}×{height} · {output_format.upper()} · {format_bytes(size_bytes)}"


def size_note(model: str, plan: SizePlan) -> Message:
    """What the provider is asked for and what the page delivers."""
    request = f"{plan.request_width}×{plan.request_height}"
    if not plan.needs_fit:
        return message("size_note_direct", model=model, request=request)
    target = f"{plan.target_width}×{plan.target_height}"
    return message("size_note_fit", model=model, request=request, target=target)


def expected_seconds_per_event(quality: str, *, offline: bool) -> float:
    """Rough seconds between two streamed events, used only to pace the creeping bar."""
    if offline:
        return float(os.environ.get("LOCAL_ENGINE_STEP_DELAY") or 0) + 0.5
    return _SECONDS_PER_EVENT.get(quality, 10.0)

"""Past jobs brought back to a page, without Reflex: the stored result of an identical request (so
the page can offer it instead of paying for it again), the form's settings of a past job ("Use
these settings" in the history), and a stored job's result in the terms the run view shows.
"""

from __future__ import annotations

from dataclasses import dataclass

from email_image_app.domain.formatting import format_seconds, format_usd
from email_image_app.domain.history import JobDetail, cache_key_of, default_history
from email_image_app.domain.job_records import Job
from email_image_app.domain.job_records import JobInfo
from email_image_app.domain.image_request import WHITE_BACKGROUND_PROMPT_SUFFIX
from email_image_app.domain.run_progress import FinalView, StepView, final_label
from email_image_app.domain.store import image_store
from email_image_app.imagegen.sizing import read_composition_hint


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


def settings_of_job(job_id: str) -> FormSettings | None:
    """The form's settings of the job `job_id`, or None when the history no longer has it (blocking)."""
    detail = default_history().detail(job_id)
    return None if detail is None else form_settings_of(detail.job)


def stored_result(info: JobInfo) -> JobDetail | None:
    """The newest completed job made from exactly this request whose final image is still stored
    (blocking)."""
    history = default_history()
    for job in history.find_completed(cache_key_of(info), kind=info.kind):
        detail = history.detail(job.id)
        if detail is not None and detail.final is not None and image_store.exists(detail.final.url):
            return detail
    return None


def steps_of(detail: JobDetail) -> list[StepView]:
    """A stored job's steps as the run view shows them."""
    return [
        StepView(
            number=step.index + 1,
            url=step.url,
            preview_url=step.preview_url or step.url,
            thumb_url=step.thumb_url,
            elapsed_label=format_seconds(step.elapsed_ms),
        )
        for step in detail.partials
    ]


def final_view_of(detail: JobDetail) -> FinalView:
    """A stored job's final image and usage as the run view shows them (the job has a final)."""
    job, final = detail.job, detail.final
    assert final is not None
    extension = final.url.rsplit(".", 1)[-1]
    return FinalView(
        url=final.url,
        filename=final.url.rsplit("/", 1)[-1],
        info=final_label(final.width, final.height, "jpeg" if extension == "jpg" else extension, final.size_bytes),
        input_tokens=job.input_tokens or 0,
        output_tokens=job.output_tokens or 0,
        total_tokens=job.total_tokens or 0,
        duration_ms=job.duration_ms,
        cost=format_usd(job.cost_usd) if job.cost_usd else "",
    )

"""What every command does around its images: the data folder and database the app uses, the ETA
from the history, Ctrl-C, and one image made by a job and written to a file.

An image is a job of the job tier (`cli.jobs`), as on the pages: stored in the data folder and
recorded in the history (so it shows in /history) by whichever worker runs it, its steps followed
through its log. Ctrl-C cancels it through the bus the way the Cancel button does (the HTTP stream
is closed at once, the history says `cancelled`).
"""

from __future__ import annotations

import asyncio
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from email_image_app.domain import eta
from email_image_app.cli.errors import BadInput, Interrupted, RunFailed
from email_image_app.cli.jobs import JobTier, failure_message, follow_jobs, is_bad_input
from email_image_app.cli.progress import Reporter
from email_image_app.domain.job_stream import FinalSaved, JobTarget, StepSaved
from email_image_app.domain.job_records import JobInfo
from email_image_app.domain.jobs.events import CANCELLED, COMPLETED, JobEnded, Queued, Started
from email_image_app.domain.jobs.spec import JobSpec
from email_image_app.imagegen.client import Provider
from email_image_app.imagegen.options import ImageOptions
from email_image_app.imagegen.pricing import cost_usd
from email_image_app.domain.formatting import format_bytes
from email_image_app.domain.storage.local import write_atomically
from email_image_app.domain.store import image_store


def prepare_data() -> None:
    """The app's data folder and database (EMAIL_IMAGE_DATA_DIR / EMAIL_IMAGE_DB_URL), created or
    migrated as `make run` does, so a fresh folder works and jobs land in the same history."""
    from email_image_app.domain import history

    try:
        history.prepare_database()
    except Exception as exc:
        raise RunFailed(f"the history database could not be opened or migrated: {exc}") from None


def typical_duration(options: ImageOptions, target: JobTarget, provider: Provider) -> eta.DurationEstimate | None:
    """The history's typical duration for this model, delivered size and quality on this provider."""
    from email_image_app.domain import database

    try:
        return eta.typical_duration(
            database.engine(),
            model=options.model,
            width=target.width,
            height=target.height,
            quality=options.quality,
            provider=provider.label,
        )
    except Exception:  # an ETA is a nicety: never fail a run over it
        return None


class InterruptGuard:
    """Ctrl-C while images stream: the first one calls `on_interrupt` (cancel the streams, keep what
    finished); a second one cancels everything at once."""

    def __init__(self, on_interrupt: Callable[[], None]) -> None:
        self.on_interrupt = on_interrupt
        self.interrupted = False
        self._main: asyncio.Task | None = None

    def __enter__(self) -> InterruptGuard:
        self._main = asyncio.current_task()
        asyncio.get_running_loop().add_signal_handler(signal.SIGINT, self._fire)
        return self

    def __exit__(self, *exc_info: object) -> None:
        asyncio.get_running_loop().remove_signal_handler(signal.SIGINT)

    def _fire(self) -> None:
        if self.interrupted and self._main is not None:
            self._main.cancel()
            return
        self.interrupted = True
        self.on_interrupt()


def write_bytes(path: Path, data: bytes) -> None:
    """Write atomically: a reader (or a crash) never sees half a file at `path`."""
    write_atomically(path, data)


def check_output(path: Path) -> Path:
    if not path.parent.is_dir():
        raise BadInput(f"{path}: the folder {path.parent} does not exist.")
    if path.is_dir():
        raise BadInput(f"{path} is a folder; give a file name.")
    return path


@dataclass(frozen=True)
class OneImage:
    """One image to make and where it goes (generate and edit)."""

    job_id: str
    prompt_sent: str
    options: ImageOptions
    target: JobTarget
    info: JobInfo
    output: Path
    keep_partials: bool


def partial_path(output: Path, number: int) -> Path:
    """`hero.png` → `hero.step-1.png`, beside it (the pages call partial images "Step N")."""
    return output.with_name(f"{output.stem}.step-{number}{output.suffix}")


async def run_one_image(tier: JobTier, spec: JobSpec, image: OneImage, reporter: Reporter, *, command: str) -> None:
    """Submit `spec` (one image), follow its log into the output file, reporting each step; raises
    Interrupted on Ctrl-C (the job is cancelled through the bus), RunFailed on the provider's failure."""
    provider = tier.provider
    estimate = typical_duration(image.options, image.target, provider)
    target = image.target
    size = f"{target.width}×{target.height}"
    steps = image.options.partial_images + 1
    reporter.emit(
        "run_started", command=command, provider=provider.label, model=image.options.model,
        quality=image.options.quality, images=1,
        eta_s=estimate.seconds if estimate else None, eta_samples=estimate.samples if estimate else 0,
    )
    key = "image"
    started = time.monotonic()
    partials: list[Path] = []
    final: FinalSaved | None = None
    ended: JobEnded | None = None
    with InterruptGuard(lambda: tier.cancel_soon([spec.job_id])):
        await tier.bus.submit(spec)
        async for _, event in follow_jobs(tier.bus, [spec.job_id]):
            elapsed = round(time.monotonic() - started, 2)
            if isinstance(event, Queued):
                reporter.emit("job_queued", job=key, label=image.output.name, size=size, steps=steps, ahead=event.ahead)
            elif isinstance(event, Started):
                started = time.monotonic()
                reporter.emit(
                    "job_started", job=key, label=image.output.name, size=size, steps=steps, job_id=image.job_id,
                    typical_s=estimate.seconds if estimate else None,
                )
            elif isinstance(event, StepSaved):
                kept = None
                if image.keep_partials:
                    kept = partial_path(image.output, event.index + 1)
                    write_bytes(kept, await asyncio.to_thread(image_store.read, event.url))
                    partials.append(kept)
                reporter.emit("partial", job=key, step=event.index + 1, steps=steps - 1, elapsed_s=elapsed, file=kept)
            elif isinstance(event, FinalSaved):
                write_bytes(image.output, await asyncio.to_thread(image_store.read, event.url))
                final = event
                reporter.emit(
                    "final", job=key, file=image.output, width=event.width, height=event.height,
                    format=event.output_format, bytes=event.size_bytes, elapsed_s=elapsed,
                    total_tokens=event.usage.total_tokens if event.usage else None,
                )
            elif isinstance(event, JobEnded):
                ended = event
    assert ended is not None  # `follow_jobs` ends after the job's end
    if ended.status == CANCELLED:
        reporter.emit("job_cancelled", job=key)
        kept_text = f"; kept {len(partials)} partial image(s)" if partials else ""
        raise Interrupted(f"interrupted: the stream was closed{kept_text}.")
    if ended.status != COMPLETED or final is None:
        failure = failure_message(ended, provider)
        reporter.emit("job_failed", job=key, message=failure)
        detail = ended.detail or {}
        raise BadInput(str(detail.get("message"))) if is_bad_input(ended) else RunFailed(failure)
    elapsed = round(time.monotonic() - started, 2)
    reporter.emit("job_completed", job=key, elapsed_s=elapsed)
    usage = final.usage
    reporter.emit(
        "completed", command=command, file=image.output, width=final.width, height=final.height,
        format=final.output_format, bytes=final.size_bytes, partial_files=partials,
        total_tokens=usage.total_tokens if usage else None,
        cost_usd=round(cost_usd(image.options.model, usage, offline=provider.is_offline), 6),
        elapsed_s=elapsed, job_id=image.job_id,
    )
    tokens = f" · {usage.total_tokens:,} tokens" if usage else ""
    reporter.say(
        f"Saved {image.output} ({final.width}×{final.height} {final.output_format.upper()}, "
        f"{format_bytes(final.size_bytes)}) in {elapsed:.1f} s{tokens}"
    )

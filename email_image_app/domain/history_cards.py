"""Past jobs as the pages show them: plain, serialisable cards and image tiles with ready-made
labels (sizes, times, tokens, cost) and messages for what is said in words ("5 min ago", why a job
failed), worded by the page in its language. No database and no components here."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import Any
from datetime import datetime, timezone

from email_image_app.domain.history import JobDetail
from email_image_app.domain.job_records import Job, JobImage
from email_image_app.domain.messages import Message, message
from email_image_app.imagegen.sizing import read_composition_hint
from email_image_app.domain.formatting import format_seconds, format_usd

PROMPT_PREVIEW_CHARS = 140


@dataclass
class ImageTile:
    """One image of a job in the detail view: a step or the final image."""

    number: int  # 1-based step number; 0 for the final image
    url: str  # the stored original: what Download and Copy Base64 give
    view_url: str  # what the large view shows (a lighter rendition for steps)
    thumb_url: str
    filename: str
    label: str  # "Step 2 · 1.3 s"
    elapsed: str = ""  # "1.3 s": when it arrived, for captions worded in the page's language


@dataclass
class JobCard:
    id: str = ""
    kind: str = ""
    status: str = ""
    prompt: str = ""
    prompt_preview: str = ""
    model: str = ""
    provider: str = ""
    size: str = ""  # "1200×600"
    cover_url: str = ""
    # How long ago it was made: a message as data (`Message.to_dict()`), worded by the page.
    when: dict[str, Any] = field(default_factory=dict)
    when_exact: str = ""  # "2026-11-26 14:03 UTC"
    duration: str = ""
    tokens: str = ""
    cost: str = ""  # at list price; "" when unknown or free
    free: bool = False  # made by the offline engine
    partials: int = 0
    quality: str = ""
    background: str = ""
    output_format: str = ""
    # Why it failed or stopped: a message as data (`Message.to_dict()`), worded by the page.
    error: dict[str, Any] = field(default_factory=dict)
    has_error: bool = False
    owner_id: int = 0  # the account that made it; 0 for none (made before accounts, or by the CLI)
    owner_email: str = ""  # who that is, shown in the history's Team view ("" when unknown)


@dataclass
class JobView:
    """A job opened from the history: its card and its images in order (steps, then final)."""

    card: JobCard = field(default_factory=JobCard)
    tiles: list[ImageTile] = field(default_factory=list)
    final_url: str = ""
    final_filename: str = ""


def how_long_ago(moment: datetime, now: datetime | None = None) -> Message:
    """How long ago `moment` was ("5 min ago" / "il y a 5 min"); its date past a week."""
    now = now or datetime.now(timezone.utc)
    seconds = max(0, int((now - moment).total_seconds()))
    if seconds < 60:
        return message("when_just_now")
    if seconds < 3600:
        return message("when_minutes", count=seconds // 60)
    if seconds < 86400:
        return message("when_hours", count=seconds // 3600)
    days = seconds // 86400
    if days == 1:
        return message("when_yesterday")
    if days < 7:
        return message("when_days", count=days)
    return message("when_date", date=moment.strftime("%Y-%m-%d"))


def _cost_label(job: Job) -> str:
    return "" if not job.cost_usd else format_usd(job.cost_usd)


def card_of(job: Job, now: datetime | None = None) -> JobCard:
    written, _ = read_composition_hint(job.prompt)  # what the marketer wrote, without our crop advice
    prompt = " ".join(written.split())
    return JobCard(
        id=job.id,
        kind=job.kind,
        status=job.status,
        prompt=written,
        prompt_preview=prompt if len(prompt) <= PROMPT_PREVIEW_CHARS else prompt[: PROMPT_PREVIEW_CHARS - 1] + "…",
        model=job.model,
        provider=job.provider,
        size=f"{job.target_width}×{job.target_height}",
        cover_url=job.cover_url or "",
        when=how_long_ago(job.created_at, now).to_dict(),
        when_exact=job.created_at.strftime("%Y-%m-%d %H:%M UTC"),
        duration=format_seconds(job.duration_ms),
        tokens=f"{job.total_tokens:,}" if job.total_tokens else "",
        cost=_cost_label(job),
        free=job.cost_usd == 0,
        partials=job.partial_count,
        quality=str(job.options.get("quality", "")),
        background=str(job.options.get("background_choice") or job.options.get("background", "")),
        output_format=str(job.options.get("output_format", "")).upper(),
        error=job.error_message.to_dict() if job.error_message else {},
        has_error=job.error_message is not None,
        owner_id=job.owner_id or 0,
    )


def _tile(image: JobImage) -> ImageTile:
    elapsed = format_seconds(image.elapsed_ms)
    name = "Final" if image.kind == "final" else f"Step {image.index + 1}"
    return ImageTile(
        number=0 if image.kind == "final" else image.index + 1,
        url=image.url,
        view_url=image.url if image.kind == "final" else image.preview_url or image.url,
        thumb_url=image.thumb_url,
        filename=posixpath.basename(image.url),
        label=f"{name} · {elapsed}" if elapsed else name,
        elapsed=elapsed,
    )


def view_of(detail: JobDetail, now: datetime | None = None) -> JobView:
    tiles = [_tile(image) for image in detail.partials]
    if detail.final is not None:
        tiles.append(_tile(detail.final))
    return JobView(
        card=card_of(detail.job, now),
        tiles=tiles,
        final_url=detail.final.url if detail.final else "",
        final_filename=posixpath.basename(detail.final.url) if detail.final else "",
    )


def already_made_label(moment: datetime, now: datetime | None = None) -> Message:
    """'Already made 5 min ago.' / 'Déjà créée le 2026-11-12.', as a message."""
    when = how_long_ago(moment, now)
    if when.key == "when_date":
        return message("already_made_on", **when.params)
    return message("already_made", when=when)
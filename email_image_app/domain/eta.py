"""How long an image usually takes, from the durations the job history measured. No Reflex here.

The history records every finished job's `duration_ms` (request sent → final image stored). Past
jobs of the same model, target size and quality — on the same provider, since the offline engine
answers in a second what OpenAI draws in a minute — are the best guess for the next one. The median
of the most recent ones resists the odd run that hit a rate limit or a cold start.

The queries read the `jobs` table through SQLAlchemy Core on a connectable the caller passes, so
this module needs neither the ORM models nor Reflex, and works on SQLite or Postgres alike.
"""

from __future__ import annotations

import asyncio
import heapq
import json
import logging
import statistics
from dataclasses import dataclass
from typing import Any, Sequence

from sqlalchemy import JSON, column, select, table
from sqlalchemy.engine import Connection, Engine

from email_image_app.domain import database
from email_image_app.domain.job_stream import JobTarget
from email_image_app.domain.job_records import JobInfo
from email_image_app.domain.messages import Message, message

logger = logging.getLogger(__name__)

# The most recent matching jobs taken into the median: recent enough to follow a provider getting
# faster or slower, many enough that one odd run does not move it.
RECENT_JOBS = 20
# Rows read to find RECENT_JOBS of the asked quality (quality lives inside the options JSON).
SCAN_LIMIT = 200

_jobs = table(
    "jobs",
    column("status"),
    column("model"),
    column("provider"),
    column("kind"),
    column("target_width"),
    column("target_height"),
    column("options", JSON),
    column("duration_ms"),
    column("created_at"),
)


@dataclass(frozen=True)
class DurationEstimate:
    """The typical duration of one image, and how many past jobs it comes from."""

    typical_ms: int
    samples: int

    @property
    def seconds(self) -> float:
        return self.typical_ms / 1000

    def remaining_s(self, elapsed_s: float) -> float:
        """Seconds left after `elapsed_s`; 0 once the typical duration is past (never negative)."""
        return max(0.0, self.seconds - elapsed_s)


def typical_duration(
    bind: Engine | Connection,
    *,
    model: str,
    width: int,
    height: int,
    quality: str,
    provider: str | None = None,
    kinds: Sequence[str] | None = None,
    recent: int = RECENT_JOBS,
) -> DurationEstimate | None:
    """The median duration of the `recent` latest completed jobs like this one; None with no such job.

    `width`x`height` is the size delivered (the job's target size); `provider` is the provider's
    label as the history records it (None: any provider); `kinds` limits to job kinds.
    """
    query = (
        select(_jobs.c.duration_ms, _jobs.c.options)
        .where(
            _jobs.c.status == "completed",
            _jobs.c.model == model,
            _jobs.c.target_width == width,
            _jobs.c.target_height == height,
            _jobs.c.duration_ms.is_not(None),
        )
        .order_by(_jobs.c.created_at.desc())
        .limit(SCAN_LIMIT)
    )
    if provider is not None:
        query = query.where(_jobs.c.provider == provider)
    if kinds:
        query = query.where(_jobs.c.kind.in_(list(kinds)))
    if isinstance(bind, Engine):
        with bind.connect() as connection:
            rows = connection.execute(query).all()
    else:
        rows = bind.execute(query).all()
    durations = [row.duration_ms for row in rows if _quality(row.options) == quality][:recent]
    if not durations:
        return None
    return DurationEstimate(typical_ms=round(statistics.median(durations)), samples=len(durations))


def _quality(options: Any) -> str | None:
    # SQLite hands JSON back decoded; a driver that returns text gets it decoded here.
    if isinstance(options, str):
        try:
            options = json.loads(options)
        except ValueError:
            return None
    return options.get("quality") if isinstance(options, dict) else None


def schedule_ms(durations: Sequence[int], concurrency: int) -> int:
    """How long images of these durations take, started in this order, `concurrency` at a time:
    each starts as soon as one running finishes (what a campaign's slots in `domain.jobs` do)."""
    if not durations:
        return 0
    workers = [0] * max(1, min(concurrency, len(durations)))
    for duration in durations:
        heapq.heappush(workers, heapq.heappop(workers) + max(0, duration))
    return max(workers)


def batch_estimate(estimates: Sequence[DurationEstimate | None], concurrency: int) -> DurationEstimate | None:
    """The duration of a batch (a campaign) from its images' estimates, run `concurrency` at a time.

    An image with no history of its own counts as the median of those that have one; with no
    history at all there is no estimate. `samples` is the number of past jobs behind it: pass the
    same estimate object for images of the same model, size and quality, and it is counted once.
    """
    known = [estimate.typical_ms for estimate in estimates if estimate is not None]
    if not known:
        return None
    fallback = round(statistics.median(known))
    durations = [estimate.typical_ms if estimate is not None else fallback for estimate in estimates]
    distinct = {id(estimate): estimate for estimate in estimates if estimate is not None}
    samples = sum(estimate.samples for estimate in distinct.values())
    return DurationEstimate(typical_ms=schedule_ms(durations, concurrency), samples=samples)



def eta_message(typical_s: int, elapsed_s: int) -> Message:
    """What a page says beside its bar: 'about 12 s left', then 'any moment now' once past."""
    left = typical_s - elapsed_s
    return message("eta_left", seconds=left) if left >= 1 else message("eta_any_moment")


async def typical_duration_of(
    info: JobInfo | None, target: JobTarget, *, model: str, quality: str
) -> DurationEstimate | None:
    """`typical_duration` for a run about to start, read in a thread. Never raises: an estimate must
    not stand between a person and their image."""
    try:
        return await asyncio.to_thread(
            typical_duration,
            database.engine(),
            model=model,
            width=target.width,
            height=target.height,
            quality=quality,
            provider=info.provider if info else None,
            kinds=[info.kind] if info else None,
        )
    except Exception:
        logger.exception("eta: the history could not be read")
        return None

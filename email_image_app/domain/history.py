"""Job history: every image job (generation, edit, campaign tile) and its images, in the database.

Rows are written while a job runs: the job's row when it starts (status `running`, with the
running process's lease), an image row per partial as it lands, then the outcome. So a crash keeps
what was received, and once the dead process's lease expires, any process's sweep marks the job
`interrupted` (job_leases.py). Image bytes stay files in the `ImageStore`; rows hold their URLs.

Everything here is synchronous SQL in short sessions, with no page state or components: async
code goes through `job_stream.JobRecorder` or `asyncio.to_thread`. The tables are job_records.py.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Sequence

from sqlalchemy import or_
from sqlalchemy.engine import Connection, make_url
from sqlmodel import Session, col, delete, func, select, update

from email_image_app.domain import database
from email_image_app.domain.job_records import Job, JobImage, JobInfo, Lease, message_to_store, utc_now
from email_image_app.domain.job_search import prompt_conditions
from email_image_app.domain.messages import Message, message
from email_image_app.imagegen.client import OFFLINE_API_KEY, OFFLINE_BASE_URL, Provider
from email_image_app.imagegen.events import ImageUsage
from email_image_app.imagegen.pricing import cost_usd
from email_image_app.domain.store import ImageStore

logger = logging.getLogger(__name__)

PAGE_SIZE = 24
# The gallery counts its matches up to this many past the page shown ("More than 1,000 jobs"):
# counting every job a common word finds among a million would cost more than the page itself.
COUNT_AHEAD = 1000
OFFLINE_PROVIDER_LABEL = Provider.for_url(OFFLINE_BASE_URL, OFFLINE_API_KEY).label


def cache_key(kind: str, prompt: str, options: dict[str, Any], provider: str) -> str:
    """Same kind, prompt, options and provider: the same request, so the same key."""
    canonical = json.dumps(
        {"kind": kind, "prompt": prompt, "options": options, "provider": provider},
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def cache_key_of(info: JobInfo) -> str:
    return cache_key(info.kind, info.prompt, info.options, info.provider)


@dataclass(frozen=True)
class SavedImage:
    """What to record about one stored image."""

    kind: str  # "partial" | "final"
    index: int
    url: str
    preview_url: str | None
    thumb_url: str
    size_bytes: int
    width: int
    height: int
    elapsed_ms: int | None = None


@dataclass(frozen=True)
class GalleryQuery:
    kind: str = ""  # "" for every kind
    status: str = ""  # "" for every status
    search: str = ""  # words that must all appear in the prompt
    page: int = 1  # 1-based
    page_size: int = PAGE_SIZE
    owner_id: int | None = None  # one account's jobs only ("Mine"); None for everyone's ("Team")


@dataclass(frozen=True)
class GalleryPage:
    jobs: list[Job]
    total: int  # exact, unless `more`: then at least this many (pages up to it counted)
    page: int
    pages: int
    more: bool = False  # more jobs match than were counted


@dataclass(frozen=True)
class JobDetail:
    job: Job
    partials: list[JobImage] = field(default_factory=list)
    final: JobImage | None = None


# What a job knows only once it ends; cleared when a job id starts (again).
_NO_OUTCOME: dict[str, Any] = dict(
    finished_at=None,
    duration_ms=None,
    input_tokens=None,
    output_tokens=None,
    total_tokens=None,
    cost_usd=None,
    error=None,
    partial_count=0,
    cover_url=None,
)


def _gallery_filters(query: GalleryQuery, dialect: str, connection: Connection | None) -> list[Any]:
    conditions: list[Any] = []
    if query.kind:
        conditions.append(col(Job.kind) == query.kind)
    if query.status:
        conditions.append(col(Job.status) == query.status)
    if query.owner_id is not None:
        conditions.append(col(Job.owner_id) == query.owner_id)
    conditions.extend(prompt_conditions(query.search, dialect, connection))
    return conditions


def gallery_count(query: GalleryQuery, limit: int, dialect: str, connection: Connection | None = None) -> Any:
    """How many jobs match, counting no further than `limit`."""
    matching = select(col(Job.id)).where(*_gallery_filters(query, dialect, connection)).limit(limit)
    return select(func.count()).select_from(matching.subquery())


def gallery_page(query: GalleryQuery, page: int, dialect: str, connection: Connection | None = None) -> Any:
    return (
        select(Job)
        .where(*_gallery_filters(query, dialect, connection))
        .order_by(col(Job.created_at).desc(), col(Job.id).desc())
        .offset((page - 1) * query.page_size)
        .limit(query.page_size)
    )


def _lease_expired(now: datetime) -> Any:
    # No lease at all: a job recorded before leases, or by a process that gave none.
    return or_(col(Job.lease_expires_at).is_(None), col(Job.lease_expires_at) < now)


def _job_cost(job: Job, usage: ImageUsage | None) -> float | None:
    if usage is None:
        return None
    return 0.0 if job.provider == OFFLINE_PROVIDER_LABEL else cost_usd(job.model, usage)


class JobHistory:
    """The history kept in the database at `url` (a SQLAlchemy URL)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.dialect = make_url(url).get_backend_name()  # "sqlite", "postgresql": how to search

    def _session(self) -> Session:
        # Rows stay readable after commit: callers get plain objects, not live ORM state.
        return Session(database.engine(self.url), expire_on_commit=False)

    # ----- recording a job's life -----

    def start(self, job_id: str, info: JobInfo, width: int, height: int, *, lease: Lease | None = None) -> None:
        """Record a job as running, held by `lease` (None: no process vouches for it, so the next
        sweep calls it interrupted). A job id seen before (a retry of the same tile) starts over."""
        fields = dict(
            kind=info.kind,
            status="running",
            prompt=info.prompt,
            model=info.model,
            provider=info.provider,
            options=dict(info.options),
            target_width=width,
            target_height=height,
            parent_id=info.parent_id,
            owner_id=info.owner_id,
            cache_key=cache_key_of(info),
            lease_holder=lease.holder if lease else None,
            lease_expires_at=lease.expires_at if lease else None,
            **_NO_OUTCOME,
        )
        with self._session() as session:
            session.exec(delete(JobImage).where(col(JobImage.job_id) == job_id))
            job = session.get(Job, job_id)
            if job is None:
                job = Job(id=job_id, created_at=utc_now(), **fields)
            else:
                job.sqlmodel_update(fields)
            session.add(job)
            session.commit()

    def add_image(self, job_id: str, image: SavedImage) -> None:
        """Record a stored image (a partial, as it arrives); the job's card shows the latest one."""
        with self._session() as session:
            if session.get(Job, job_id) is None:
                return  # deleted meanwhile, or its start could not be recorded
            self._put_image(session, job_id, image)
            partials = session.exec(
                select(func.count()).where(col(JobImage.job_id) == job_id, col(JobImage.kind) == "partial")
            ).one()
            session.exec(
                update(Job)
                .where(col(Job.id) == job_id)
                .values(partial_count=partials, cover_url=image.preview_url or image.thumb_url)
            )
            session.commit()

    def complete(self, job_id: str, final: SavedImage, *, usage: ImageUsage | None, duration_ms: int) -> None:
        """Record the final image: the job is `completed`, with its usage, cost and duration."""
        with self._session() as session:
            job = session.get(Job, job_id)
            if job is None:
                return
            self._put_image(session, job_id, final)
            job.sqlmodel_update(
                dict(
                    status="completed",
                    finished_at=utc_now(),
                    duration_ms=duration_ms,
                    input_tokens=usage.input_tokens if usage else None,
                    output_tokens=usage.output_tokens if usage else None,
                    total_tokens=usage.total_tokens if usage else None,
                    cost_usd=_job_cost(job, usage),
                    cover_url=final.preview_url or final.thumb_url,
                )
            )
            session.add(job)
            session.commit()

    def finish(
        self, job_id: str, status: str, *, error: Message | None = None, duration_ms: int | None = None
    ) -> None:
        """End a running job as `failed`, `cancelled` or `interrupted`; a finished job is left as is."""
        with self._session() as session:
            session.exec(
                update(Job)
                .where(col(Job.id) == job_id, col(Job.status) == "running")
                .values(status=status, error=message_to_store(error), finished_at=utc_now(), duration_ms=duration_ms)
            )
            session.commit()

    # ----- leases (job_leases.py runs the sweep) -----

    def renew_leases(self, holder: str, job_ids: Sequence[str], expires_at: datetime) -> None:
        """Extend `holder`'s leases on those of `job_ids` still running (one statement for all)."""
        if not job_ids:
            return
        with self._session() as session:
            session.exec(
                update(Job)
                .where(col(Job.id).in_(list(job_ids)), col(Job.status) == "running", col(Job.lease_holder) == holder)
                .values(lease_expires_at=expires_at)
            )
            session.commit()

    def sweep_expired_leases(self, now: datetime | None = None) -> list[str]:
        """Running jobs whose lease is missing or expired belong to a process that died: they
        become `interrupted` (their images stay). Returns their ids. One statement, so a lease
        renewed meanwhile is seen and its job left running."""
        now = now or utc_now()
        with self._session() as session:
            swept = session.exec(
                update(Job)
                .where(col(Job.status) == "running", _lease_expired(now))
                .values(status="interrupted", error=message_to_store(message("job_interrupted")))
                .returning(col(Job.id))
            ).all()
            session.commit()
        return sorted(row[0] for row in swept)

    @staticmethod
    def _put_image(session: Session, job_id: str, image: SavedImage) -> None:
        fields = dataclasses.asdict(image)
        row = session.exec(
            select(JobImage).where(
                col(JobImage.job_id) == job_id, col(JobImage.kind) == image.kind, col(JobImage.index) == image.index
            )
        ).first()
        if row is None:
            row = JobImage(job_id=job_id, **fields)
        else:
            row.sqlmodel_update(fields)  # the same step sent again (a retried tile): keep one row
        session.add(row)

    # ----- reading -----

    def gallery(self, query: GalleryQuery) -> GalleryPage:
        """One page of jobs, newest first, with the filters of `query`; the count goes
        `COUNT_AHEAD` jobs past the page asked for, so every page stays reachable."""
        limit = max(1, query.page) * query.page_size + COUNT_AHEAD
        with self._session() as session:
            connection = session.connection()
            counted = session.exec(gallery_count(query, limit + 1, self.dialect, connection)).one()
            total, more = min(counted, limit), counted > limit
            pages = max(1, math.ceil(total / query.page_size))
            page = min(max(1, query.page), pages)
            jobs = session.exec(gallery_page(query, page, self.dialect, connection)).all()
        return GalleryPage(jobs=list(jobs), total=total, page=page, pages=pages, more=more)

    def detail(self, job_id: str) -> JobDetail | None:
        with self._session() as session:
            job = session.get(Job, job_id)
            if job is None:
                return None
            images = session.exec(
                select(JobImage).where(col(JobImage.job_id) == job_id).order_by(col(JobImage.index))
            ).all()
        partials = [image for image in images if image.kind == "partial"]
        final = next((image for image in images if image.kind == "final"), None)
        return JobDetail(job=job, partials=partials, final=final)

    def find_completed(self, key: str, *, kind: str = "generation", limit: int = 5) -> list[Job]:
        """Completed jobs made from exactly this request, newest first."""
        with self._session() as session:
            return list(
                session.exec(
                    select(Job)
                    .where(col(Job.cache_key) == key, col(Job.kind) == kind, col(Job.status) == "completed")
                    .order_by(col(Job.created_at).desc())
                    .limit(limit)
                ).all()
            )

    def delete(self, job_id: str, store: ImageStore) -> bool:
        """Forget a job and delete its files. False when there is no such job, or it is still
        running (its stream would write files and rows again)."""
        with self._session() as session:
            job = session.get(Job, job_id)
            if job is None or job.status == "running":
                return False
            session.exec(delete(JobImage).where(col(JobImage.job_id) == job_id))
            session.exec(delete(Job).where(col(Job.id) == job_id))
            session.commit()
        # Rows first: files left by a failure here are unreferenced, never a row without files.
        store.delete_job(job_id)
        return True


_default: JobHistory | None = None


def default_history() -> JobHistory:
    """The history in the configured database (rxconfig's `db_url`)."""
    global _default
    if _default is None:
        _default = JobHistory(database.database_url())
    return _default


def prepare_database() -> None:
    """At app start, before serving: create or migrate the database."""
    database.upgrade(database.database_url())

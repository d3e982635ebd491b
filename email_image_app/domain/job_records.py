"""A job as the database keeps it: what a job is (`JobInfo`, given when it starts), its row
(`Job`) and its images' rows (`JobImage`), and the messages a row keeps (why it failed) as JSON.
The history (history.py) writes and reads these; nothing here runs a query.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import JSON, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from email_image_app.domain.messages import Message, message

JOB_KINDS = ("generation", "edit", "campaign")
JOB_STATUSES = ("running", "completed", "failed", "cancelled", "interrupted")


@dataclass(frozen=True)
class JobInfo:
    """What a job is, for its history record: kind, prompt, request options and provider."""

    kind: str  # "generation" | "edit" | "campaign"
    prompt: str
    model: str
    provider: str
    options: dict[str, object]  # the request fields sent, plus "target_size"
    parent_id: str | None = None  # e.g. the campaign a tile belongs to
    owner_id: int | None = None  # the account that asked (None: made before accounts, or by the CLI alone)


@dataclass(frozen=True)
class Lease:
    """A process's claim on a running job: while it is live, no other process calls the job dead.
    The process renews it (`JobHistory.renew_leases`) well before `expires_at`; once it has passed,
    any process's sweep marks the job `interrupted` (`JobHistory.sweep_expired_leases`)."""

    holder: str  # settings.replica_id() of the process running the job
    expires_at: datetime  # UTC


def message_to_store(found: Message | None) -> str | None:
    return None if found is None else json.dumps(found.to_dict(), ensure_ascii=False)


def stored_message(text: str | None) -> Message | None:
    """The message kept in a row's `error`; a plain sentence (older rows) is shown verbatim."""
    if not text:
        return None
    try:
        return Message.from_dict(json.loads(text))
    except (ValueError, KeyError, TypeError, AttributeError):
        return message("verbatim", text=text)


def utc_now() -> datetime:
    # SQLModel stores aware datetimes only (as UTC) and gives them back aware.
    return datetime.now(timezone.utc)


class Job(SQLModel, table=True):
    """One request to a provider and what came of it."""

    __tablename__ = "jobs"
    # The gallery lists newest first (id breaks ties), optionally for a kind and/or a status: each
    # filter has an index already in that order, so a page is an index range scan, not a sort.
    __table_args__ = (
        Index("ix_jobs_created_at_id", "created_at", "id"),
        Index("ix_jobs_status_created_at_id", "status", "created_at", "id"),
        Index("ix_jobs_kind_created_at_id", "kind", "created_at", "id"),
        Index("ix_jobs_kind_status_created_at_id", "kind", "status", "created_at", "id"),
        Index("ix_jobs_owner_created_at_id", "owner_id", "created_at", "id"),  # "Mine"
    )

    id: str = Field(primary_key=True, max_length=64)  # the ImageStore folder of its files
    kind: str = Field(max_length=20)
    status: str = Field(max_length=20)
    prompt: str = Field(sa_type=Text)
    model: str = Field(max_length=64)
    provider: str = Field(max_length=200)
    options: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    target_width: int
    target_height: int
    created_at: datetime
    finished_at: datetime | None = None
    duration_ms: int | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    total_tokens: int | None = None
    cost_usd: float | None = None
    error: str | None = Field(default=None, sa_type=Text)
    parent_id: str | None = Field(default=None, max_length=64, index=True)
    # The account that asked for it (no foreign key: jobs outlive a deleted account's row).
    owner_id: int | None = None
    cache_key: str = Field(max_length=64, index=True)
    # Kept on the job so one row draws a gallery card: no join to `images` per card.
    partial_count: int = 0
    cover_url: str | None = Field(default=None, max_length=300)
    # Who runs it and until when (`Lease`); None on jobs made before leases: they count as expired.
    lease_holder: str | None = Field(default=None, max_length=200)
    lease_expires_at: datetime | None = None

    @property
    def size(self) -> str:
        return f"{self.target_width}x{self.target_height}"

    @property
    def error_message(self) -> Message | None:
        """Why the job failed or stopped, as a message of the catalogue (rows written before messages
        were kept as data hold an English sentence: shown as it is)."""
        return stored_message(self.error)


class JobImage(SQLModel, table=True):
    """A stored image of a job: a partial (`index` 0-based, in arrival order) or the final one."""

    __tablename__ = "images"
    __table_args__ = (UniqueConstraint("job_id", "kind", "index", name="uq_images_job_kind_index"),)

    id: int | None = Field(default=None, primary_key=True)
    job_id: str = Field(foreign_key="jobs.id", max_length=64)
    kind: str = Field(max_length=10)  # "partial" | "final"
    index: int = 0
    url: str = Field(max_length=300)  # the original bytes as received (final: at the target size)
    preview_url: str | None = Field(default=None, max_length=300)  # a lighter rendition to look at
    thumb_url: str = Field(max_length=300)
    size_bytes: int
    width: int
    height: int
    elapsed_ms: int | None = None  # since the request was sent

"""What a job's log holds, in order: `Accepted` (what was asked, by whom), `Queued` (how many are
ahead), `Started`, a `StepSaved` per
partial image, `FinalSaved`, for a campaign tile `EmailSaved` (and `RateLimitWait` while the
provider says 429), then exactly one `JobEnded`. Each event crosses Redis as a small JSON object."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any, Union

from email_image_app.domain.campaign.runner import EmailSaved, RateLimitWait
from email_image_app.domain.job_stream import FinalSaved, StepSaved
from email_image_app.domain.messages import Message
from email_image_app.imagegen.events import ImageStreamError, ImageUsage

# How a job ended (the history's statuses).
COMPLETED, FAILED, CANCELLED, INTERRUPTED = "completed", "failed", "cancelled", "interrupted"


@dataclass(frozen=True)
class Accepted:
    """The job was queued: what a page needs to show it again from its log alone (a tab whose
    state was lost — its replica crashed — finds its run by id), and who may see it."""

    kind: str
    prompt: str
    model: str
    quality: str
    partial_images: int
    owner_id: int | None
    submitted_at: float  # wall clock (time.time())


@dataclass(frozen=True)
class Snapshot:
    """What a page needs to show a group of jobs again (a campaign: its tiles, their requests and
    job ids), kept in a log of its own beside the jobs'. The last one counts."""

    owner_id: int | None
    data: dict[str, Any]


@dataclass(frozen=True)
class Queued:
    """Waiting for a provider stream: `ahead` jobs go first (0: next)."""

    ahead: int


@dataclass(frozen=True)
class Started:
    """A worker holds the job and opened the provider's stream."""

    worker: str


@dataclass(frozen=True)
class JobEnded:
    """The last event of every job. `error` says why a failed or interrupted job stopped (for
    people); `detail` is the failure as the provider or the code gave it (`failure_detail`), for
    scripts and the command line, which print the provider's own words."""

    status: str
    error: Message | None = None
    partials: int = 0
    detail: dict[str, Any] | None = None

    @property
    def completed(self) -> bool:
        return self.status == COMPLETED


def failure_detail(exc: BaseException) -> dict[str, Any]:
    """What failed, as data: the error's type, the provider's HTTP status and its own message
    (providers mask keys in their messages; ours never carry one)."""
    return {
        "type": type(exc).__name__,
        "provider": isinstance(exc, ImageStreamError),
        "status": getattr(exc, "status", None),
        "code": getattr(exc, "code", None),
        "message": str(getattr(exc, "message", "") or exc),
    }


JobEvent = Union[Accepted, Snapshot, Queued, Started, StepSaved, FinalSaved, EmailSaved, RateLimitWait, JobEnded]

_TYPES: dict[str, type] = {
    "accepted": Accepted,
    "snapshot": Snapshot,
    "queued": Queued,
    "started": Started,
    "step": StepSaved,
    "final": FinalSaved,
    "email": EmailSaved,
    "rate_limited": RateLimitWait,
    "ended": JobEnded,
}
_NAMES = {kind: name for name, kind in _TYPES.items()}


def encode(event: JobEvent) -> str:
    data: dict[str, Any] = {"type": _NAMES[type(event)]}
    for item in dataclasses.fields(event):
        value = getattr(event, item.name)
        if isinstance(value, Message):
            value = value.to_dict()
        elif dataclasses.is_dataclass(value):
            value = dataclasses.asdict(value)
        data[item.name] = value
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def decode(text: str | bytes) -> JobEvent:
    data = json.loads(text)
    kind = _TYPES[data.pop("type")]
    if kind is FinalSaved:
        data["usage"] = ImageUsage(**data["usage"]) if data.get("usage") else None
    elif kind is JobEnded and data.get("error"):
        data["error"] = Message.from_dict(data["error"])
    return kind(**data)

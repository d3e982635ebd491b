"""What a job is, as data that crosses a queue: everything a worker needs to run it, nothing that
needs the page that asked (no client, no key: the worker has its own)."""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from typing import Any

from email_image_app.domain.job_records import JobInfo
from email_image_app.domain.job_stream import JobTarget
from email_image_app.imagegen.options import ImageOptions

KINDS = ("generate", "edit", "campaign_tile")


@dataclass(frozen=True)
class EditInputs:
    """An edit's inputs, by reference: stored uploads (URLs) and the mask as the page had it."""

    image_urls: tuple[str, ...]
    mask_mode: str  # "none" | "paint" | "upload"
    mask_source: str  # a painted mask (data URL) or an uploaded mask's URL; "" for none
    width: int
    height: int


@dataclass(frozen=True)
class TileInputs:
    """A campaign tile: its campaign (the concurrency limit is per campaign, across processes) and
    the email-ready rendition made after the final image."""

    campaign_id: str
    concurrency: int
    email_format: str
    email_background: str
    email_max_bytes: int


@dataclass(frozen=True)
class JobSpec:
    job_id: str
    kind: str  # one of KINDS
    prompt: str  # as sent to the provider
    options: ImageOptions
    target: JobTarget
    info: JobInfo | None = None  # None: the job is not recorded in the history
    edit: EditInputs | None = None
    tile: TileInputs | None = None
    submitted_at: float = field(default_factory=time.time)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown job kind {self.kind!r}")
        if (self.kind == "edit") != (self.edit is not None):
            raise ValueError("an edit job carries its inputs, and only an edit job does")
        if (self.kind == "campaign_tile") != (self.tile is not None):
            raise ValueError("a campaign tile carries its campaign, and only a tile does")

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["options"]["notices"] = list(self.options.notices)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> JobSpec:
        options = dict(data["options"])
        options["notices"] = tuple(options.get("notices") or ())
        edit = data.get("edit")
        return cls(
            job_id=data["job_id"],
            kind=data["kind"],
            prompt=data["prompt"],
            options=ImageOptions(**options),
            target=JobTarget(**data["target"]),
            info=JobInfo(**data["info"]) if data.get("info") else None,
            edit=EditInputs(**{**edit, "image_urls": tuple(edit["image_urls"])}) if edit else None,
            tile=TileInputs(**data["tile"]) if data.get("tile") else None,
            submitted_at=data.get("submitted_at") or time.time(),
        )

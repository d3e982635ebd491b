"""The typed things the campaign page's states hold: the form's rows, each tile's view (sent to the
browser) and each tile's request (kept on the server for the run, retries and the export)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from email_image_app.domain.campaign.plan import Product, Slot
from email_image_app.domain.job_stream import JobTarget
from email_image_app.imagegen.options import ImageOptions

# A tile's status: waiting | running | rate_limited | compressing | completed | failed | cancelled
ENDED_STATUSES = ("completed", "failed", "cancelled")
RETRYABLE_STATUSES = ("failed", "cancelled")


@dataclass
class ProductRow:
    row: int  # stable number of the row: its slot keeps its (edited) prompt while rows move
    id: str
    name: str
    description: str


@dataclass
class SlotRow:
    key: str
    kind: str
    title: str  # the product's name; "" for hero, logo and banner
    size_label: str
    prompt: str
    edited: bool


@dataclass(frozen=True)
class TileRequest:
    """What one tile asks the provider for, fixed when the run starts (a retry may swap the prompt)."""

    kind: str
    prompt: str  # the slot's prompt, as the marketer sees it (the alt text of the email)
    prompt_sent: str  # with the brand notes and the words the options add
    options: ImageOptions
    target: JobTarget
    product: Product | None = None

    def with_prompt(self, prompt: str, prompt_sent: str) -> TileRequest:
        return dataclasses.replace(self, prompt=prompt, prompt_sent=prompt_sent)


@dataclass
class TileView:
    """What a tile shows; sent whole at each update of any tile, so only what the page needs (the
    prompt, job id and file names stay server-side)."""

    key: str
    kind: str
    title: str
    size_label: str
    status: str = "waiting"
    progress: int = 0
    partials: int = 0
    total_partials: int = 0
    thumb_url: str = ""
    final_url: str = ""
    email_url: str = ""
    original_format: str = ""
    original_bytes: int = 0
    email_format: str = ""
    email_bytes: int = 0
    budget_bytes: int = 0
    wait_s: int = 0
    queue_ahead: int = 0  # while waiting: how many jobs stream before it ("queued (N ahead)")
    message: dict[str, Any] = dataclasses.field(default_factory=dict)  # why it failed: a message


def size_label(width: int, height: int) -> str:
    return f"{width}×{height}"


def format_label(output_format: str) -> str:
    return "JPEG" if output_format == "jpeg" else output_format.upper()


def slot_rows(slots: list[Slot], edited_prompts: dict[str, str]) -> list[SlotRow]:
    """The slot editors: each slot's default prompt, unless the marketer edited it."""
    return [
        SlotRow(
            key=slot.key,
            kind=slot.kind,
            title=slot.product.name if slot.product else "",
            size_label=size_label(slot.width, slot.height),
            prompt=edited_prompts.get(slot.key, slot.default_prompt),
            edited=slot.key in edited_prompts,
        )
        for slot in slots
    ]


def plain(value: Any) -> Any:
    """The object a Reflex state hands back wrapped in a change-tracking proxy, unwrapped: a request
    read under the state's lock is used after it (by the stream, the export)."""
    return getattr(value, "__wrapped__", value)


def request_to_data(request: TileRequest) -> dict[str, Any]:
    """A tile's request as plain data (JSON-able), for the campaign's snapshot."""
    data = dataclasses.asdict(plain(request))
    data["options"]["notices"] = list(request.options.notices)
    return data


def request_from_data(data: dict[str, Any]) -> TileRequest:
    options = {**data["options"], "notices": tuple(data["options"].get("notices") or ())}
    return TileRequest(
        kind=data["kind"],
        prompt=data["prompt"],
        prompt_sent=data["prompt_sent"],
        options=ImageOptions(**options),
        target=JobTarget(**data["target"]),
        product=Product(**data["product"]) if data.get("product") else None,
    )


def campaign_snapshot(
    tiles: list[TileView], requests: dict[str, TileRequest], tile_jobs: dict[str, str], run_meta: dict[str, Any],
    started_at: float,
) -> dict[str, Any]:
    """What a tab that lost its state needs to show the campaign again from its tiles' logs (plain
    data, kept by the job tier): the tiles as they start, their requests and job ids, the settings."""
    blank = [
        TileView(tile.key, tile.kind, tile.title, tile.size_label, total_partials=tile.total_partials,
                 budget_bytes=tile.budget_bytes, original_format=tile.original_format)
        for tile in tiles
    ]
    return {
        "tiles": [dataclasses.asdict(tile) for tile in blank],
        "requests": {key: request_to_data(request) for key, request in requests.items()},
        "tile_jobs": dict(tile_jobs),
        "run_meta": dict(run_meta),
        "started_at": started_at,
    }


@dataclass(frozen=True)
class RestoredCampaign:
    tiles: list[TileView]
    requests: dict[str, TileRequest]
    tile_jobs: dict[str, str]
    run_meta: dict[str, Any]
    started_at: float

    @classmethod
    def of(cls, data: dict[str, Any]) -> RestoredCampaign:
        return cls(
            tiles=[TileView(**tile) for tile in data["tiles"]],
            requests={key: request_from_data(request) for key, request in data["requests"].items()},
            tile_jobs=dict(data["tile_jobs"]),
            run_meta=dict(data["run_meta"]),
            started_at=float(data["started_at"]),
        )

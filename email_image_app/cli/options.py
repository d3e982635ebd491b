"""The options the image commands share, and their checks: a wrong value is a `BadInput` naming the
option and what it accepts, before anything is sent to a provider."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from email_image_app.cli.errors import BadInput
from email_image_app.domain.image_request import BACKGROUND_CHOICES, RequestChoices
from email_image_app.imagegen.options import (
    DEFAULT_MODEL,  # re-exported: the commands take their defaults from here
    MAX_PARTIAL_IMAGES,
    MODELS,
    OUTPUT_FORMATS,
    QUALITIES,
    OptionsError,
    parse_size,
)

FORMAT_ALIASES = {"jpg": "jpeg"}
EXTENSION_FORMATS = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".webp": "webp"}

Model = Annotated[str, typer.Option("--model", "-m", help=f"Image model: {', '.join(MODELS)}.")]
Quality = Annotated[str, typer.Option("--quality", "-q", help=f"Quality: {', '.join(QUALITIES)}.")]
Background = Annotated[
    str,
    typer.Option(
        "--background",
        help=f"Background: {', '.join(BACKGROUND_CHOICES)} (white: opaque, asked in words, flattened on white).",
    ),
]
Format = Annotated[
    str | None,
    typer.Option("--format", "-f", help="png, jpeg or webp. Default: from the output's extension, else png."),
]
Compression = Annotated[int, typer.Option("--compression", help="JPEG/WebP quality, 0-100.", min=0, max=100)]
Partials = Annotated[
    int,
    typer.Option("--partials", "-p", help=f"Partial images streamed before the final one (0-{MAX_PARTIAL_IMAGES})."),
]
Json = Annotated[
    bool, typer.Option("--json", help="Print one JSON event per line on stdout instead of progress bars.")
]

DEFAULT_QUALITY = "medium"
DEFAULT_PARTIALS = 2


def choose(value: str, choices: tuple[str, ...] | list[str], option: str) -> str:
    if value not in choices:
        raise BadInput(f"{option} {value!r} is not one of: {', '.join(choices)}.")
    return value


def request_choices(
    *, model: str, quality: str, background: str, output_format: str, compression: int, partials: int
) -> RequestChoices:
    """The shared options as the request builder takes them; BadInput names the first wrong one."""
    if not 0 <= partials <= MAX_PARTIAL_IMAGES:
        raise BadInput(f"--partials must be between 0 and {MAX_PARTIAL_IMAGES}, not {partials}.")
    return RequestChoices(
        model=model,
        quality=choose(quality, QUALITIES, "--quality"),
        background=choose(background, BACKGROUND_CHOICES, "--background"),
        output_format=output_format,
        compression=compression,
        partial_images=partials,
    )


def size_argument(text: str) -> tuple[int, int]:
    """'1200x600' → (1200, 600); BadInput naming the size otherwise."""
    try:
        return parse_size(text.strip())
    except OptionsError as exc:
        raise BadInput(f"--size: {exc.message}") from None


def output_format(requested: str | None, output: Path | None) -> str:
    """--format, else the output file's extension, else png; a contradiction is refused."""
    from_extension = EXTENSION_FORMATS.get(output.suffix.lower()) if output is not None else None
    if output is not None and output.suffix and from_extension is None:
        raise BadInput(f"{output}: unknown image extension {output.suffix!r}; use .png, .jpg or .webp.")
    if requested is None:
        return from_extension or "png"
    chosen = choose(FORMAT_ALIASES.get(requested.lower(), requested.lower()), OUTPUT_FORMATS, "--format")
    if from_extension is not None and from_extension != chosen:
        raise BadInput(f"{output} ends in {output.suffix} but --format is {chosen}.")
    return chosen


def checked_options_error(exc: OptionsError) -> BadInput:
    """An option the model cannot take (a transparent JPEG, a size gpt-image-2 cannot make...)."""
    flag = {"output_format": "--format", "partial_images": "--partials", "size": "--size"}.get(exc.field, f"--{exc.field}")
    return BadInput(f"{flag}: {exc.message}")


"""`email-image generate "PROMPT" --size 1200x600 -o hero.png`: one new image at exactly that size."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from email_image_app.cli import options as opt
from email_image_app.cli.errors import BadInput
from email_image_app.cli.progress import reporting
from email_image_app.cli.jobs import open_job_tier
from email_image_app.cli.provider import records_locally
from email_image_app.cli.running import OneImage, check_output, prepare_data, run_one_image
from email_image_app.domain.file_names import filename_stem
from email_image_app.domain.jobs.spec import JobSpec
from email_image_app.domain.prompt_limit import prompt_length_refusal
from email_image_app.imagegen.options import OptionsError
from email_image_app.imagegen.sizing import plan_size
from email_image_app.domain.store import new_job_id


def generate(
    prompt: Annotated[str, typer.Argument(help="What the image shows.", show_default=False)],
    size: Annotated[
        str, typer.Option("--size", "-s", help="Exact size delivered, WIDTHxHEIGHT (header 1200x600, product 600x600...).")
    ] = "1200x600",
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="File to write. Default: named after the prompt and size, here."),
    ] = None,
    keep_partials: Annotated[
        bool, typer.Option("--keep-partials", help="Also write each partial image beside the output (NAME.step-N.EXT).")
    ] = False,
    model: opt.Model = opt.DEFAULT_MODEL,
    quality: opt.Quality = opt.DEFAULT_QUALITY,
    background: opt.Background = "auto",
    output_format: opt.Format = None,
    compression: opt.Compression = 85,
    partials: opt.Partials = opt.DEFAULT_PARTIALS,
    json_mode: opt.Json = False,
) -> None:
    """Generate one image, streaming its partial images, and write it at exactly --size.

    Sizes the model cannot draw are asked at the nearest size it can, then cropped and resized.
    The job is recorded in the app's history (/history).
    """
    with reporting(json_mode) as reporter:
        if not prompt.strip():
            raise BadInput("the prompt is empty: describe the image you want.")
        width, height = opt.size_argument(size)
        fmt = opt.output_format(output_format, output)
        choices = opt.request_choices(
            model=model, quality=quality, background=background, output_format=fmt, compression=compression,
            partials=partials,
        )
        try:
            plan = plan_size(choices.model, width, height)
            request_options, target = choices.for_plan(plan)
            request_options.validate()
        except OptionsError as exc:
            raise opt.checked_options_error(exc) from None
        prompt_sent = choices.prompt_for_new_image(prompt.strip(), request_options, target)
        refusal = prompt_length_refusal(prompt.strip(), prompt_sent)
        if refusal is not None:
            raise BadInput(refusal.render("en"))
        target = target.with_stem(filename_stem(prompt))
        extension = "jpg" if fmt == "jpeg" else fmt
        path = check_output(output or Path(f"{target.name_stem}-{width}x{height}.{extension}"))
        prepare_data()

        async def run() -> None:
            async with open_job_tier() as tier:
                info = choices.job_info(
                    prompt_sent, request_options, target, kind="generation", provider=tier.provider.label
                )
                image = OneImage(new_job_id(), prompt_sent, request_options, target, info, path, keep_partials)
                recorded = info if records_locally() else None  # with --server, the server records it
                spec = JobSpec(image.job_id, "generate", prompt_sent, request_options, target, info=recorded)
                await run_one_image(tier, spec, image, reporter, command="generate")

        asyncio.run(run())

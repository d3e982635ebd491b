"""`email-image edit IMAGE "PROMPT" [--mask MASK.png] [--ref REF.png ...] -o out.png`."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from email_image_app.domain import upload_checks
from email_image_app.cli import options as opt
from email_image_app.cli.errors import BadInput
from email_image_app.cli.progress import reporting
from email_image_app.cli.jobs import open_job_tier
from email_image_app.cli.provider import records_locally
from email_image_app.domain.formatting import file_extension
from email_image_app.cli.running import OneImage, check_output, prepare_data, run_one_image
from email_image_app.domain.edit_uploads import MAX_REFERENCE_IMAGES, store_edit_inputs
from email_image_app.domain.file_names import filename_stem
from email_image_app.domain.jobs.spec import JobSpec
from email_image_app.domain.prompt_limit import prompt_length_refusal
from email_image_app.imagegen.options import MODELS, OptionsError
from email_image_app.imagegen.sizing import plan_edit_size, plan_size
from email_image_app.domain.upload_checks import UploadError
from email_image_app.domain.store import new_job_id

AUTO_SIZE = "auto"


def read_file(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise BadInput(f"{path}: no such file ({what}).") from None
    except IsADirectoryError:
        raise BadInput(f"{path} is a folder, not an image ({what}).") from None
    except OSError as exc:
        raise BadInput(f"{path}: cannot read it ({exc.strerror}).") from None


def _upload_error(path: Path, exc: UploadError) -> BadInput:
    # The message names the file by the name it was given (the path, as typed).
    return BadInput(exc.message if str(path) in exc.message else f"{path}: {exc.message}")


def edit(
    image: Annotated[Path, typer.Argument(help="The PNG, JPEG or WebP to edit.", show_default=False)],
    prompt: Annotated[str, typer.Argument(help="What to change.", show_default=False)],
    mask: Annotated[
        Path | None,
        typer.Option("--mask", help="PNG the size of IMAGE; its transparent pixels mark the area to change."),
    ] = None,
    refs: Annotated[
        list[Path] | None,
        typer.Option("--ref", help=f"A reference image (repeat, up to {MAX_REFERENCE_IMAGES}).", show_default=False),
    ] = None,
    size: Annotated[
        str, typer.Option("--size", "-s", help="WIDTHxHEIGHT, or auto: IMAGE's own size when the model can make it.")
    ] = AUTO_SIZE,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write. Default: named after the prompt, here.")
    ] = None,
    keep_partials: Annotated[
        bool, typer.Option("--keep-partials", help="Also write each partial image beside the output (NAME.step-N.EXT).")
    ] = False,
    fidelity: Annotated[
        str | None, typer.Option("--fidelity", help="Input fidelity, low or high (models that take it).")
    ] = None,
    model: opt.Model = opt.DEFAULT_MODEL,
    quality: opt.Quality = opt.DEFAULT_QUALITY,
    background: opt.Background = "auto",
    output_format: opt.Format = None,
    compression: opt.Compression = 85,
    partials: opt.Partials = opt.DEFAULT_PARTIALS,
    json_mode: opt.Json = False,
) -> None:
    """Edit an image with a prompt; with --mask only the mask's transparent area changes.

    The job is recorded in the app's history (/history).
    """
    with reporting(json_mode) as reporter:
        if not prompt.strip():
            raise BadInput("the prompt is empty: say what to change.")
        refs = refs or []
        if len(refs) > MAX_REFERENCE_IMAGES:
            raise BadInput(f"--ref: at most {MAX_REFERENCE_IMAGES} reference images, not {len(refs)}.")
        try:
            source = upload_checks.validate_upload(read_file(image, "the image to edit"), str(image))
            references = [upload_checks.validate_upload(read_file(ref, "a reference image"), str(ref)) for ref in refs]
            mask_image = (
                upload_checks.validate_mask(read_file(mask, "the mask"), str(mask), source.width, source.height)
                if mask is not None
                else None
            )
        except UploadError as exc:
            raise _upload_error(Path(exc.filename or image), exc) from None
        fmt = opt.output_format(output_format, output)
        choices = opt.request_choices(
            model=model, quality=quality, background=background, output_format=fmt, compression=compression,
            partials=partials,
        )
        try:
            if size == AUTO_SIZE:
                plan = plan_edit_size(choices.model, source.width, source.height)
            else:
                plan = plan_size(choices.model, *opt.size_argument(size))
            request_options, target = choices.for_plan(plan)
            if fidelity is not None:
                opt.choose(fidelity, ("low", "high"), "--fidelity")
                if MODELS[request_options.model].supports_input_fidelity:
                    request_options = request_options.replace(input_fidelity=fidelity)
            request_options.validate(edit=True)
        except OptionsError as exc:
            raise opt.checked_options_error(exc) from None
        prompt_sent = choices.prompt_for_edit(prompt.strip())
        refusal = prompt_length_refusal(prompt.strip(), prompt_sent)
        if refusal is not None:
            raise BadInput(refusal.render("en"))
        target = target.with_stem(filename_stem(prompt))
        extension = file_extension(fmt)
        path = check_output(output or Path(f"{target.name_stem}-{target.width}x{target.height}.{extension}"))
        images = [source, *references]
        mask_data = mask_image.data if mask_image is not None else None
        prepare_data()

        async def run() -> None:
            async with open_job_tier() as tier:
                info = choices.job_info(
                    prompt_sent, request_options, target, kind="edit", provider=tier.provider.label,
                    input_images=len(images), mask="upload" if mask_data else "none",
                )
                job = OneImage(new_job_id(), prompt_sent, request_options, target, info, path, keep_partials)
                inputs = await asyncio.to_thread(
                    store_edit_inputs, [(image.data, image.format) for image in images], mask_data,
                    source.width, source.height,
                )
                recorded = info if records_locally() else None  # with --server, the server records it
                spec = JobSpec(job.job_id, "edit", prompt_sent, request_options, target, info=recorded, edit=inputs)
                await run_one_image(tier, spec, job, reporter, command="edit")

        asyncio.run(run())


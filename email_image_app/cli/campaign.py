"""`email-image campaign products.csv --subject "..." -o campaign.zip`: the /campaign page's run and
ZIP from a product CSV, for scheduled jobs.

The same pieces as the page: `campaign_plan` (CSV, slots, prompts, budgets), `campaign_runner`
(the bounded fan-out and each tile's stream, email-ready copy included) and `campaign_export`
(email.html, manifest.json, the ZIP). Each image is a `campaign` job in the history.

When not every image finished (a failure, or Ctrl-C), the images that did are written to
`<output stem>.partial.zip` (manifest.json lists the others under `not_included`), so a file at the
asked `-o` path is always a complete campaign.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from PIL import ImageColor

from email_image_app.domain.campaign.plan import (
    PRODUCT_SIZES,
    Product,
    ProductCsvError,
    decode_products_csv,
    parse_products_csv,
    plan_slots,
)
from email_image_app.domain.campaign.runner import (
    DEFAULT_CONCURRENCY,
    MAX_CONCURRENCY,
    MIN_CONCURRENCY,
)
from email_image_app.cli import options as opt
from email_image_app.cli.campaign_run import CampaignRun, plan_tiles
from email_image_app.cli.edit import read_file
from email_image_app.cli.errors import BadInput
from email_image_app.cli.progress import Reporter, reporting
from email_image_app.cli.running import (
    check_output,
    prepare_data,
)
from email_image_app.domain.file_names import filename_stem
from email_image_app.domain.messages import message

EMAIL_FORMATS = ("jpeg", "webp")


def read_products(path: Path, reporter: Reporter) -> list[Product]:
    """The products of a CSV file, UTF-8 (with or without a BOM) or Windows-1252; the person is told
    when the file was read as Windows-1252 and that changed how its letters read."""
    decoded = decode_products_csv(read_file(path, "the products CSV"))
    if decoded.encoding_matters:
        note = message("csv_read_as_cp1252").render("en")
        reporter.emit("notice", message=note, file=str(path), encoding=decoded.encoding)
        reporter.say(f"{path}: {note}")
    try:
        products = parse_products_csv(decoded.text)
    except ProductCsvError as exc:
        raise BadInput(f"{path}: {exc.as_message().render('en')}") from None
    if not products:
        raise BadInput(f"{path}: no products (expected lines of id,name,description).")
    return products


def product_size_argument(value: str) -> str:
    size = value if "x" in value else f"{value}x{value}"
    if size not in PRODUCT_SIZES:
        raise BadInput(f"--product-size {value!r} is not one of: 400, 600.")
    return size


def colour_argument(value: str) -> str:
    try:
        red, green, blue = ImageColor.getrgb(value)[:3]
    except ValueError:
        raise BadInput(f"--email-background {value!r} is not a colour (e.g. #ffffff or white).") from None
    return f"#{red:02x}{green:02x}{blue:02x}"


def campaign(
    products_csv: Annotated[
        Path, typer.Argument(help="CSV of products: id,name,description (header optional).", show_default=False)
    ],
    subject: Annotated[str, typer.Option("--subject", help="The campaign's subject (the email's headline).")],
    brand: Annotated[str, typer.Option("--brand", help="Brand/style notes added to every prompt.")] = "",
    product_size: Annotated[str, typer.Option("--product-size", help="Product images: 400 or 600 (square).")] = "400",
    logo: Annotated[bool, typer.Option("--logo", help="Add a 512×512 logo.")] = False,
    banner: Annotated[bool, typer.Option("--banner", help="Add a 1200×300 banner.")] = False,
    concurrency: Annotated[
        int, typer.Option("--concurrency", "-c", help=f"Images at once ({MIN_CONCURRENCY}-{MAX_CONCURRENCY}).")
    ] = DEFAULT_CONCURRENCY,
    email_format: Annotated[str, typer.Option("--email-format", help="Email-ready copies: jpeg or webp.")] = "jpeg",
    email_background: Annotated[
        str, typer.Option("--email-background", help="Colour transparency is flattened onto.")
    ] = "#ffffff",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="ZIP to write. Default: campaign-<subject>.zip, here.")
    ] = None,
    model: opt.Model = opt.DEFAULT_MODEL,
    quality: opt.Quality = opt.DEFAULT_QUALITY,
    background: opt.Background = "auto",
    output_format: opt.Format = None,
    compression: opt.Compression = 85,
    partials: opt.Partials = opt.DEFAULT_PARTIALS,
    json_mode: opt.Json = False,
) -> None:
    """Generate a campaign's images from a product CSV and write the /campaign page's ZIP.

    Images: a hero, one per product, optionally a logo and a banner. The ZIP holds originals/,
    email/ (compressed under each image's budget), email.html and manifest.json.

    One progress line per image; Ctrl-C closes the streams and keeps the finished images in
    <output>.partial.zip. Every image is recorded in the app's history (/history).
    """
    with reporting(json_mode) as reporter:
        products = read_products(products_csv, reporter)
        if not subject.strip():
            raise BadInput("--subject is empty: give the campaign's subject.")
        if not MIN_CONCURRENCY <= concurrency <= MAX_CONCURRENCY:
            raise BadInput(f"--concurrency must be between {MIN_CONCURRENCY} and {MAX_CONCURRENCY}, not {concurrency}.")
        sizes = product_size_argument(product_size)
        rendition_format = opt.choose(opt.FORMAT_ALIASES.get(email_format, email_format), EMAIL_FORMATS, "--email-format")
        colour = colour_argument(email_background)
        choices = opt.request_choices(
            model=model, quality=quality, background=background, output_format=opt.output_format(output_format, None),
            compression=compression, partials=partials,
        )
        slots = plan_slots(subject, products, product_size=sizes, include_logo=logo, include_banner=banner)
        tiles = plan_tiles(slots, choices, brand)
        meta = {
            "subject": subject.strip(),
            "brand_notes": brand.strip(),
            "product_size": sizes,
            "email_format": rendition_format,
            "email_background": colour,
            "concurrency": concurrency,
            "quality": choices.quality,
            "background": choices.background,
            "output_format": choices.output_format,
            "partial_images": choices.partial_images,
        }
        zip_path = check_output(output or Path(f"campaign-{filename_stem(subject)}.zip"))
        prepare_data()
        run = CampaignRun(tiles, choices, meta, reporter, zip_path)
        asyncio.run(run.run())


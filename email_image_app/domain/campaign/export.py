"""A finished campaign as files: a table-based HTML email (from `templates/campaign_email.html`),
`manifest.json`, and the ZIP that holds them with the original and email-ready images.

Built from stored files on the server (no image goes through the browser). No Reflex here.
"""

from __future__ import annotations

import html
import io
import json
import string
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Protocol

from email_image_app.domain import imaging
from email_image_app.domain.campaign.plan import Product, alt_text
from email_image_app.domain.file_names import filename_stem
from email_image_app.imagegen.events import ImageUsage
from email_image_app.imagegen.options import detect_format
from email_image_app.imagegen.pricing import PRICES_AS_OF, cost_usd

TEMPLATE_PATH = Path(__file__).resolve().parent / "templates" / "campaign_email.html"
ORIGINALS_DIR = "originals"
EMAIL_DIR = "email"
EMAIL_WIDTH = 600
# Display widths inside the 600px email; the files are larger, so they stay sharp on retina screens.
LOGO_DISPLAY_WIDTH = 120
PRODUCT_COLUMNS = 2
PRODUCT_ROW_PADDING = 16
PRODUCT_CELL_PADDING = 8
PRODUCT_DISPLAY_WIDTH = (EMAIL_WIDTH - 2 * PRODUCT_ROW_PADDING) // PRODUCT_COLUMNS - 2 * PRODUCT_CELL_PADDING


class ImageFile(Protocol):
    """A stored image as the export reads it: `store.StoredRef` (a file in the image store, on disk or
    in a bucket) or a `Path` (tests, files made by hand)."""

    @property
    def name(self) -> str: ...

    def read_bytes(self) -> bytes: ...


@dataclass(frozen=True)
class ExportImage:
    """One finished tile: its prompt, its two stored files and its usage."""

    slot_key: str
    kind: str  # "hero" | "product" | "logo" | "banner"
    prompt: str
    prompt_sent: str
    original: ImageFile
    email: ImageFile
    budget_bytes: int
    job_id: str
    usage: ImageUsage | None = None
    product: Product | None = None

    @property
    def original_entry(self) -> str:
        return f"{ORIGINALS_DIR}/{self.original.name}"

    @property
    def email_entry(self) -> str:
        return f"{EMAIL_DIR}/{self.email.name}"


@dataclass(frozen=True)
class CampaignExport:
    campaign_id: str
    subject: str
    brand_notes: str
    provider: str
    offline: bool
    model: str
    options: dict[str, object]
    email_background: str
    images: tuple[ExportImage, ...]
    not_included: tuple[dict[str, str], ...] = ()  # slots without a finished image, and why
    created_at: str = ""
    lang: str = "en"

    def images_of(self, kind: str) -> list[ExportImage]:
        return [image for image in self.images if image.kind == kind]

    @property
    def total_tokens(self) -> int:
        return sum(image.usage.total_tokens for image in self.images if image.usage is not None)

    @property
    def estimated_cost_usd(self) -> float:
        return sum(cost_usd(self.model, image.usage, offline=self.offline) for image in self.images)


ImageSource = Callable[[ExportImage], str]


def image_alt(campaign: CampaignExport, image: ExportImage) -> str:
    """The image's alt text in the email: for readers with images off, not the prompt."""
    return alt_text(image.kind, campaign.subject, image.product.name if image.product else "")


def zip_source(image: ExportImage) -> str:
    """How email.html inside the ZIP points at an image: by its path relative to the HTML file."""
    return image.email_entry


# ---------------------------------------------------------------------------------------------
# The HTML email


def render_email_html(campaign: CampaignExport, source: ImageSource = zip_source) -> str:
    """The email as table-based HTML with inline styles, 600px wide; `source` gives each image's src.
    Text people typed (subject, product names and descriptions, alt text) is escaped and marked
    `dir="auto"`: an Arabic or Hebrew name reads right to left inside the left-to-right email."""
    template = string.Template(TEMPLATE_PATH.read_text(encoding="utf-8"))
    logos, heroes, banners = campaign.images_of("logo"), campaign.images_of("hero"), campaign.images_of("banner")
    return template.substitute(
        lang=_escape(campaign.lang),
        subject=_escape(campaign.subject),
        background=_escape(campaign.email_background),
        logo_row="".join(_logo_row(image, source, image_alt(campaign, image)) for image in logos),
        hero_row="".join(_full_width_row(image, source, image_alt(campaign, image)) for image in heroes),
        product_rows=_product_rows(campaign, source),
        banner_row="".join(
            _full_width_row(image, source, image_alt(campaign, image), top_padding=8) for image in banners
        ),
    )


def _escape(text: str) -> str:
    return html.escape(text, quote=True)


def _img(image: ExportImage, source: ImageSource, alt: str, width: int, extra_style: str = "") -> str:
    return (
        f'<img src="{_escape(source(image))}" alt="{_escape(alt)}" dir="auto" width="{width}" '
        f'style="display:block;width:100%;max-width:{width}px;height:auto;border:0;{extra_style}">'
    )


def _logo_row(image: ExportImage, source: ImageSource, alt: str) -> str:
    return (
        '<tr>\n<td align="center" style="padding:24px 24px 16px 24px;">'
        f"{_img(image, source, alt, LOGO_DISPLAY_WIDTH)}</td>\n</tr>\n"
    )


def _full_width_row(image: ExportImage, source: ImageSource, alt: str, *, top_padding: int = 0) -> str:
    return f'<tr>\n<td style="padding:{top_padding}px 0 0 0;">{_img(image, source, alt, EMAIL_WIDTH)}</td>\n</tr>\n'


def _product_cell(image: ExportImage, source: ImageSource, alt: str) -> str:
    product = image.product or Product(id="", name="")
    description = (
        f'<p dir="auto" style="margin:0;font-size:14px;line-height:20px;color:#57606a;">{_escape(product.description)}</p>'
        if product.description
        else ""
    )
    return (
        f'<td width="{100 // PRODUCT_COLUMNS}%" valign="top" style="padding:{PRODUCT_CELL_PADDING}px;">'
        f"{_img(image, source, alt, PRODUCT_DISPLAY_WIDTH, 'border-radius:4px;')}"
        f'<p dir="auto" style="margin:12px 0 4px 0;font-size:16px;line-height:22px;font-weight:bold;color:#1f2328;">'
        f"{_escape(product.name)}</p>{description}</td>"
    )


def _product_rows(campaign: CampaignExport, source: ImageSource) -> str:
    products = campaign.images_of("product")
    if not products:
        return ""
    rows = []
    for start in range(0, len(products), PRODUCT_COLUMNS):
        cells = [
            _product_cell(image, source, image_alt(campaign, image))
            for image in products[start : start + PRODUCT_COLUMNS]
        ]
        # An odd last card keeps its column width: an empty cell fills the row.
        cells += [f'<td width="{100 // PRODUCT_COLUMNS}%">&nbsp;</td>'] * (PRODUCT_COLUMNS - len(cells))
        rows.append("<tr>\n" + "\n".join(cells) + "\n</tr>")
    return (
        f'<tr>\n<td style="padding:8px {PRODUCT_ROW_PADDING}px;">\n'
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0">\n'
        + "\n".join(rows)
        + "\n</table>\n</td>\n</tr>\n"
    )


# ---------------------------------------------------------------------------------------------
# The manifest


def _file_record(file: ImageFile, entry: str) -> dict[str, object]:
    data = file.read_bytes()
    width, height = imaging.image_size(data)
    return {"file": entry, "bytes": len(data), "width": width, "height": height, "format": detect_format(data)}


def _image_record(campaign: CampaignExport, image: ExportImage) -> dict[str, object]:
    email = _file_record(image.email, image.email_entry)
    email["budget_bytes"] = image.budget_bytes
    return {
        "slot": image.slot_key,
        "kind": image.kind,
        "prompt": image.prompt,
        "prompt_sent": image.prompt_sent,
        "alt": image_alt(campaign, image),
        "product": (
            {"id": image.product.id, "name": image.product.name, "description": image.product.description}
            if image.product
            else None
        ),
        "job_id": image.job_id,
        "original": _file_record(image.original, image.original_entry),
        "email": email,
        "usage": image.usage.to_dict() if image.usage else None,
        "estimated_cost_usd": round(cost_usd(campaign.model, image.usage, offline=campaign.offline), 6),
    }


def build_manifest(campaign: CampaignExport) -> dict[str, object]:
    return {
        "campaign_id": campaign.campaign_id,
        "created_at": campaign.created_at,
        "subject": campaign.subject,
        "brand_notes": campaign.brand_notes,
        "provider": campaign.provider,
        "options": {"model": campaign.model, **campaign.options, "email_background": campaign.email_background},
        "images": [_image_record(campaign, image) for image in campaign.images],
        "not_included": list(campaign.not_included),
        "totals": {
            "images": len(campaign.images),
            "total_tokens": campaign.total_tokens,
            "estimated_cost_usd": round(campaign.estimated_cost_usd, 6),
            "cost_note": (
                "offline engine: no cost"
                if campaign.offline
                else f"estimate at {campaign.model} list prices as of {PRICES_AS_OF}"
            ),
        },
        "email_html": "email.html",
    }


# ---------------------------------------------------------------------------------------------
# The ZIP


def zip_filename(campaign: CampaignExport) -> str:
    return f"campaign-{filename_stem(campaign.subject)}.zip"


def build_zip(campaign: CampaignExport) -> bytes:
    """originals/, email/, email.html and manifest.json. Images are stored as they are (already
    compressed); the HTML and JSON are deflated."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for image in campaign.images:
            archive.writestr(image.original_entry, image.original.read_bytes(), compress_type=zipfile.ZIP_STORED)
            archive.writestr(image.email_entry, image.email.read_bytes(), compress_type=zipfile.ZIP_STORED)
        archive.writestr("email.html", render_email_html(campaign), compress_type=zipfile.ZIP_DEFLATED)
        manifest = json.dumps(build_manifest(campaign), indent=2, ensure_ascii=False)
        archive.writestr("manifest.json", manifest, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()

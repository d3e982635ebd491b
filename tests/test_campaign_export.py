"""The campaign export without a browser: ZIP layout, the HTML email, the manifest, byte budgets."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image

from email_image_app.domain import imaging
from email_image_app.domain.campaign.export import (
    CampaignExport,
    ExportImage,
    build_manifest,
    build_zip,
    render_email_html,
    zip_filename,
)
from email_image_app.domain.campaign.plan import BYTE_BUDGETS, Product
from email_image_app.imagegen.events import ImageUsage

TRICKY_NAME = 'Sneakers "Bolt" <b>&</b>'
TRICKY_DESCRIPTION = "Canvas & rubber <script>alert(1)</script>"


class ImageTags(HTMLParser):
    """Every <img>'s attributes, and every tag name, as a browser's parser reads them."""

    def __init__(self) -> None:
        super().__init__()
        self.images: list[dict[str, str | None]] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "img":
            self.images.append(dict(attrs))


def parse(html_text: str) -> ImageTags:
    parser = ImageTags()
    parser.feed(html_text)
    return parser


def noise_png(width: int, height: int, *, alpha: bool = False) -> bytes:
    """Random pixels: the worst case for a byte budget (JPEG cannot compress noise much)."""
    mode = "RGBA" if alpha else "RGB"
    image = Image.frombytes(mode, (width, height), os.urandom(width * height * len(mode)))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def make_image(folder: Path, slot_key: str, kind: str, size: tuple[int, int], product: Product | None = None) -> ExportImage:
    """An original (noise, so compression has work to do) and its email rendition, as the runner makes them."""
    original = folder / f"{slot_key}-{size[0]}x{size[1]}.png"
    original.write_bytes(noise_png(*size, alpha=kind == "product"))
    email = folder / f"{slot_key}-email.jpg"
    email.write_bytes(imaging.compress_to_budget(original.read_bytes(), BYTE_BUDGETS[kind], background="#ffffff").data)
    prompt = f"Product showcase: {product.name} - {product.description}" if product else f"Image for {kind}"
    return ExportImage(
        slot_key=slot_key,
        kind=kind,
        prompt=prompt,
        prompt_sent=prompt + ". pastel",
        original=original,
        email=email,
        budget_bytes=BYTE_BUDGETS[kind],
        job_id=f"job-{slot_key}",
        usage=ImageUsage(input_tokens=50, output_tokens=1000, total_tokens=1050, text_tokens=50),
        product=product,
    )


@pytest.fixture(scope="module")
def campaign(tmp_path_factory: pytest.TempPathFactory) -> CampaignExport:
    folder = tmp_path_factory.mktemp("campaign")
    images = (
        make_image(folder, "hero", "hero", (1200, 600)),
        make_image(folder, "logo", "logo", (512, 512)),
        make_image(folder, "product-sku-1", "product", (400, 400), Product("SKU-1", TRICKY_NAME, TRICKY_DESCRIPTION)),
        make_image(folder, "product-sku-2", "product", (400, 400), Product("SKU-2", "Blue sandals", "")),
        make_image(folder, "product-sku-3", "product", (400, 400), Product("SKU-3", "Straw hat", "Summer")),
        make_image(folder, "banner", "banner", (1200, 300)),
    )
    return CampaignExport(
        campaign_id="c0ffee",
        subject='Summer sale: 30% off <all> "sneakers"',
        brand_notes="pastel",
        provider="OpenAI",
        offline=False,
        model="gpt-image-1.5",
        options={"quality": "medium", "product_size": "400x400", "email_format": "jpeg"},
        email_background="#fafafa",
        images=images,
        not_included=({"slot": "product-4", "status": "failed", "reason": "The stream was cut"},),
        created_at="2026-10-01T09:00:00+00:00",
    )


@pytest.fixture(scope="module")
def archive(campaign: CampaignExport) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(build_zip(campaign)))


def test_zip_layout(archive: zipfile.ZipFile, campaign: CampaignExport):
    names = set(archive.namelist())
    expected_images = {f"originals/{image.original.name}" for image in campaign.images} | {
        f"email/{image.email.name}" for image in campaign.images
    }
    assert names == expected_images | {"email.html", "manifest.json"}
    assert archive.testzip() is None
    hero = Image.open(io.BytesIO(archive.read("originals/hero-1200x600.png")))
    assert hero.size == (1200, 600)
    assert archive.read("email/hero-email.jpg") == campaign.images[0].email.read_bytes()
    assert zip_filename(campaign) == "campaign-summer-sale-30-off-all.zip"


def test_email_ready_images_meet_their_budgets(archive: zipfile.ZipFile, campaign: CampaignExport):
    for image in campaign.images:
        data = archive.read(image.email_entry)
        assert len(data) <= BYTE_BUDGETS[image.kind], image.slot_key
        assert Image.open(io.BytesIO(data)).format == "JPEG"


def test_email_html_references_exactly_the_email_files_present(archive: zipfile.ZipFile):
    page = parse(archive.read("email.html").decode())
    sources = [image["src"] for image in page.images]
    email_files = {name for name in archive.namelist() if name.startswith("email/")}
    assert sorted(sources) == sorted(email_files)  # each once, nothing missing, nothing extra


def test_email_html_is_table_based_600px_with_inline_styles(archive: zipfile.ZipFile, campaign: CampaignExport):
    html_text = archive.read("email.html").decode()
    page = parse(html_text)
    assert "table" in page.tags and "style" not in page.tags and "link" not in page.tags and "script" not in page.tags
    assert 'width="600"' in html_text and "max-width:600px" in html_text
    assert "background-color:#fafafa" in html_text
    # Three product cards in rows of two: the odd one gets a filler cell.
    assert html_text.count('<td width="50%" valign="top"') == 3
    assert html_text.count('<td width="50%">&nbsp;</td>') == 1
    # Email order: logo, hero, (subject), products, banner.
    order = [image["src"] for image in page.images]
    assert order[0] == "email/logo-email.jpg" and order[1] == "email/hero-email.jpg" and order[-1] == "email/banner-email.jpg"


def test_alt_texts_name_the_product_and_the_offer_and_text_is_escaped(archive: zipfile.ZipFile, campaign: CampaignExport):
    html_text = archive.read("email.html").decode()
    alts = {image["src"]: image["alt"] for image in parse(html_text).images}
    offer = 'Summer sale: 30% off <all> "sneakers"'
    assert alts["email/hero-email.jpg"] == alts["email/banner-email.jpg"] == offer
    assert alts["email/logo-email.jpg"] == "Logo"
    assert alts["email/product-sku-1-email.jpg"] == f"{TRICKY_NAME} – {offer}"
    # Written for people with images off: never the prompt given to the model.
    assert not any("showcase" in alt or "Professional marketing" in alt for alt in alts.values())
    assert "<script>" not in html_text and "<b>" not in html_text and "<all>" not in html_text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html_text
    assert 'alt="Sneakers &quot;Bolt&quot; &lt;b&gt;&amp;&lt;/b&gt; – Summer sale' in html_text
    assert "<title>Summer sale: 30% off &lt;all&gt; &quot;sneakers&quot;</title>" in html_text


def test_preview_uses_the_given_image_urls(campaign: CampaignExport):
    html_text = render_email_html(campaign, lambda image: f"/files/{image.job_id}/{image.email.name}")
    sources = {image["src"] for image in parse(html_text).images}
    assert sources == {f"/files/job-{image.slot_key}/{image.email.name}" for image in campaign.images}


def test_manifest_content(archive: zipfile.ZipFile, campaign: CampaignExport):
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest == build_manifest(campaign)
    assert manifest["subject"] == campaign.subject and manifest["brand_notes"] == "pastel"
    assert manifest["provider"] == "OpenAI"
    assert manifest["options"] == {
        "model": "gpt-image-1.5", "quality": "medium", "product_size": "400x400", "email_format": "jpeg",
        "email_background": "#fafafa",
    }
    assert manifest["not_included"] == [{"slot": "product-4", "status": "failed", "reason": "The stream was cut"}]
    records = {record["slot"]: record for record in manifest["images"]}
    assert set(records) == {image.slot_key for image in campaign.images}
    product = records["product-sku-1"]
    assert product["prompt"] == f"Product showcase: {TRICKY_NAME} - {TRICKY_DESCRIPTION}"
    assert product["alt"] == f'{TRICKY_NAME} – Summer sale: 30% off <all> "sneakers"'
    assert product["prompt_sent"].endswith(". pastel")
    assert product["product"] == {"id": "SKU-1", "name": TRICKY_NAME, "description": TRICKY_DESCRIPTION}
    assert product["usage"]["total_tokens"] == 1050
    for record in manifest["images"]:
        for which in ("original", "email"):
            entry = record[which]
            assert entry["bytes"] == archive.getinfo(entry["file"]).file_size
        assert record["original"]["format"] == "png" and record["email"]["format"] == "jpeg"
        assert record["email"]["bytes"] <= record["email"]["budget_bytes"]
    assert records["hero"]["original"]["width"] == 1200 and records["hero"]["original"]["height"] == 600
    totals = manifest["totals"]
    assert totals["images"] == 6 and totals["total_tokens"] == 6 * 1050
    assert totals["estimated_cost_usd"] == pytest.approx(campaign.estimated_cost_usd) and totals["estimated_cost_usd"] > 0


def test_offline_engine_costs_nothing(campaign: CampaignExport):
    offline = dataclasses.replace(campaign, offline=True, provider="Offline engine")
    totals = build_manifest(offline)["totals"]
    assert totals["estimated_cost_usd"] == 0 and totals["cost_note"] == "offline engine: no cost"


def test_a_campaign_with_only_a_hero_has_no_product_table(tmp_path: Path):
    hero = make_image(tmp_path, "hero", "hero", (1200, 600))
    only_hero = CampaignExport("c1", "Sale", "", "Offline engine", True, "gpt-image-1.5", {}, "#ffffff", (hero,))
    html_text = render_email_html(only_hero)
    assert [image["src"] for image in parse(html_text).images] == ["email/hero-email.jpg"]
    assert 'width="50%"' not in html_text


def test_an_export_s_stored_files_survive_pickling_as_reflex_keeps_states_in_redis(tmp_path, monkeypatch):
    """With replicas, Reflex pickles each state into Redis: the export's file references travel as
    their URLs and read the receiving process's store (a store's locks cannot be pickled)."""
    import pickle

    from email_image_app.domain import store as store_module

    monkeypatch.setattr(store_module, "image_store", store_module.ImageStore(tmp_path, "/files"))
    saved = store_module.image_store.save("pickleexport1", "hero.png", b"\x89PNG fake bytes")
    ref = pickle.loads(pickle.dumps(store_module.image_store.ref(saved.url)))
    assert (ref.name, ref.read_bytes()) == ("hero.png", b"\x89PNG fake bytes")

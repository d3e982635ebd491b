"""The campaign page in a real chromium against the production app and the offline engine
(step delay from conftest.STEP_DELAY)."""

from __future__ import annotations

import io
import json
import secrets
import time
import zipfile
from html.parser import HTMLParser

import pytest
from PIL import Image

from tests.engine_counters import engine_status

pytestmark = pytest.mark.browser

# Logs every change of a tile's picture (alt "Step N" then "Final"), so the test sees the partials
# even when they follow each other quickly.
RECORD_TILE_IMAGES = """
window.__tileImages = [];
const record = () => {
  for (const img of document.querySelectorAll('.campaign-tile img.tile-image')) {
    const tile = img.closest('.campaign-tile').id;
    const alt = img.getAttribute('alt');
    const mine = window.__tileImages.filter((entry) => entry.tile === tile);
    if (!mine.length || mine[mine.length - 1].alt !== alt) window.__tileImages.push({tile, alt});
  }
};
new MutationObserver(record).observe(document.body, {subtree: true, childList: true, attributes: true});
"""

PRODUCTS_CSV = 'id,name,description\nSKU-1,Red sneakers,"Canvas upper, white sole"\nSKU-2,Blue sandals,Summer leather'


PREVIEW_FITS = (
    "(() => { const frame = document.querySelector('#email-preview'); const doc = frame?.contentDocument;"
    " if (!doc?.body) return false;"
    " const content = doc.body.getBoundingClientRect().height;"
    " return content > 100 && Math.abs(frame.clientHeight - content) <= 2"
    " && doc.documentElement.scrollHeight <= frame.clientHeight; })()"
)


class ImageSources(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.sources: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.sources.append(dict(attrs)["src"] or "")


def tile_status(page, key: str) -> str:
    return page.get_attribute(f"#tile-{key}", "data-status") or ""


def wait_for_statuses(page, statuses: dict[str, str]) -> None:
    condition = " && ".join(
        f"document.querySelector('#tile-{key}')?.dataset.status === '{status}'" for key, status in statuses.items()
    )
    page.wait_for_function(condition)


def open_campaign(page, url: str, subject: str) -> None:
    page.goto(f"{url}/campaign")
    page.evaluate(RECORD_TILE_IMAGES)
    assert page.locator("#generate-campaign").is_disabled(), "nothing to generate without a subject"
    page.fill("#campaign-subject", subject)
    page.wait_for_function("document.querySelector('#prompt-hero').value.endsWith(" + json.dumps(subject) + ")")


def type_products(page, products: list[tuple[str, str]]) -> None:
    for index, (name, description) in enumerate(products):
        if index:
            page.click("#add-product")
            page.wait_for_selector(f"#product-name-{index}")
        page.fill(f"#product-name-{index}", name)
        page.fill(f"#product-description-{index}", description)
    page.wait_for_function(
        f"document.querySelectorAll('textarea[id^=\"prompt-product-\"]').length === {len(products)}"
    )
    # Each prompt is prefilled once the page has the row: typing into it before would race that update.
    for number, (name, description) in enumerate(products, start=1):
        wait_for_prompt(page, f"product-{number}", f"Product showcase: {name} - {description}")


def wait_for_prompt(page, key: str, prompt: str) -> None:
    page.wait_for_function(f"document.querySelector('#prompt-{key}')?.value === {json.dumps(prompt)}")


def set_slot_prompt(page, key: str, prompt: str) -> None:
    """Type a slot's prompt (e.g. with an `[[engine:...]]` fault marker) and wait until the page has it."""
    page.fill(f"#prompt-{key}", prompt)
    wait_for_prompt(page, key, prompt)


def test_campaign_streams_every_tile_then_exports_zip_and_preview(page, app_server):
    open_campaign(page, app_server.url, "Summer sale: 30% off sneakers")
    page.click("#paste-csv")
    page.fill("#products-csv", PRODUCTS_CSV)
    page.click("#import-csv")
    page.wait_for_function(
        "document.querySelector('#prompt-product-2')?.value === 'Product showcase: Blue sandals - Summer leather'"
    )
    assert page.input_value("#prompt-product-1") == "Product showcase: Red sneakers - Canvas upper, white sole"
    page.get_by_role("radio", name="600×600").click()
    page.wait_for_function("document.body.innerText.includes('600×600')")
    page.wait_for_function("!document.querySelector('#generate-campaign').disabled")

    page.click("#generate-campaign")
    page.wait_for_selector("#tile-hero")
    assert page.locator(".campaign-tile").count() == 3
    wait_for_statuses(page, {"hero": "completed", "product-1": "completed", "product-2": "completed"})
    page.wait_for_function("document.querySelector('#campaign-progress').innerText.trim() === '3 of 3 done'")

    # Every tile showed its partials (thumbnails) before its final image.
    log = page.evaluate("window.__tileImages")
    for key in ("hero", "product-1", "product-2"):
        alts = [entry["alt"] for entry in log if entry["tile"] == f"tile-{key}"]
        assert alts[0] == "Step 1" and alts[-1] == "Final", (key, alts)
        assert alts.index("Final") >= 2, f"{key}: several steps came before the final image: {alts}"
    # Two at once: the first product was streaming before the hero had finished.
    order = [(entry["tile"], entry["alt"]) for entry in log]
    assert order.index(("tile-product-1", "Step 1")) < order.index(("tile-hero", "Final"))
    assert "Tokens: " in page.inner_text("#campaign-tokens")
    assert "free (offline engine)" in page.inner_text("#campaign-cost")

    # The in-page preview shows the email with the stored images.
    page.wait_for_selector("#email-preview")
    preview = page.frame_locator("#email-preview")
    preview.locator("h1").wait_for()
    assert preview.locator("h1").inner_text() == "Summer sale: 30% off sneakers"
    page.wait_for_function(
        "(() => { const doc = document.querySelector('#email-preview').contentDocument;"
        " const images = [...doc.querySelectorAll('img')];"
        " return images.length === 3 && images.every((img) => img.complete && img.naturalWidth > 0); })()"
    )
    # The frame is as tall as the email: all of it shows, with no scrollbar of its own; on a phone too.
    page.wait_for_function(PREVIEW_FITS)
    laptop_height = page.evaluate("document.querySelector('#email-preview').clientHeight")
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_function(PREVIEW_FITS + f" && document.querySelector('#email-preview').clientHeight !== {laptop_height}")
    page.set_viewport_size({"width": 1366, "height": 900})

    with page.expect_download() as download_info:
        page.click("#download-zip")
    download = download_info.value
    assert download.suggested_filename == "campaign-summer-sale-30-off-sneakers.zip"
    archive = zipfile.ZipFile(download.path())
    names = set(archive.namelist())
    originals = sorted(name for name in names if name.startswith("originals/"))
    emails = sorted(name for name in names if name.startswith("email/"))
    assert names == set(originals) | set(emails) | {"email.html", "manifest.json"}
    assert originals == [
        "originals/hero-1200x600.png", "originals/product-sku-1-600x600.png", "originals/product-sku-2-600x600.png",
    ]
    assert emails == ["email/hero-email.jpg", "email/product-sku-1-email.jpg", "email/product-sku-2-email.jpg"]
    sizes = {name: Image.open(io.BytesIO(archive.read(name))).size for name in originals}
    assert sizes == {
        "originals/hero-1200x600.png": (1200, 600),
        "originals/product-sku-1-600x600.png": (600, 600),
        "originals/product-sku-2-600x600.png": (600, 600),
    }
    budgets = {"email/hero-email.jpg": 200_000, "email/product-sku-1-email.jpg": 80_000, "email/product-sku-2-email.jpg": 80_000}
    for name, budget in budgets.items():
        data = archive.read(name)
        assert len(data) <= budget and Image.open(io.BytesIO(data)).format == "JPEG", name

    page_parser = ImageSources()
    page_parser.feed(archive.read("email.html").decode())
    assert sorted(page_parser.sources) == emails

    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["subject"] == "Summer sale: 30% off sneakers"
    assert manifest["provider"] == "Offline engine"
    assert manifest["options"]["product_size"] == "600x600"
    records = {record["slot"]: record for record in manifest["images"]}
    assert records["product-1"]["prompt"] == "Product showcase: Red sneakers - Canvas upper, white sole"
    assert all(record["usage"]["total_tokens"] > 0 for record in records.values())
    assert {record["email"]["file"]: record["email"]["bytes"] for record in records.values()} == {
        name: archive.getinfo(name).file_size for name in emails
    }
    assert manifest["totals"]["estimated_cost_usd"] == 0


def test_cancelling_one_tile_leaves_the_others_finishing_and_it_can_be_retried(page, app_server):
    word = "scarf" + secrets.token_hex(4)  # in this tile's prompt only: the engine is asked about it alone
    open_campaign(page, app_server.url, "Autumn knitwear week")
    type_products(page, [(f"Wool {word}", "Navy blue"), ("Knitted hat", "Cream, chunky")])
    page.click("#generate-campaign")

    page.wait_for_selector("#tile-product-1 img[alt^='Step']")
    page.click("#tile-product-1 .tile-cancel")
    wait_for_statuses(page, {"hero": "completed", "product-1": "cancelled", "product-2": "completed"})
    page.wait_for_function("document.querySelector('#campaign-progress').innerText.trim() === '2 of 3 done'")
    assert page.locator("#tile-product-1 img[alt='Final']").count() == 0
    deadline = time.monotonic() + 30  # a bound for a busy machine, not a timing
    while engine_status(app_server, word)["streams_ended_early_matching"] < 1:
        assert time.monotonic() < deadline, "the engine never saw the cancelled tile's stream closed"
        page.wait_for_timeout(100)

    page.wait_for_function("!document.querySelector('#generate-campaign').disabled")
    page.click("#tile-product-1 .tile-retry")
    wait_for_statuses(page, {"product-1": "completed"})
    page.wait_for_function("document.querySelector('#campaign-progress').innerText.trim() === '3 of 3 done'")
    assert tile_status(page, "hero") == "completed" and tile_status(page, "product-2") == "completed"


def test_a_failing_tile_says_why_and_does_not_stop_the_others(page, app_server):
    open_campaign(page, app_server.url, "Garden party")
    type_products(page, [("Rattan chair", "Natural"), ("Parasol", "Striped")])
    set_slot_prompt(page, "product-1", "Product showcase: Rattan chair [[engine:cut]]")
    page.click("#generate-campaign")

    wait_for_statuses(page, {"hero": "completed", "product-1": "failed", "product-2": "completed"})
    assert "stream was cut" in page.inner_text("#tile-product-1 .tile-error")
    assert page.locator("#tile-product-1 .tile-retry").count() == 1
    page.wait_for_function("!document.querySelector('#download-zip').disabled")
    with page.expect_download() as download_info:
        page.click("#download-zip")
    archive = zipfile.ZipFile(download_info.value.path())
    manifest = json.loads(archive.read("manifest.json"))
    assert [record["slot"] for record in manifest["images"]] == ["hero", "product-2"]
    assert manifest["not_included"][0]["slot"] == "product-1"
    assert "stream was cut" in manifest["not_included"][0]["reason"]


def test_bad_csv_rows_are_refused_with_the_line_and_nothing_changes(page, app_server):
    page.goto(f"{app_server.url}/campaign")
    page.fill("#product-name-0", "Existing product")
    page.wait_for_selector("#prompt-product-1")
    page.click("#paste-csv")
    page.fill("#products-csv", "1,Scarf,Navy, wool\n2,Hat,Red")
    page.click("#import-csv")
    page.wait_for_selector("#csv-error")
    assert "Line 1: 4 field(s) instead of id,name,description" in page.inner_text("#csv-error")
    assert page.input_value("#product-name-0") == "Existing product"
    assert page.locator(".product-row").count() == 1


RECORD_TILE_STATUSES = """
window.__tileStatuses = {};
new MutationObserver(() => {
  for (const tile of document.querySelectorAll('.campaign-tile')) {
    const seen = (window.__tileStatuses[tile.id] ||= []);
    if (seen[seen.length - 1] !== tile.dataset.status) seen.push(tile.dataset.status);
  }
}).observe(document.body, {subtree: true, childList: true, attributes: true, attributeFilter: ['data-status']});
"""


def test_a_rate_limited_tile_waits_as_told_then_tries_once_more(page, app_server):
    open_campaign(page, app_server.url, "Winter boots")
    page.evaluate(RECORD_TILE_STATUSES)
    type_products(page, [("Snow boots", "Waterproof")])
    # The engine answers 429 with Retry-After: 1 to every request carrying this marker.
    set_slot_prompt(page, "product-1", "Product showcase: Snow boots [[engine:429]]")
    page.click("#generate-campaign")

    wait_for_statuses(page, {"hero": "completed", "product-1": "failed"})
    statuses = page.evaluate("window.__tileStatuses")
    assert statuses["tile-product-1"] == ["waiting", "running", "rate_limited", "failed"], statuses
    assert "Rate limited by the provider. Try again after 1 s." in page.inner_text("#tile-product-1 .tile-error")


def test_a_failed_tile_says_why_in_english_then_in_french_after_a_switch(page, app_server):
    from tests.test_generate_page import choose

    open_campaign(page, app_server.url, "Spring linen")
    type_products(page, [("Linen shirt", "White")])
    # The offline engine answers 401 (invalid API key) to every request carrying this marker.
    set_slot_prompt(page, "product-1", "Product showcase: Linen shirt [[engine:401]]")
    page.click("#generate-campaign")

    wait_for_statuses(page, {"hero": "completed", "product-1": "failed"})
    error = page.locator("#tile-product-1 .tile-error")
    assert error.inner_text() == "The API key was rejected (HTTP 401). Check OPENAI_API_KEY on the server."
    assert page.inner_text("#tile-product-1 .tile-status") == "Failed"
    assert page.inner_text("#campaign-progress").strip() == "1 of 2 done"

    # The error is kept as a message, not as a sentence: switching the language re-words it.
    choose(page, "language-select", "Français")
    page.wait_for_function(
        "document.querySelector('#tile-product-1 .tile-error').innerText"
        " === 'Clé API refusée (HTTP 401). Vérifiez OPENAI_API_KEY sur le serveur.'"
    )
    assert page.inner_text("#tile-product-1 .tile-status") == "Échec"
    assert page.inner_text("#campaign-progress").strip() == "1 sur 2 terminées"
    assert "1 en échec" in page.inner_text("#campaign-results")


def test_a_reload_mid_campaign_picks_the_tiles_up_where_they_are(page, app_server):
    open_campaign(page, app_server.url, "Reload week")
    type_products(page, [("Desk lamp", "Brass")])
    page.click("#generate-campaign")
    page.wait_for_selector("#tile-hero img[alt^='Step']")

    page.reload()  # the tab's run goes on in the job tier; the page follows it again from where it was
    page.evaluate(RECORD_TILE_IMAGES)
    wait_for_statuses(page, {"hero": "completed", "product-1": "completed"})
    page.wait_for_function("document.querySelector('#campaign-progress').innerText.trim() === '2 of 2 done'")
    assert page.locator("#tile-hero img[alt='Final']").count() == 1
    page.wait_for_function("!document.querySelector('#download-zip').disabled")
    with page.expect_download() as download_info:
        page.click("#download-zip")
    manifest = json.loads(zipfile.ZipFile(download_info.value.path()).read("manifest.json"))
    assert [record["slot"] for record in manifest["images"]] == ["hero", "product-1"]

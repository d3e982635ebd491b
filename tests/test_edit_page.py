"""The editor page in a real chromium against the production app and the offline engine, whose
edits honour masks exactly (pixels where the mask's alpha is not 0 are copied bit for bit)."""

from __future__ import annotations

import io
import re
import shutil
import time
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageStat

from email_image_app.domain.history import GalleryQuery
from email_image_app.imagegen.pricing import estimate_cost_usd
from email_image_app.domain.formatting import format_usd

pytestmark = pytest.mark.browser

IMAGE_ZONE = "#edit-image-upload input[type=file]"
REFERENCES_ZONE = "#edit-references-upload input[type=file]"
MASK_ZONE = "#edit-mask-upload input[type=file]"

LISTEN_TO_WINDOW_EVENTS = """
window.__studioEvents = [];
for (const name of ['image-edit-progress', 'image-edit-complete']) {
  window.addEventListener(name, (e) => window.__studioEvents.push({name, detail: e.detail}));
}
"""


# ----- files the tests upload ----------------------------------------------------------------


def encoded(image: Image.Image, image_format: str = "PNG", **save_args: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, image_format, **save_args)
    return buffer.getvalue()


def photo(width: int = 1024, height: int = 1024) -> Image.Image:
    """A picture with structure everywhere, so any change to a region shows in its pixels."""
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    draw = ImageDraw.Draw(image)
    for step in range(0, width, 64):
        draw.line([(step, 0), (width - step, height)], fill=(30, 90, 200), width=6)
    draw.ellipse([width * 0.3, height * 0.3, width * 0.7, height * 0.7], fill=(240, 180, 30))
    return image


def half_mask(width: int = 1024, height: int = 1024) -> Image.Image:
    """Left half kept (alpha 255), right half to change (alpha 0)."""
    mask = Image.new("RGBA", (width, height), (0, 0, 0, 255))
    mask.paste((0, 0, 0, 0), (width // 2, 0, width, height))
    return mask


def file_part(name: str, data: bytes, mime: str = "image/png") -> dict:
    return {"name": name, "mimeType": mime, "buffer": data}


# ----- page helpers ----------------------------------------------------------------------------


def open_editor(page, url: str) -> None:
    page.goto(f"{url}/edit")
    page.wait_for_selector("#edit-button")
    page.evaluate(LISTEN_TO_WINDOW_EVENTS)


def upload_original(page, image: Image.Image, name: str = "photo.png") -> None:
    page.set_input_files(IMAGE_ZONE, files=[file_part(name, encoded(image))])
    page.wait_for_function(
        "(name) => document.querySelector('#original-name')?.innerText === name"
        " && document.querySelector('#original-image')?.naturalWidth > 0",
        arg=name,
    )


def choose_mask_mode(page, label: str) -> None:
    page.locator("#mask-mode").get_by_role("radio", name=label, exact=True).click()


def run_edit(page, prompt: str) -> None:
    page.fill("#prompt", prompt)
    page.wait_for_function("!document.querySelector('#edit-button').disabled")
    page.click("#edit-button")


def download_final(page) -> tuple[str, bytes]:
    with page.expect_download() as download_info:
        page.click("#download-button")
    download = download_info.value
    return download.suggested_filename, Path(download.path()).read_bytes()


def region_difference(first: Image.Image, second: Image.Image, box: tuple[int, int, int, int]) -> tuple[int, float]:
    """(largest, mean) per-channel difference of two RGB images inside `box`."""
    difference = ImageChops.difference(first.convert("RGB").crop(box), second.convert("RGB").crop(box))
    largest = max(high for _, high in difference.getextrema())
    return largest, sum(ImageStat.Stat(difference).mean) / 3


def upload_error_text(page) -> str:
    page.wait_for_selector("#upload-error")
    return page.inner_text("#upload-error")


# ----- tests -----------------------------------------------------------------------------------


def test_upload_then_edit_streams_steps_then_final_and_downloads(page, app_server):
    open_editor(page, app_server.url)
    upload_original(page, photo())
    assert "1024×1024 · PNG" in page.inner_text("#original-info")
    assert page.get_attribute("#prompt", "placeholder") == "Describe the changes…"
    assert page.locator("#cost-estimate").count() == 0, "the offline engine costs nothing"
    run_edit(page, "Make the background a warm sunset orange")

    arrivals, progress_values = [], []
    for count in (1, 2, 3):
        page.wait_for_function(f"document.querySelectorAll('img[alt^=\"Step \"]').length >= {count}")
        arrivals.append(time.monotonic())
        progress_values.append(float(page.get_attribute("#run-progress", "aria-valuenow") or 0))
        assert "Editing…" in page.inner_text("#edit-button")
    page.wait_for_selector("img[alt='Final']")

    # Steps arrive one by one as the engine streams them (0.4 s apart), each with its index and time.
    gaps = [later - earlier for earlier, later in zip(arrivals, arrivals[1:])]
    assert all(gap > 0.15 for gap in gaps), gaps
    assert progress_values == sorted(progress_values) and progress_values[-1] < 100
    assert float(page.get_attribute("#run-progress", "aria-valuenow") or 0) == 100
    captions = page.locator(".step-thumb").all_inner_texts()
    times = [float(re.search(r"Step (\d) · ([\d.]+) s", caption).group(2)) for caption in captions]
    assert [re.search(r"Step (\d)", caption).group(1) for caption in captions] == ["1", "2", "3"]
    assert times == sorted(times) and len(set(times)) == 3, captions
    assert re.fullmatch(r"Tokens: [1-9]\d*", page.inner_text("#final-detail").strip())
    assert page.inner_text("#edit-button").strip() == "Edit Image"

    # Before/after: the original over the result, split by a slider.
    assert page.locator("#before-after img[alt='Before']").count() == 1
    page.fill("#compare-slider", "20")
    assert "20%" in page.evaluate("getComputedStyle(document.querySelector('[data-compare]')).getPropertyValue('--split')")

    filename, data = download_final(page)
    result = Image.open(io.BytesIO(data))
    assert filename.endswith("1024x1024.png")
    assert (result.format, result.size) == ("PNG", (1024, 1024))

    events = page.evaluate("window.__studioEvents")
    assert [e["detail"]["index"] for e in events if e["name"] == "image-edit-progress"] == [0, 1, 2]
    complete = [e["detail"] for e in events if e["name"] == "image-edit-complete"]
    assert len(complete) == 1 and complete[0]["usage"]["total_tokens"] > 0


def test_masked_edit_keeps_the_unmasked_half_unchanged(page, app_server):
    original = photo()
    open_editor(page, app_server.url)
    upload_original(page, original)
    choose_mask_mode(page, "Mask file")
    page.set_input_files(MASK_ZONE, files=[file_part("right-half.png", encoded(half_mask()))])
    page.wait_for_selector("#mask-info")
    assert "right-half.png" in page.inner_text("#mask-info")
    assert "guidance" in page.inner_text("#mask-guidance")
    run_edit(page, "Replace the right side with a red gift box")
    page.wait_for_selector("img[alt='Final']")

    _, data = download_final(page)
    result = Image.open(io.BytesIO(data))
    assert result.size == (1024, 1024)
    kept_largest, _ = region_difference(original, result, (0, 0, 512, 1024))
    changed_largest, changed_mean = region_difference(original, result, (512, 0, 1024, 1024))
    assert kept_largest <= 2, "the kept half must come back as it was"
    assert changed_mean > 10 and changed_largest > 60, "the masked half must have changed"


def test_painted_mask_changes_only_the_painted_area(page, app_server):
    original = photo()
    open_editor(page, app_server.url)
    upload_original(page, original)
    choose_mask_mode(page, "Paint")
    canvas = page.locator("#mask-canvas")
    canvas.wait_for(state="visible")
    box = canvas.bounding_box()

    def at(x: float, y: float) -> tuple[float, float]:
        return box["x"] + box["width"] * x, box["y"] + box["height"] * y

    # Brush strokes over the bottom-right quarter (brush 40 px wide, strokes 30 px apart).
    page.mouse.move(*at(0.62, 0.62))
    page.mouse.down()
    for row in range(6):
        y = 0.62 + row * 0.06
        page.mouse.move(*at(0.62 if row % 2 else 0.92, y), steps=8)
        page.mouse.move(*at(0.92 if row % 2 else 0.62, y), steps=8)
    page.mouse.up()
    run_edit(page, "A bright green sale sticker")
    page.wait_for_selector("img[alt='Final']")

    _, data = download_final(page)
    result = Image.open(io.BytesIO(data))
    left_largest, _ = region_difference(original, result, (0, 0, 512, 1024))
    top_largest, _ = region_difference(original, result, (0, 0, 1024, 512))
    _, painted_mean = region_difference(original, result, (660, 660, 920, 920))
    assert left_largest <= 2 and top_largest <= 2, "outside the painted area nothing changes"
    assert painted_mean > 10, "the painted area changed"


def big_file(tmp_path: Path) -> Path:
    """60 MB that start like a PNG: refused on size before anything reads it as an image."""
    path = tmp_path / "huge.png"
    with path.open("wb") as handle:
        handle.write(encoded(Image.new("RGB", (8, 8))))
        handle.truncate(60 * 1024 * 1024)
    return path


BAD_IMAGES = {
    "text renamed .png": (lambda _: file_part("notes.png", b"Quarterly plan\nnot a picture\n" * 20), "notes.png is not an image"),
    "corrupt png": (lambda _: file_part("broken.png", encoded(photo(300, 200))[:2000]), "broken.png is damaged or incomplete"),
    "too many pixels": (lambda _: file_part("poster.png", encoded(Image.new("1", (6200, 6200)))), "poster.png is 6200x6200 (38.4 megapixels); the limit is 36 megapixels"),
    "over 50 MB": (lambda tmp_path: str(big_file(tmp_path)), "huge.png is 60.0 MB; the limit is 50 MB"),
    "gif": (lambda _: file_part("logo.gif", encoded(Image.new("RGB", (20, 20)), "GIF"), "image/gif"), "logo.gif is not a PNG, JPEG or WebP image"),
}


@pytest.mark.parametrize("case", list(BAD_IMAGES))
def test_bad_upload_shows_its_message_and_a_valid_upload_still_works(page, app_server, tmp_path, case):
    make_file, message = BAD_IMAGES[case]
    open_editor(page, app_server.url)
    started = time.monotonic()
    page.set_input_files(IMAGE_ZONE, files=make_file(tmp_path))
    assert message in upload_error_text(page)
    refused_after = time.monotonic() - started
    assert page.locator("#original-image").count() == 0
    if case == "over 50 MB":
        assert refused_after < 20, f"the 60 MB refusal took {refused_after:.1f} s"

    upload_original(page, photo(600, 400), name="good.png")
    assert page.locator("#upload-error").count() == 0
    assert "600×400" in page.inner_text("#original-info")


def test_mask_of_another_size_is_refused_and_a_right_one_accepted(page, app_server):
    open_editor(page, app_server.url)
    upload_original(page, photo())
    choose_mask_mode(page, "Mask file")
    page.set_input_files(MASK_ZONE, files=[file_part("small-mask.png", encoded(half_mask(512, 512)))])
    assert "small-mask.png is 512x512 but the image is 1024x1024" in upload_error_text(page)
    assert page.locator("#mask-info").count() == 0

    page.set_input_files(MASK_ZONE, files=[file_part("mask.png", encoded(half_mask()))])
    page.wait_for_selector("#mask-info")
    assert page.locator("#upload-error").count() == 0


def test_exif_orientation_is_respected(page, app_server):
    sideways = photo(200, 100)
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    open_editor(page, app_server.url)
    page.set_input_files(IMAGE_ZONE, files=[file_part("phone.jpg", encoded(sideways, "JPEG", exif=exif), "image/jpeg")])
    page.wait_for_selector("#original-info")
    assert "100×200 · JPEG" in page.inner_text("#original-info")


def test_reference_images_are_added_removed_and_capped(page, app_server):
    open_editor(page, app_server.url)
    upload_original(page, photo())
    references = [file_part(f"ref-{n}.png", encoded(photo(64, 64))) for n in range(16)]
    page.set_input_files(REFERENCES_ZONE, files=references[:2])
    page.wait_for_function("document.querySelectorAll('.reference-tile').length === 2")
    page.get_by_role("button", name="Remove ref-0.png").click()
    page.wait_for_function("document.querySelectorAll('.reference-tile').length === 1")

    page.set_input_files(REFERENCES_ZONE, files=references[1:])
    assert "At most 15 reference images: ref-15.png not added" in upload_error_text(page)
    page.wait_for_function("document.querySelectorAll('.reference-tile').length === 15")
    assert page.locator(REFERENCES_ZONE).count() == 0, "no more room: the drop zone goes away"

    run_edit(page, "Put the product from the references on the table")
    page.wait_for_selector("img[alt='Final']")


def test_cancel_keeps_what_arrived(page, app_server):
    open_editor(page, app_server.url)
    upload_original(page, photo())
    run_edit(page, "Snow falling over the whole scene")
    page.wait_for_selector("img[alt='Step 1']")
    page.click("#cancel-button")
    page.wait_for_function("document.querySelector('#edit-button').innerText.trim() === 'Edit Image'")
    assert page.locator("img[alt='Final']").count() == 0
    assert page.locator("img[alt='Step 1']").count() == 1
    assert page.locator("#preview-image").count() == 1
    assert "Cancelled" in page.inner_text("body")


def test_edit_again_starts_from_the_result(page, app_server):
    open_editor(page, app_server.url)
    upload_original(page, photo(), name="first.png")
    run_edit(page, "Turn the circle into a blue gem")
    page.wait_for_selector("img[alt='Final']")
    _, first_result = download_final(page)
    first_original = page.get_attribute("#original-image", "src")

    page.click("#edit-again-button")
    page.wait_for_function(
        "(before) => document.querySelector('#original-image').getAttribute('src') !== before", arg=first_original
    )
    assert page.locator("img[alt='Final']").count() == 0 and page.locator("img[alt^='Step ']").count() == 0
    assert page.inner_text("#original-name").endswith("1024x1024.png")
    run_edit(page, "Add soft morning light")
    page.wait_for_selector("img[alt='Final']")
    _, second_result = download_final(page)
    assert second_result != first_result


def test_a_paid_provider_shows_the_estimate_before_the_edit(browser, paid_app_server):
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    paid_app_server.sign_in(context)
    page = context.new_page()
    page.set_default_timeout(30_000)
    open_editor(page, paid_app_server.url)
    assert page.locator("#cost-estimate").count() == 0, "no size to estimate before the image is there"
    upload_original(page, photo())
    prompt = "Make the background a warm sunset orange"
    page.fill("#prompt", prompt)
    # Size "Original": the 1024×1024 image itself, at the form's quality and partial images.
    amount = estimate_cost_usd("gpt-image-1.5", "1024x1024", "medium", 3, len(prompt))
    expected = f"Estimated cost: ≈ {format_usd(amount)} at gpt-image-1.5 list price"
    page.wait_for_function(
        "(text) => document.querySelector('#cost-estimate')?.innerText === text", arg=expected
    )
    context.close()


def test_cmd_enter_in_the_prompt_edits(page, app_server):
    open_editor(page, app_server.url)
    upload_original(page, photo(600, 400))
    assert page.inner_text("#prompt-shortcut-hint") == "Ctrl+Enter to edit"
    page.click("#prompt")
    page.keyboard.type("Add a paper lantern")
    page.keyboard.press("Meta+Enter")
    page.wait_for_selector("img[alt='Final']")
    assert page.input_value("#prompt") == "Add a paper lantern"


def test_edit_page_speaks_french(page, app_server):
    page.goto(f"{app_server.url}/edit")
    page.click("#language-select")
    page.get_by_role("option", name="Français", exact=True).click()
    page.wait_for_selector("text=Modifier une image")
    assert page.get_attribute("#prompt", "placeholder") == "Décrivez les modifications…"
    assert page.inner_text("#edit-button").strip() == "Modifier l'image"
    page.set_input_files(IMAGE_ZONE, files=[file_part("notes.png", b"not a picture" * 40)])
    assert "notes.png n'est pas une image" in upload_error_text(page)

    # A run in French: the options, the figures and the tokens beside the final image too.
    upload_original(page, photo(600, 400), name="good.png")
    assert re.fullmatch(r"600×400 · PNG · \d+ Ko", page.inner_text("#original-info").strip())
    assert page.inner_text("#option-size").strip() == "D'origine"
    assert page.inner_text("#option-input-fidelity").strip() == "Faible"
    assert page.inner_text("#prompt-shortcut-hint") == "Ctrl+Entrée pour modifier"
    run_edit(page, "Un ciel bleu")
    page.wait_for_selector("img[alt='Final']")
    assert re.fullmatch(r"Jetons : [1-9]\d*", page.inner_text("#final-detail").strip())
    assert page.inner_text("#run-stage").startswith("Terminée")


def test_an_edit_whose_inputs_are_gone_fails_with_its_reason_in_the_page_and_the_history(page, app_server):
    from tests.test_history_page import app_history, unique_word

    open_editor(page, app_server.url)
    upload_original(page, photo(600, 400))
    # The stored upload disappears from the disk between the upload and the edit.
    upload_folder = page.get_attribute("#original-image", "src").split("/")[2]
    shutil.rmtree(app_server.data_dir / "images" / upload_folder)
    word = unique_word()
    run_edit(page, f"A paper boat on the lake {word}")
    page.wait_for_selector("#run-error")
    reason = "The uploaded files could not be read back. Upload the image again."
    assert page.inner_text("#run-error").strip() == reason
    assert page.inner_text("#run-stage").startswith("Failed")
    button = page.locator("#edit-button")
    assert button.inner_text().strip() == "Retry" and button.is_enabled()
    # Recorded like any other run that failed: the job, its status and why.
    (job,) = app_history(app_server).gallery(GalleryQuery(search=word)).jobs
    assert (job.kind, job.status) == ("edit", "failed")
    assert job.error_message.render("en") == reason

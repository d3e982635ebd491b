"""The editor's upload logic without a browser: validation, storage, painted masks."""

from __future__ import annotations

import base64
import io

import pytest
from PIL import Image

from email_image_app.domain import edit_uploads, upload_checks
from email_image_app.domain.edit_uploads import UploadLimits
from email_image_app.domain.upload_checks import UploadError
from email_image_app.domain.store import ImageStore


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def data_url(image: Image.Image) -> str:
    return "data:image/png;base64," + base64.b64encode(png(image)).decode()


@pytest.fixture
def store(tmp_path) -> ImageStore:
    return ImageStore(root=tmp_path)


def test_store_image_keeps_the_upright_file_and_a_light_rendition(store):
    photo = Image.new("RGB", (2000, 1000), (200, 40, 40))
    stored = edit_uploads.store_image("up1", "original", png(photo), "Sale Banner.png", store=store)
    assert (stored.width, stored.height, stored.format, stored.filename) == (2000, 1000, "png", "Sale Banner.png")
    assert stored.url.startswith("/files/up1/original-") and stored.url.endswith(".png")
    assert Image.open(io.BytesIO(store.read(stored.url))).size == (2000, 1000)
    display = Image.open(io.BytesIO(store.read(stored.display_url)))
    assert (display.format, display.size) == ("WEBP", (edit_uploads.DISPLAY_MAX_SIDE, 640))
    assert stored.label.startswith("2000×1000 · PNG · ")


def test_store_image_applies_exif_orientation(store):
    exif = Image.Exif()
    exif[0x0112] = 6
    buffer = io.BytesIO()
    Image.new("RGB", (300, 100), "navy").save(buffer, "JPEG", exif=exif)
    stored = edit_uploads.store_image("up2", "original", buffer.getvalue(), "phone.jpg", store=store)
    assert (stored.width, stored.height, stored.format) == (100, 300, "jpeg")


def test_each_upload_gets_a_new_url(store):
    data = png(Image.new("RGB", (64, 64)))
    first = edit_uploads.store_image("up3", "original", data, "a.png", store=store)
    second = edit_uploads.store_image("up3", "original", data, "a.png", store=store)
    assert first.url != second.url, "a replaced image must not reuse a URL the browser cached"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"just some text", "not_image"),
        (png(Image.new("RGB", (400, 300), "red"))[:300], "corrupt"),
        (png(Image.new("1", (7000, 6000))), "too_many_pixels"),
    ],
)
def test_bad_images_are_refused_and_nothing_is_stored(store, data, reason):
    with pytest.raises(UploadError) as refused:
        edit_uploads.store_image("up4", "original", data, "file.png", store=store)
    assert refused.value.reason == reason and "file.png" in refused.value.message
    assert store.names("up4") == []


def test_size_is_refused_from_the_declared_size_before_reading():
    limits = UploadLimits(max_bytes=50 * 1024 * 1024)
    edit_uploads.refuse_if_too_large("ok.png", 50 * 1024 * 1024, limits)
    edit_uploads.refuse_if_too_large("unknown.png", None, limits)
    with pytest.raises(UploadError) as refused:
        edit_uploads.refuse_if_too_large("huge.png", 60 * 1024 * 1024, limits)
    assert refused.value.message == "huge.png is 60.0 MB; the limit is 50 MB."


def test_mask_must_match_the_image_and_is_shown_as_a_tint(store):
    mask = Image.new("RGBA", (200, 100), (0, 0, 0, 255))
    mask.paste((0, 0, 0, 0), (100, 0, 200, 100))
    with pytest.raises(UploadError) as refused:
        edit_uploads.store_mask("up5", png(mask), "mask.png", 400, 200, store=store)
    assert refused.value.reason == "mask_size_mismatch"

    stored = edit_uploads.store_mask("up5", png(mask), "mask.png", 200, 100, store=store)
    overlay = Image.open(io.BytesIO(store.read(stored.display_url))).convert("RGBA")
    assert overlay.getpixel((50, 50))[3] == 0, "the kept area stays clear"
    assert overlay.getpixel((150, 50))[3] > 100, "the area to change is tinted"


def test_painted_mask_is_scaled_to_the_image_and_made_two_level():
    painting = Image.new("RGBA", (100, 50), (0, 0, 0, 255))
    painting.paste((0, 0, 0, 0), (50, 0, 100, 50))  # right half painted
    mask = Image.open(io.BytesIO(edit_uploads.mask_from_painting(data_url(painting), 400, 200)))
    alpha = mask.getchannel("A")
    assert mask.size == (400, 200) and mask.format == "PNG"
    assert sum(alpha.histogram()[1:255]) == 0, "every pixel is either kept or changed"
    assert alpha.crop((0, 0, 196, 200)).getextrema() == (255, 255)
    assert alpha.crop((204, 0, 400, 200)).getextrema() == (0, 0)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        (data_url(Image.new("RGBA", (10, 10), (0, 0, 0, 255))), "empty_mask"),
        ("data:image/jpeg;base64,AAAA", "not_image"),
        ("data:image/png;base64,not base64!", "corrupt"),
    ],
)
def test_unusable_paintings_are_refused(url, reason):
    with pytest.raises(UploadError) as refused:
        edit_uploads.mask_from_painting(url, 100, 100)
    assert refused.value.reason == reason


@pytest.mark.parametrize(
    ("size", "canvas"),
    [((4000, 3000), (1024, 768)), ((500, 300), (500, 300)), ((1024, 1536), (683, 1024)), ((0, 0), (0, 0))],
)
def test_mask_canvas_keeps_the_proportions_at_most_1024(size, canvas):
    assert edit_uploads.mask_canvas_size(*size) == canvas


def test_edit_inputs_are_read_back_with_the_painted_mask(tmp_path, monkeypatch):
    monkeypatch.setenv("EMAIL_IMAGE_DATA_DIR", str(tmp_path))
    from email_image_app.domain.edit_uploads import browser_refusal, load_edit_inputs

    image = edit_uploads.store_image("up6", "original", png(Image.new("RGB", (64, 32))), "a.png")
    reference = edit_uploads.store_image("up6", "reference", png(Image.new("RGB", (16, 16))), "b.png")
    painting = Image.new("RGBA", (64, 32), (0, 0, 0, 0))
    images, mask = load_edit_inputs([image.url, reference.url], "paint", data_url(painting), 64, 32, "job1")
    assert len(images) == 2 and Image.open(io.BytesIO(mask)).size == (64, 32)
    assert (tmp_path / "images" / "job1" / "mask.png").exists(), "the painted mask is kept with the job"
    assert load_edit_inputs([image.url], "none", "", 64, 32, "job2")[1] is None

    refused = [{"name": "logo.gif", "codes": ["file-invalid-type"]}]
    assert browser_refusal(refused).render("en") == "logo.gif is not a PNG, JPEG or WebP image."
    assert browser_refusal(refused).render("fr") == "logo.gif n'est pas une image PNG, JPEG ou WebP."


def test_inputs_that_cannot_be_read_back_are_refused_with_a_reason(tmp_path, monkeypatch):
    monkeypatch.setenv("EMAIL_IMAGE_DATA_DIR", str(tmp_path))
    from email_image_app.domain.edit_uploads import load_edit_inputs

    with pytest.raises(UploadError) as refused:
        load_edit_inputs(["/files/gone/original.png"], "none", "", 64, 32, "job3")
    assert refused.value.reason == "unreadable"
    assert refused.value.refusal.render("en") == "The uploaded files could not be read back. Upload the image again."


def test_refusals_are_told_in_french_with_the_limits():
    too_large = upload_checks.too_large_error("huge.png", 60 * 1024 * 1024, 50 * 1024 * 1024)
    assert too_large.refusal.render("en") == too_large.message == "huge.png is 60.0 MB; the limit is 50 MB."
    assert too_large.refusal.render("fr") == "huge.png pèse 60.0 MB ; la limite est de 50 MB."
    with pytest.raises(UploadError) as mismatch:
        upload_checks.validate_mask(png(Image.new("RGBA", (32, 32))), "mask.png", 1024, 768)
    assert "(1024x768)" not in mismatch.value.refusal.render("fr")
    assert "l'image fait 1024x768" in mismatch.value.refusal.render("fr")

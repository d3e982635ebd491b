"""Pillow helpers: exact fitting, byte budgets, thumbnails and upload validation."""

from __future__ import annotations

import io
import random
import struct
import zlib

import pytest
from PIL import ExifTags, Image, ImageChops, ImageDraw, ImageFilter, ImageOps

from email_image_app.imagegen.options import EMAIL_SIZES
from email_image_app.domain.imaging import (
    CompressedImage,
    ImageTooLargeError,
    compress_to_budget,
    cover_fit,
    decode,
    encode,
    encode_preview,
    fit_exact,
    flatten,
    image_size,
    is_opaque,
    thumbnail,
)
from email_image_app.domain.upload_checks import UploadError, validate_mask, validate_upload
from email_image_app.imagegen.options import detect_format

MB = 1024 * 1024
SOURCE_SIZES = [(1024, 1024), (1536, 1024), (1024, 1536)]
DOT_COLOUR = (200, 30, 60)


# ---------------------------------------------------------------------------------------------
# Test images, all deterministic


def png_bytes(img: Image.Image) -> bytes:
    buffer = io.BytesIO()
    img.save(buffer, "PNG")
    return buffer.getvalue()


def dot_on_transparency(width: int, height: int) -> bytes:
    """A solid dot in the centre of a fully transparent canvas: corners show what happens to alpha."""
    img = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    radius = min(width, height) // 4
    centre_x, centre_y = width // 2, height // 2
    ImageDraw.Draw(img).ellipse(
        (centre_x - radius, centre_y - radius, centre_x + radius, centre_y + radius), fill=(*DOT_COLOUR, 255)
    )
    return png_bytes(img)


def photo_like(width: int, height: int, seed: int = 7) -> Image.Image:
    """Gradients + blurred colour noise + scattered rings: compresses about as badly as a photo."""
    rng = random.Random(seed)
    gradient = Image.linear_gradient("L").resize((width, height))
    base = Image.merge(
        "RGB", (gradient, Image.radial_gradient("L").resize((width, height)), gradient.transpose(Image.Transpose.ROTATE_180))
    )
    noise = Image.frombytes("RGB", (width, height), rng.randbytes(width * height * 3))
    img = Image.blend(base, noise.filter(ImageFilter.GaussianBlur(0.8)), 0.45)
    draw = ImageDraw.Draw(img)
    for _ in range(40):
        x, y, r = rng.randrange(width), rng.randrange(height), rng.randrange(10, 120)
        draw.ellipse((x - r, y - r, x + r, y + r), outline=tuple(rng.randrange(256) for _ in range(3)), width=3)
    return img


@pytest.fixture(scope="module")
def dot_sources() -> dict[tuple[int, int], bytes]:
    return {size: dot_on_transparency(*size) for size in SOURCE_SIZES}


def decoded(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def jpeg_with_orientation(width: int, height: int, orientation: int) -> bytes:
    """Left half red, right half blue, with an EXIF Orientation tag."""
    img = Image.new("RGB", (width, height), (255, 0, 0))
    img.paste((0, 0, 255), (width // 2, 0, width, height))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    buffer = io.BytesIO()
    img.save(buffer, "JPEG", quality=95, exif=exif)
    return buffer.getvalue()


def png_declaring_size(width: int, height: int) -> bytes:
    """A tiny valid-looking PNG whose header claims width x height (a decompression bomb's shape)."""
    data = bytearray(png_bytes(Image.new("1", (16, 16))))
    # IHDR data starts after the 8-byte signature, 4-byte length and 4-byte type.
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def close_to(actual: tuple[int, ...], expected: tuple[int, ...], tolerance: int = 12) -> bool:
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected))


# ---------------------------------------------------------------------------------------------
# fit_exact


@pytest.mark.parametrize("output_format", ["png", "jpeg", "webp"])
@pytest.mark.parametrize("source_size", SOURCE_SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
@pytest.mark.parametrize("email_size", EMAIL_SIZES, ids=lambda size: size.key)
def test_fit_exact_gives_the_exact_email_size_in_the_asked_format(
    dot_sources, email_size, source_size, output_format: str
) -> None:
    data = fit_exact(dot_sources[source_size], email_size.width, email_size.height, output_format)

    assert detect_format(data) == output_format
    img = decoded(data)
    assert img.size == (email_size.width, email_size.height)
    centre = img.convert("RGBA").getpixel((email_size.width // 2, email_size.height // 2))
    assert close_to(centre, (*DOT_COLOUR, 255))
    corner = img.convert("RGBA").getpixel((0, 0))
    if output_format == "jpeg":
        assert img.mode == "RGB"
        assert close_to(corner, (255, 255, 255, 255))  # transparency flattened onto white
    else:
        assert img.mode == "RGBA"
        assert corner[3] == 0  # transparency kept


def test_fit_exact_crops_the_centre_instead_of_squashing() -> None:
    # A 1536x1024 source: left third red, middle third green, right third blue.
    source = Image.new("RGB", (1536, 1024), (255, 0, 0))
    source.paste((0, 255, 0), (512, 0, 1024, 1024))
    source.paste((0, 0, 255), (1024, 0, 1536, 1024))

    img = decoded(fit_exact(png_bytes(source), 600, 600, "png"))

    # Cover-crop keeps the centre 1024x1024; squashing would have kept all three bands.
    assert close_to(img.getpixel((300, 300)), (0, 255, 0))
    assert close_to(img.getpixel((5, 300)), (255, 0, 0))
    assert close_to(img.getpixel((594, 300)), (0, 0, 255))


def test_fit_exact_flattens_onto_the_given_background(dot_sources) -> None:
    img = decoded(fit_exact(dot_sources[(1024, 1024)], 400, 400, "jpeg", background="#000000"))

    assert close_to(img.getpixel((0, 0)), (0, 0, 0))


def test_fit_exact_quality_changes_jpeg_size() -> None:
    source = png_bytes(photo_like(600, 600))

    assert len(fit_exact(source, 600, 600, "jpeg", quality=30)) < len(fit_exact(source, 600, 600, "jpeg", quality=90))


def test_fit_exact_refuses_unknown_formats(dot_sources) -> None:
    with pytest.raises(ValueError, match="gif"):
        fit_exact(dot_sources[(1024, 1024)], 400, 400, "gif")


# ---------------------------------------------------------------------------------------------
# flatten / encode / detect_format


def test_flatten_composites_palette_transparency_onto_the_colour() -> None:
    palette_image = Image.new("P", (8, 8), 0)
    palette_image.putpalette([0, 0, 0, 255, 255, 255])
    palette_image.info["transparency"] = 0

    flat = flatten(palette_image, (10, 20, 30))

    assert flat.mode == "RGB"
    assert flat.getpixel((0, 0)) == (10, 20, 30)


def test_detect_format_reads_content_not_names() -> None:
    img = Image.new("RGB", (4, 4))

    assert detect_format(encode(img, "png")) == "png"
    assert detect_format(encode(img, "jpeg")) == "jpeg"
    assert detect_format(encode(img, "webp")) == "webp"
    assert detect_format(b"hello, I am text") is None
    assert image_size(encode(Image.new("RGB", (30, 20)), "webp")) == (30, 20)


def test_encode_writes_progressive_jpeg() -> None:
    data = encode(photo_like(64, 64), "jpeg", quality=80)

    assert decoded(data).info.get("progressive") == 1


# ---------------------------------------------------------------------------------------------
# compress_to_budget


@pytest.mark.parametrize(("width", "height", "budget"), [(1200, 600, 200_000), (600, 600, 80_000)])
def test_compress_to_budget_meets_email_budgets_at_full_size(width: int, height: int, budget: int) -> None:
    source = png_bytes(photo_like(width, height))
    assert len(source) > budget * 3

    result = compress_to_budget(source, budget)

    assert isinstance(result, CompressedImage)
    assert len(result.data) <= budget
    assert (result.width, result.height) == (width, height)
    assert detect_format(result.data) == "jpeg"
    assert image_size(result.data) == (width, height)
    assert 40 <= result.quality <= 90


def test_compress_to_budget_uses_the_best_quality_that_fits() -> None:
    source = png_bytes(photo_like(600, 600))

    result = compress_to_budget(source, 80_000)

    one_step_better = encode(decoded(source).convert("RGB"), "jpeg", quality=result.quality + 1)
    assert len(one_step_better) > 80_000


def test_compress_to_budget_shrinks_the_image_when_quality_alone_is_not_enough() -> None:
    source = png_bytes(photo_like(1200, 600))

    result = compress_to_budget(source, 20_000)

    assert len(result.data) <= 20_000
    assert result.width < 1200
    assert result.width / result.height == pytest.approx(2.0, rel=0.02)
    assert image_size(result.data) == (result.width, result.height)


def test_compress_to_budget_in_webp_keeps_transparency_when_asked(dot_sources) -> None:
    result = compress_to_budget(dot_sources[(1024, 1024)], 30_000, output_format="webp", background=None)

    assert detect_format(result.data) == "webp"
    assert len(result.data) <= 30_000
    assert decoded(result.data).convert("RGBA").getpixel((0, 0))[3] == 0


def test_compress_to_budget_gives_up_below_64_pixels() -> None:
    with pytest.raises(ImageTooLargeError):
        compress_to_budget(png_bytes(photo_like(600, 600)), 300)


# ---------------------------------------------------------------------------------------------
# thumbnail


def test_thumbnail_of_a_photo_is_a_few_kilobytes_and_keeps_the_shape() -> None:
    data = thumbnail(png_bytes(photo_like(1536, 1024)))

    assert len(data) <= 12 * 1024
    assert detect_format(data) == "webp"
    assert image_size(data) == (160, 107)


def test_thumbnail_keeps_transparency(dot_sources) -> None:
    img = decoded(thumbnail(dot_sources[(1024, 1536)], 120))

    assert img.size == (80, 120)
    assert img.mode == "RGBA"
    assert img.getpixel((0, 0))[3] == 0


# ---------------------------------------------------------------------------------------------
# decode once, renditions


@pytest.mark.parametrize("size", [(1536, 1024), (1024, 1536), (1000, 1000)])
def test_cover_fit_frames_exactly_as_imageops_fit(size: tuple[int, int]) -> None:
    source = photo_like(*size)
    for width, height in ((1200, 600), (600, 600), (300, 250)):
        ours = cover_fit(source, width, height)
        assert ours.size == (width, height)
        assert ImageChops.difference(ours, ImageOps.fit(source, (width, height), Image.Resampling.LANCZOS)).getbbox() is None


def test_a_jpeg_decodes_at_a_reduced_scale_that_still_covers_the_rendition() -> None:
    buffer = io.BytesIO()
    photo_like(1536, 1024).save(buffer, "JPEG", quality=90)
    data = buffer.getvalue()

    assert decode(data).size == (1536, 1024)
    small = decode(data, covering=(300, 150))  # a centred 2:1 crop is 1536x768: 1/4 still covers it
    assert small.size == (384, 256) and small.mode == "RGB"
    assert decode(data, covering=(960, 480)).size == (1536, 1024)  # 1/2 would not cover 960 wide
    # Other formats have no reduced decode: whole, whatever is asked.
    assert decode(png_bytes(photo_like(800, 400)), covering=(100, 50)).size == (800, 400)


def test_an_alpha_channel_that_is_all_opaque_counts_as_opaque(dot_sources) -> None:
    assert is_opaque(photo_like(64, 64).convert("RGBA"))
    assert not is_opaque(decoded(dot_sources[(1024, 1024)]))


def test_a_preview_is_a_jpeg_when_opaque_and_a_webp_keeping_transparency_otherwise(dot_sources) -> None:
    opaque, opaque_format = encode_preview(photo_like(960, 480).convert("RGBA"))
    assert opaque_format == detect_format(opaque) == "jpeg"
    clear, clear_format = encode_preview(decoded(dot_sources[(1024, 1024)]).convert("RGBA"))
    assert clear_format == detect_format(clear) == "webp" and decoded(clear).getpixel((0, 0))[3] == 0


# ---------------------------------------------------------------------------------------------
# validate_upload


def rejection(data: bytes, filename: str, **limits) -> UploadError:
    with pytest.raises(UploadError) as caught:
        validate_upload(data, filename, **limits)
    return caught.value


def test_a_text_file_named_png_is_not_an_image() -> None:
    error = rejection(b"meeting notes: ship the header banner on Monday\n" * 20, "notes.png")

    assert error.reason == "not_image"
    assert str(error) == "notes.png is not an image (its content is not PNG, JPEG or WebP)."


def test_a_truncated_png_is_refused_as_corrupt() -> None:
    whole = png_bytes(photo_like(256, 256))

    error = rejection(whole[: len(whole) // 2], "half.png")

    assert error.reason == "corrupt"
    assert "half.png" in error.message


def test_an_oversized_file_is_refused_before_decoding_with_the_limit_named() -> None:
    error = rejection(b"\x89PNG\r\n\x1a\n" + bytes(60 * MB - 8), "photo.png")

    assert error.reason == "too_large"
    assert error.message == "photo.png is 60.0 MB; the limit is 50 MB."


def test_an_empty_file_is_refused() -> None:
    assert rejection(b"", "blank.png").reason == "empty"


def test_a_decompression_bomb_is_refused_from_its_header(monkeypatch) -> None:
    # Our limit must hold even when the process-wide Pillow guard is switched off.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)

    error = rejection(png_declaring_size(20_000, 20_000), "bomb.png")

    assert error.reason == "too_many_pixels"
    assert error.message == "bomb.png is 20000x20000 (400.0 megapixels); the limit is 36 megapixels."


def test_an_image_over_a_lower_pixel_limit_is_refused_even_below_pillows_own_limit() -> None:
    error = rejection(png_declaring_size(7000, 6000), "big.png")

    assert error.reason == "too_many_pixels"


def test_a_gif_is_an_unsupported_type() -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), (0, 128, 0)).save(buffer, "GIF")

    error = rejection(buffer.getvalue(), "anim.png")

    assert error.reason == "unsupported_type"
    assert error.message == "anim.png is a GIF image; upload a PNG, JPEG or WebP image instead."


def test_a_format_left_out_of_allowed_is_unsupported() -> None:
    error = rejection(encode(Image.new("RGB", (8, 8)), "webp"), "pic.webp", allowed=("png", "jpeg"))

    assert error.reason == "unsupported_type"
    assert "PNG or JPEG" in error.message


def test_a_jpeg_with_exif_orientation_6_comes_back_upright() -> None:
    validated = validate_upload(jpeg_with_orientation(300, 200, 6), "phone.jpg")

    assert (validated.width, validated.height) == (200, 300)
    assert validated.format == "jpeg" and validated.mime_type == "image/jpeg"
    img = decoded(validated.data)
    assert img.size == (200, 300)
    # Orientation 6 means "rotate 90° clockwise to display": the red left half ends up on top.
    assert close_to(img.getpixel((100, 20)), (255, 0, 0), 40)
    assert close_to(img.getpixel((100, 280)), (0, 0, 255), 40)
    assert img.getexif().get(ExifTags.Base.Orientation, 1) == 1


def test_an_upright_png_is_accepted_unchanged(dot_sources) -> None:
    data = dot_sources[(1536, 1024)]

    validated = validate_upload(data, "photo.png")

    assert validated.data == data
    assert (validated.format, validated.width, validated.height, validated.mime_type) == (
        "png",
        1536,
        1024,
        "image/png",
    )


# ---------------------------------------------------------------------------------------------
# validate_mask


def test_a_mask_of_another_size_is_refused_naming_both_sizes() -> None:
    mask = png_bytes(Image.new("RGBA", (512, 512), (0, 0, 0, 0)))

    with pytest.raises(UploadError) as caught:
        validate_mask(mask, "mask.png", 1024, 1024)

    assert caught.value.reason == "mask_size_mismatch"
    assert "512x512" in caught.value.message and "1024x1024" in caught.value.message
    assert "alpha 0" in caught.value.message


def test_a_mask_without_alpha_takes_alpha_from_its_grey_level() -> None:
    # White everywhere, black square in the middle: the black square is the area to change.
    mask = Image.new("L", (64, 64), 255)
    mask.paste(0, (16, 16, 48, 48))

    validated = validate_mask(png_bytes(mask), "mask.png", 64, 64)

    img = decoded(validated.data)
    assert (validated.format, validated.mime_type, img.mode) == ("png", "image/png", "RGBA")
    assert img.getpixel((32, 32))[3] == 0
    assert img.getpixel((2, 2))[3] == 255


def test_a_mask_with_alpha_keeps_it() -> None:
    mask = Image.new("RGBA", (64, 64), (255, 255, 255, 255))
    mask.paste((0, 0, 0, 0), (0, 0, 32, 64))

    img = decoded(validate_mask(png_bytes(mask), "mask.png", 64, 64).data)

    assert img.getpixel((10, 10))[3] == 0
    assert img.getpixel((50, 10))[3] == 255

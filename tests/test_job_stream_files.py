"""What `store_stream` makes of each streamed image: the step as sent, its preview at the final's
aspect ratio and thumbnail, the final at the asked size and format (the provider's bytes untouched
when they already are), the gallery's card. The provider's images are the offline engine's own
renderings (in-process) or small drawn ones where a case needs transparency or another format."""

from __future__ import annotations

import asyncio
import base64
import io
from pathlib import Path
from typing import AsyncIterator

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageOps, ImageStat

from email_image_app.domain import database, history
from email_image_app.domain.history import JobHistory
from email_image_app.domain.job_records import JobInfo
from email_image_app.domain.job_stream import FinalSaved, JobTarget, StepSaved, store_stream
from email_image_app.domain.store import ImageStore
from email_image_app.imagegen import engine
from email_image_app.imagegen.events import ImageCompleted, PartialImage, StreamEvent
from email_image_app.imagegen.options import detect_format

PROMPT = "Summer sale on red sneakers, bold headline, for our newsletter header"


def rendered(width: int, height: int, output_format: str, stages: int = 3) -> list[bytes]:
    """The offline engine's images for one request: partials, then the final."""
    return [
        engine.render(PROMPT, width, height, output_format=output_format, output_compression=85, stage=stage, stages=stages)
        for stage in range(stages)
    ]


def drawn(width: int, height: int, *, transparent: bool, output_format: str = "png") -> bytes:
    """A red dot on a transparent (or light grey) canvas."""
    img = Image.new("RGBA", (width, height), (0, 0, 0, 0) if transparent else (230, 230, 230, 255))
    ImageDraw.Draw(img).ellipse((width // 4, height // 4, width * 3 // 4, height * 3 // 4), fill=(200, 30, 60, 255))
    buffer = io.BytesIO()
    (img if transparent else img.convert("RGB")).save(buffer, output_format.upper())
    return buffer.getvalue()


async def events(images: list[bytes]) -> AsyncIterator[StreamEvent]:
    for index, image in enumerate(images[:-1]):
        yield PartialImage(base64.b64encode(image).decode(), index=index)
    yield ImageCompleted(base64.b64encode(images[-1]).decode(), partial_images=len(images) - 1)


def stored(images: list[bytes], target: JobTarget, store: ImageStore, info: JobInfo | None = None) -> list[StepSaved | FinalSaved]:
    async def collect() -> list[StepSaved | FinalSaved]:
        return [item async for item in store_stream(events(images), "job", target, store=store, info=info)]

    return asyncio.run(collect())


def opened(store: ImageStore, url: str) -> Image.Image:
    img = Image.open(io.BytesIO(store.read(url)))
    img.load()
    return img


def mean_difference(a: Image.Image, b: Image.Image) -> float:
    return sum(ImageStat.Stat(ImageChops.difference(a.convert("RGB"), b.convert("RGB"))).mean) / 3


@pytest.fixture(scope="module")
def banner_images() -> list[bytes]:
    """What a 1200x600 PNG request streams: 1536x1024 images, 2 partials and the final."""
    return rendered(1536, 1024, "png")


@pytest.fixture
def store(tmp_path: Path) -> ImageStore:
    return ImageStore(tmp_path / "images")


@pytest.fixture
def recorded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> JobInfo:
    """A migrated SQLite history: a recorded job also gets the gallery's card."""
    url = f"sqlite:///{tmp_path / 'studio.db'}"
    database.upgrade(url)
    monkeypatch.setattr(history, "_default", JobHistory(url))
    return JobInfo("generation", PROMPT, "gpt-image-1.5", history.OFFLINE_PROVIDER_LABEL, {})


# ----- steps ---------------------------------------------------------------------------------------


def test_each_step_is_kept_as_sent_with_a_preview_framed_like_the_final(banner_images, store) -> None:
    items = stored(banner_images, JobTarget(1200, 600, "png"), store)
    steps = [item for item in items if isinstance(item, StepSaved)]

    assert [step.index for step in steps] == [0, 1]
    for step, sent in zip(steps, banner_images):
        assert store.read(step.url) == sent and step.url.endswith(f"step-{step.index + 1}.png")
        preview = opened(store, step.preview_url)
        # The final's aspect ratio at most 960 wide; opaque, so a JPEG (the cheapest to make).
        assert preview.size == (960, 480) and preview.format == "JPEG"
        framed = ImageOps.fit(Image.open(io.BytesIO(sent)).convert("RGB"), (960, 480), Image.Resampling.LANCZOS)
        assert mean_difference(preview, framed) < 3  # the centre the final keeps, not the whole image squashed
        thumb = opened(store, step.thumb_url)
        assert thumb.size == (160, 80) and thumb.format == "WEBP"
        assert mean_difference(thumb, framed.resize((160, 80), Image.Resampling.LANCZOS)) < 8  # squashed: 17+


def test_a_transparent_step_gets_a_webp_preview_that_keeps_its_transparency(store) -> None:
    images = [drawn(1024, 1024, transparent=True), drawn(1024, 1024, transparent=True)]
    step = stored(images, JobTarget(600, 600, "png"), store)[0]

    preview = opened(store, step.preview_url)
    assert preview.format == "WEBP" and preview.size == (600, 600) and preview.mode == "RGBA"
    assert preview.getpixel((0, 0))[3] == 0 and preview.getpixel((300, 300))[3] == 255


def test_with_a_white_background_asked_the_step_preview_shows_the_white(store) -> None:
    images = [drawn(1024, 1024, transparent=True), drawn(1024, 1024, transparent=True)]
    step = stored(images, JobTarget(600, 600, "png", flatten_color="#ffffff"), store)[0]

    preview = opened(store, step.preview_url)
    assert preview.format == "JPEG" and all(channel > 245 for channel in preview.getpixel((2, 2)))


def test_a_step_in_another_format_than_asked_is_named_by_what_it_is(store) -> None:
    images = [drawn(1024, 1024, transparent=False, output_format="webp"), drawn(1024, 1024, transparent=False)]
    step = stored(images, JobTarget(1024, 1024, "jpeg"), store)[0]

    assert step.url.endswith("step-1.webp") and detect_format(store.read(step.url)) == "webp"


# ----- the final -----------------------------------------------------------------------------------


def test_the_final_is_fitted_to_the_exact_size_and_format_with_its_card_and_thumbnail(banner_images, store, recorded) -> None:
    final = stored(banner_images, JobTarget(1200, 600, "png"), store, recorded)[-1]

    assert isinstance(final, FinalSaved)
    img = opened(store, final.url)
    assert (img.size, img.format) == ((1200, 600), "PNG") and final.size_bytes == len(store.read(final.url))
    framed = ImageOps.fit(Image.open(io.BytesIO(banner_images[-1])).convert("RGB"), (1200, 600), Image.Resampling.LANCZOS)
    assert mean_difference(img, framed) < 0.5
    card = opened(store, final.url.rsplit("/", 1)[0] + "/final-card.webp")
    assert card.size == (480, 240) and mean_difference(card, framed.resize((480, 240), Image.Resampling.LANCZOS)) < 3
    assert opened(store, final.thumb_url).size == (160, 80)


def test_provider_bytes_already_at_the_target_size_and_format_are_stored_byte_for_byte(store, recorded) -> None:
    images = rendered(1024, 1024, "jpeg")
    final = stored(images, JobTarget(1024, 1024, "jpeg", compression=85), store, recorded)[-1]

    assert store.read(final.url) == images[-1]
    # The card and thumbnail still show it whole (a JPEG decodes at a reduced scale for them).
    card = opened(store, final.url.rsplit("/", 1)[0] + "/final-card.webp")
    whole = Image.open(io.BytesIO(images[-1])).convert("RGB")
    assert card.size == (480, 480) and mean_difference(card, whole.resize((480, 480), Image.Resampling.LANCZOS)) < 3
    assert opened(store, final.thumb_url).size == (160, 160)


def test_provider_bytes_at_the_size_but_in_another_format_become_the_asked_format(store) -> None:
    images = rendered(1024, 1024, "png")
    final = stored(images, JobTarget(1024, 1024, "jpeg"), store)[-1]

    data = store.read(final.url)
    assert detect_format(data) == "jpeg" and final.url.endswith(".jpg")
    assert Image.open(io.BytesIO(data)).size == (1024, 1024)


def test_an_opaque_final_with_a_background_to_paint_is_kept_byte_for_byte(store) -> None:
    images = [drawn(1024, 1024, transparent=False)] * 2
    final = stored(images, JobTarget(1024, 1024, "png", flatten_color="#ffffff"), store)[-1]

    assert store.read(final.url) == images[-1]


def test_a_transparent_final_with_a_background_to_paint_is_painted(store) -> None:
    images = [drawn(1024, 1024, transparent=True)] * 2
    final = stored(images, JobTarget(1024, 1024, "png", flatten_color="#ffffff"), store)[-1]

    img = opened(store, final.url)
    assert img.size == (1024, 1024) and img.mode == "RGB" and img.getpixel((0, 0)) == (255, 255, 255)

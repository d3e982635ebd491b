"""The official `openai` SDK works against the offline engine unchanged."""

from __future__ import annotations

import base64
import io
from typing import Iterator

import openai
import pytest
from PIL import Image, ImageDraw

from email_image_app.imagegen.server import create_engine_app
from tests.loopback import serve_asgi


@pytest.fixture(scope="module")
def sdk() -> Iterator[openai.OpenAI]:
    with serve_asgi(create_engine_app(step_delay=0, faults=True)) as url:
        client = openai.OpenAI(base_url=f"{url}/v1", api_key="offline", max_retries=0)
        yield client
        client.close()


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def decoded(b64_json: str) -> Image.Image:
    image = Image.open(io.BytesIO(base64.b64decode(b64_json)))
    image.load()
    return image


def test_streaming_generate(sdk):
    events = list(
        sdk.images.generate(
            model="gpt-image-1.5", prompt="Autumn sale on leather boots", size="1536x1024",
            partial_images=2, stream=True, output_format="webp",
        )
    )
    assert [event.type for event in events] == [
        "image_generation.partial_image", "image_generation.partial_image", "image_generation.completed"
    ]
    assert [event.partial_image_index for event in events[:2]] == [0, 1]
    completed = events[-1]
    image = decoded(completed.b64_json)
    assert (image.format, image.size) == ("WEBP", (1536, 1024))
    assert completed.usage.total_tokens > 0
    assert completed.usage.output_tokens == 1568 + 200


def test_streaming_edit_with_mask(sdk):
    photo = Image.new("RGB", (1024, 1024), (30, 90, 160))
    ImageDraw.Draw(photo).ellipse((200, 200, 600, 600), fill=(250, 220, 60))
    mask = Image.new("RGBA", (1024, 1024), (0, 0, 0, 255))
    ImageDraw.Draw(mask).rectangle((512, 0, 1023, 1023), fill=(0, 0, 0, 0))
    events = list(
        sdk.images.edit(
            image=("photo.png", png(photo), "image/png"), mask=("mask.png", png(mask), "image/png"),
            prompt="Add a coffee mug on the right", stream=True, partial_images=2, size="1024x1024",
        )
    )
    assert [event.type for event in events] == ["image_edit.partial_image"] * 2 + ["image_edit.completed"]
    for event in events:
        assert decoded(event.b64_json).size == (1024, 1024)
    usage = events[-1].usage
    assert usage.input_tokens_details.image_tokens == 194 and usage.total_tokens > usage.output_tokens


def test_edit_with_several_images(sdk):
    images = [("a.png", png(Image.new("RGB", (512, 512), colour)), "image/png") for colour in ("red", "green", "blue")]
    result = sdk.images.edit(image=images, prompt="A gift basket", model="gpt-image-1", size="1024x1024", quality="low")
    assert decoded(result.data[0].b64_json).size == (1024, 1024)
    assert result.usage.input_tokens_details.image_tokens == 3 * 49


def test_non_stream_generate(sdk):
    result = sdk.images.generate(model="gpt-image-1.5", prompt="Logo for Acme Bakery", size="1024x1024", quality="high")
    assert (result.size, result.quality, result.background, result.output_format) == ("1024x1024", "high", "opaque", "png")
    image = decoded(result.data[0].b64_json)
    assert (image.format, image.size) == ("PNG", (1024, 1024))
    assert result.usage.output_tokens == 4160 and result.usage.total_tokens > 4160


def test_sdk_raises_openai_errors(sdk):
    with pytest.raises(openai.BadRequestError) as bad_size:
        sdk.images.generate(model="gpt-image-1.5", prompt="x", size="1200x600")
    assert (bad_size.value.code, bad_size.value.param) == ("invalid_value", "size")
    with pytest.raises(openai.RateLimitError):
        sdk.images.generate(model="gpt-image-1.5", prompt="x [[engine:429]]")
    with pytest.raises(openai.APIError) as mid_stream:
        for _ in sdk.images.generate(model="gpt-image-1.5", prompt="x [[engine:moderation]]", stream=True):
            pass
    assert mid_stream.value.code == "moderation_blocked"

"""Property: no request body makes the engine's request readers fail other than with `ApiError`
and a 4xx (OpenAI's error JSON), and no body makes the routes answer a 5xx.

The readers are the functions the routes call, in the routes' order, up to the decoded inputs
(rendering is left out: it is not reading, and would make each example cost a drawing). Multipart
bodies go through Starlette's real parser from a real ASGI receive channel. 200 examples per
property (ci)."""

from __future__ import annotations

import asyncio
import io
import json
from typing import Any

import httpx
from hypothesis import example, given
from hypothesis import strategies as st
from PIL import Image
from starlette.requests import Request

from email_image_app.imagegen import engine_requests
from email_image_app.imagegen import engine_uploads
from email_image_app.imagegen.engine_errors import ApiError
from email_image_app.imagegen.engine_requests import EngineLimits
from email_image_app.imagegen.server import create_engine_app
from tests import hypothesis_profiles  # noqa: F401  (loads the settings profile)
from tests.asgi_client import InProcessClient

# Small caps so that examples stay cheap; the code paths are the same as at OpenAI's figures.
LIMITS = EngineLimits(max_file_bytes=64 * 1024, max_input_pixels=20_000, max_total_input_pixels=40_000, max_prompt_chars=200)
FIELDS = sorted(engine_requests.EDIT_FIELDS | {"response_format", "style"})


def _image(fmt: str, size: tuple[int, int], mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, (30, 90, 160, 0) if mode == "RGBA" else (30, 90, 160)).save(buffer, fmt)
    return buffer.getvalue()


PNG, PNG_ALPHA, JPEG, WEBP = _image("PNG", (40, 30)), _image("PNG", (40, 30), "RGBA"), _image("JPEG", (40, 30)), _image("WEBP", (40, 30))
BIG_PNG = _image("PNG", (200, 150))  # over the per-image cap above
MID_PNG = _image("PNG", (140, 140))  # under it, but three of them pass the per-request cap
FILE_BYTES = st.sampled_from(
    [PNG, PNG, PNG_ALPHA, JPEG, WEBP, MID_PNG, BIG_PNG, PNG[:60], PNG[:-20], b"", b"GIF89a", _image("GIF", (4, 4))]
) | st.binary(max_size=64)

# JSON values, hostile: Python's json module writes Infinity/NaN and any size of integer.
json_values = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=True, allow_infinity=True) | st.integers()
    | st.integers(min_value=-3, max_value=12) | st.text(max_size=12)
    | st.sampled_from(["1024x1024", "auto", "gpt-image-2", "gpt-image-1", "png", "jpeg", "high", "transparent", "true", "1_0"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)
field_names = st.sampled_from(FIELDS) | st.text(max_size=10)
json_bodies = st.dictionaries(field_names, json_values, max_size=8) | json_values


def _generation_text(body: Any) -> bytes:
    return json.dumps(body).encode()


def _read_generation(raw: bytes) -> None:
    try:
        engine_requests.read_generation(raw, LIMITS)
    except ApiError as error:
        assert 400 <= error.status < 500, error.message


@given(body=json_bodies.map(_generation_text) | st.binary(max_size=300))
@example(b'{"prompt": "x", "n": Infinity}')
@example(b'{"prompt": "x", "n": 1e400}')
@example(b'{"prompt": "x", "user": ' + b"[" * 50_000 + b"}")
@example(b'{"prompt": "x", "n": 1' + b"0" * 5_000 + b"}")
def test_generation_reader_raises_only_api_errors(body: bytes) -> None:
    _read_generation(body)


# --- edits: multipart through Starlette's parser --------------------------------------------------

text_values = st.sampled_from([
    "1", "2", "0", "-1", "11", "1.9", "1_0", " 2", "true", "false", "True", "", "Infinity", "NaN",
    "1024x1024", "1536x1024", "64x64", "1_024x1_024", "auto", "gpt-image-2", "gpt-image-1", "gpt-image-1-mini", "dall-e-2",
    "png", "jpeg", "webp", "low", "high", "transparent", "opaque",
]) | st.text(max_size=12)
content_types = st.sampled_from(["image/png"] * 4 + ["image/jpeg", "image/webp", "image/gif", "application/octet-stream", "", "image/png; x=1"])
part_names = st.sampled_from(["image", "image[]", "image[x]", "mask", "prompt", "images"]) | field_names
OPTION_FIELDS = ["n", "size", "quality", "model", "stream", "partial_images", "output_format", "background",
                 "input_fidelity", "output_compression", "moderation", "user", "response_format"]


@st.composite
def multipart_parts(draw: st.DrawFn) -> list[tuple[str, Any]]:
    """Mostly plausible edit uploads (so examples reach the file checks and the decoding), with
    hostile values, names and files mixed in."""
    parts: list[tuple[str, Any]] = []
    if draw(st.integers(0, 9)):
        parts.append(("prompt", (None, draw(st.sampled_from(["Make it teal"] * 4 + ["", " "]) | st.text(max_size=20)))))
    image_name = draw(st.sampled_from(["image", "image[]", "image[0]"]))
    for index in range(draw(st.integers(0, 3))):
        parts.append((image_name if image_name != "image[0]" else f"image[{index}]",
                      (draw(st.sampled_from(["a.png", "b.jpg", "noext"])), draw(FILE_BYTES), draw(content_types))))
    if draw(st.integers(0, 3)) == 0:
        parts.append(("mask", ("m.png", draw(st.sampled_from([PNG_ALPHA, PNG]) | FILE_BYTES), draw(content_types))))
    for _ in range(draw(st.integers(0, 3))):
        parts.append((draw(st.sampled_from(OPTION_FIELDS)), (None, draw(text_values))))
    if draw(st.integers(0, 9)) == 0:
        parts.append((draw(part_names), (None, draw(text_values))))
    return parts


def _request(body: bytes, content_type: str) -> Request:
    chunks = [body[i:i + 512] for i in range(0, len(body), 512)] or [b""]

    async def receive() -> dict[str, Any]:
        if chunks:
            chunk = chunks.pop(0)
            return {"type": "http.request", "body": chunk, "more_body": bool(chunks)}
        return {"type": "http.disconnect"}

    scope = {
        "type": "http", "method": "POST", "path": "/v1/images/edits", "root_path": "", "query_string": b"",
        "headers": [(b"content-type", content_type.encode("latin-1")), (b"content-length", str(len(body)).encode())],
    }
    return Request(scope, receive)


async def _read_edit(body: bytes, content_type: str) -> None:
    """The edit route's reading steps, in its order: fields, file checks, size, decoding."""
    try:
        image_request, upload = await engine_uploads.read_edit(_request(body, content_type), LIMITS)
        checked = engine_uploads.check_images(upload, LIMITS)
        width, height = engine_uploads.edit_output_size(image_request.options, checked.images[0])
        # Decoding for the real output size would cost a 1024x1024 canvas per example; the
        # reduction itself is size-independent, so decode for a small box instead.
        engine_uploads.load_inputs(checked, min(width, 64), min(height, 64))
    except ApiError as error:
        assert 400 <= error.status < 500, error.message


@given(parts=multipart_parts())
def test_multipart_edit_reader_raises_only_api_errors(parts: list[tuple[str, Any]]) -> None:
    request = httpx.Request("POST", "http://engine/v1/images/edits", files=parts or [("prompt", (None, "x"))])
    asyncio.run(_read_edit(request.read(), request.headers["content-type"]))


@given(
    body=st.binary(max_size=400),
    content_type=st.sampled_from(["multipart/form-data; boundary=b0undary", "multipart/form-data", "application/x-www-form-urlencoded", "application/json", "text/plain"]),
)
@example(b'--b0undary\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n' + PNG[:60] + b"\r\n--b0undary--\r\n", "multipart/form-data; boundary=b0undary")
def test_raw_edit_bodies_raise_only_api_errors(body: bytes, content_type: str) -> None:
    asyncio.run(_read_edit(body, content_type))


@given(body=json_bodies.map(_generation_text) | st.builds(
    lambda extra, images: json.dumps({"prompt": "x", "images": images, **extra}).encode(),
    st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=3),
    st.lists(st.fixed_dictionaries({}, optional={"image_url": st.sampled_from([
        "data:image/png;base64,", "data:image/png;base64,%%%", "https://x/a.png",
    ]) | json_values, "file_id": json_values}), max_size=3),
))
def test_json_edit_reader_raises_only_api_errors(body: bytes) -> None:
    asyncio.run(_read_edit(body, "application/json"))


# --- the routes themselves: never a 5xx -----------------------------------------------------------

ROUTE_CLIENT = InProcessClient(create_engine_app(step_delay=0, limits=LIMITS))


@given(
    path=st.sampled_from(["/v1/images/generations", "/v1/images/edits", "/images/edits"]),
    body=st.binary(max_size=300) | json_bodies.filter(lambda b: not isinstance(b, dict) or "prompt" not in b).map(_generation_text),
    content_type=st.sampled_from(["application/json", "multipart/form-data; boundary=x", "text/plain", ""]),
    method=st.sampled_from(["POST", "POST", "POST", "GET", "PUT", "DELETE"]),
)
def test_routes_answer_4xx_json_never_5xx(path: str, body: bytes, content_type: str, method: str) -> None:
    # Bodies without a prompt never reach a drawing, so each example stays cheap.
    response = ROUTE_CLIENT.request(method, path, content=body, headers={"Content-Type": content_type})
    assert 400 <= response.status_code < 500, response.text[:300]
    error = response.json()["error"]
    assert {"message", "type", "param", "code"} <= set(error)

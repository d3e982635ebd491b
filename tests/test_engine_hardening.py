"""Issue 10, engine side: every malformed value refused with OpenAI's error JSON, wrong methods
answered 405 where the app mounts the routes, body and pixel limits that fit the route, inputs
reduced to the output size, work stopped when the client leaves, and fault markers off by default.

All against the real routes: in-process over httpx's ASGI transport, mounted exactly as the app
mounts them (Reflex's `api_transformer` puts its own app behind them at ""), or over loopback
HTTP where a real disconnect is needed."""

from __future__ import annotations

import base64
import io
import json
import socket
import time
from typing import Any, AsyncIterator, Iterator

import httpx
import pytest
from PIL import Image, ImageDraw
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Mount

from email_image_app.imagegen import engine, server
from email_image_app.imagegen.engine_requests import EngineLimits
from email_image_app.imagegen.engine_retouch import inset_side
from email_image_app.imagegen.server import FAULTS_ENV, create_engine_app
from tests.asgi_client import InProcessClient
from tests.loopback import serve_asgi

GENERATIONS, EDITS = "/v1/images/generations", "/v1/images/edits"


def png(size: tuple[int, int], colour: tuple[int, ...] = (40, 120, 200), mode: str = "RGB") -> bytes:
    image = Image.new(mode, size, colour)
    ImageDraw.Draw(image).ellipse((size[0] // 4, size[1] // 4, size[0] // 2, size[1] // 2), fill=(240, 200, 30))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def mask(size: tuple[int, int]) -> bytes:
    image = Image.new("LA", size, (0, 255))
    ImageDraw.Draw(image).rectangle((0, 0, size[0] // 2 - 1, size[1] - 1), fill=(0, 0))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


async def _reflex_like_fallback(scope: Any, receive: Any, send: Any) -> None:
    """Stands for the Reflex app that `api_transformer` mounts at "" behind the engine's routes."""
    await HTMLResponse("<html>404: page not found</html>", status_code=404)(scope, receive, send)


def mounted_like_the_app(engine_routes: list) -> Starlette:
    app = Starlette(routes=list(engine_routes))
    app.mount("", _reflex_like_fallback)  # what reflex.App does with api_transformer
    return app


@pytest.fixture(scope="module")
def client() -> Iterator[InProcessClient]:
    app = mounted_like_the_app(create_engine_app(step_delay=0).router.routes)
    with InProcessClient(app) as http:
        yield http


def assert_refused(response: httpx.Response, status: int, param: str | None = None, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert set(error) >= {"message", "type", "param", "code"} and error["message"]
    if param is not None:
        assert error["param"] == param, error
    if code is not None:
        assert error["code"] == code, error
    return error


def post_json_text(http: InProcessClient, path: str, text: str) -> httpx.Response:
    return http.post(path, content=text.encode(), headers={"Content-Type": "application/json"})


# --- numbers: finite, integral, never booleans ---------------------------------------------------

NON_FINITE = ["Infinity", "-Infinity", "NaN", "1e400", "-1e400"]


@pytest.mark.parametrize("literal", NON_FINITE)
@pytest.mark.parametrize("field", ["n", "partial_images", "output_compression"])
def test_non_finite_numbers_are_refused_on_generations(client, literal, field):
    response = post_json_text(client, GENERATIONS, f'{{"prompt": "x", "output_format": "webp", "{field}": {literal}}}')
    error = assert_refused(response, 400)
    assert "finite" in error["message"]


@pytest.mark.parametrize("literal", NON_FINITE)
def test_non_finite_numbers_are_refused_on_json_edits(client, literal):
    data_url = "data:image/png;base64,iVBORw0KGgo="
    text = f'{{"prompt": "x", "images": [{{"image_url": "{data_url}"}}], "n": {literal}}}'
    assert "finite" in assert_refused(post_json_text(client, EDITS, text), 400)["message"]


@pytest.mark.parametrize("value", ["Infinity", "NaN", "1e400", "1.9", "1_0", " 2", "+2", "٣", "true", "0x2"])
def test_multipart_integers_must_be_plain_decimal(client, value):
    response = client.post(EDITS, data={"prompt": "x", "n": value}, files={"image": ("a.png", png((64, 64)), "image/png")})
    assert_refused(response, 400, "n", "invalid_type")


@pytest.mark.parametrize("depth", [100, 5_000])
@pytest.mark.parametrize("path", [GENERATIONS, EDITS])
def test_deeply_nested_json_is_refused(client, path, depth):
    text = '{"prompt": "x", "user": ' + "[" * depth + "]" * depth + "}"
    assert_refused(post_json_text(client, path, text), 400)


@pytest.mark.parametrize(
    "body, param, code",
    [
        ({"n": 0}, "n", "invalid_value"),
        ({"n": 1.9}, "n", "invalid_type"),
        ({"n": True}, "n", "invalid_type"),
        ({"n": "2"}, "n", "invalid_type"),
        ({"partial_images": False, "stream": True}, "partial_images", "invalid_type"),
        ({"output_compression": 50.5, "output_format": "jpeg"}, "output_compression", "invalid_type"),
        ({"size": "1_024x1_024"}, "size", "invalid_value"),
        ({"size": " 1024x1024"}, "size", "invalid_value"),
        ({"size": "01024x1024"}, "size", "invalid_value"),
        ({"size": 1024}, "size", "invalid_type"),
        ({"model": ["gpt-image-1"]}, "model", "invalid_type"),
        ({"stream": "true"}, "stream", "invalid_type"),
        ({"stream": 1}, "stream", "invalid_type"),
        ({"user": {"id": 1}}, "user", "invalid_type"),
    ],
)
def test_values_are_refused_not_coerced(client, body, param, code):
    assert_refused(client.post(GENERATIONS, json={"prompt": "x", **body}), 400, param, code)


def test_an_integral_json_number_is_an_integer(client):
    body = client.post(GENERATIONS, json={"prompt": "x", "n": 2.0, "quality": "low"}).json()
    assert len(body["data"]) == 2


@pytest.mark.parametrize("size", ["1_024x1_024", "1024X1024 ", "1024x1024\n"])
def test_multipart_size_is_refused_not_coerced(client, size):
    response = client.post(EDITS, data={"prompt": "x", "size": size}, files={"image": ("a.png", png((64, 64)), "image/png")})
    assert_refused(response, 400, "size", "invalid_value")


# --- wrong methods -------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize("path", [GENERATIONS, EDITS, "/images/generations", "/images/edits"])
def test_wrong_method_is_a_json_405_with_allow_where_the_app_mounts_the_routes(method, path):
    app = mounted_like_the_app(server.routes)  # the module's routes, as email_image_app.py mounts them
    with InProcessClient(app) as http:
        response = http.request(method, path)
        assert_refused(response, 405, None, "method_not_allowed")
        assert response.headers["allow"] == "POST"
        assert method in response.json()["error"]["message"]
        # The fallback still serves everything else, so the 405 above came from the engine's route.
        assert http.get("/v1/no-such-route").status_code == 404
        assert "html" in http.get("/v1/no-such-route").headers["content-type"]


def test_the_405_names_the_full_path_when_the_engine_is_mounted_at_v1():
    with InProcessClient(Starlette(routes=[Mount("/v1", app=create_engine_app(step_delay=0))])) as http:
        response = http.get("/v1/images/edits")
        assert assert_refused(response, 405)["message"] == "Invalid method for URL (GET /v1/images/edits): use POST."


def test_status_route_takes_get_and_refuses_post(client):
    assert client.get("/v1/engine/status").json()["engine"] == "offline"
    response = client.post("/v1/engine/status")
    assert_refused(response, 405, None, "method_not_allowed")
    assert response.headers["allow"] == "GET, HEAD"


# --- body limits ---------------------------------------------------------------------------------


def test_generations_body_limit_fits_the_longest_prompt_and_refuses_more(client):
    limit = EngineLimits().max_generation_json_bytes
    assert limit < 1024 * 1024  # kilobytes, not the 64 MB it used to share with JSON edits
    # The longest prompt, in the longest JSON escapes (astral characters as two \uXXXX each):
    longest = json.dumps({"prompt": "\U0001F381" * 32_000, "quality": "low", "size": "1024x1024"})
    assert len(longest) <= limit
    assert post_json_text(client, GENERATIONS, longest).status_code == 200
    too_big = '{"prompt": "x", "user": "' + "u" * limit + '"}'
    assert_refused(post_json_text(client, GENERATIONS, too_big), 413, None, "request_too_large")


def test_an_oversized_body_without_content_length_is_cut_off(client):
    limit = EngineLimits().max_generation_json_bytes

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"prompt": "x", "user": "'
        for _ in range(limit // 65536 + 2):
            yield b"u" * 65536
        yield b'"}'

    response = client.post(GENERATIONS, content=chunks(), headers={"Content-Type": "application/json"})
    assert "content-length" not in response.request.headers
    assert_refused(response, 413, None, "request_too_large")


# --- cost bounded by the output ------------------------------------------------------------------


def test_total_input_pixels_per_request_are_capped_and_the_cap_is_named():
    limits = EngineLimits(max_input_pixels=40_000, max_total_input_pixels=100_000)
    app = create_engine_app(step_delay=0, limits=limits)
    with InProcessClient(app) as http:
        three = [("image[]", (f"{i}.png", png((200, 200)), "image/png")) for i in range(3)]  # 120,000 px
        error = assert_refused(http.post(EDITS, data={"prompt": "x"}, files=three), 400, "image", "image_too_large")
        assert "100,000" in error["message"] and "120,000" in error["message"]
        # The mask counts: two images + mask = 120,000 px.
        with_mask = three[:2] + [("mask", ("m.png", mask((200, 200)), "image/png"))]
        assert_refused(http.post(EDITS, data={"prompt": "x"}, files=with_mask), 400, "image", "image_too_large")
        assert http.post(EDITS, data={"prompt": "x", "size": "1024x1024", "quality": "low"}, files=three[:2]).status_code == 200


def test_inputs_are_reduced_to_the_output_before_any_stage():
    big = png((4000, 3000))
    jpeg = io.BytesIO()
    Image.new("RGB", (4000, 3000), (200, 30, 30)).save(jpeg, "JPEG")
    inputs = engine.load_edit_inputs([big, jpeg.getvalue(), big], 1024, 1024, mask=mask((4000, 3000)))
    assert inputs.source.size == (1024, 1024) and inputs.mask.size == (1024, 1024)
    side = inset_side((1024, 1024))
    for reference in inputs.references:
        assert min(reference.size) == side and max(reference.size) <= side * 4 // 3 + 1


def test_a_large_masked_edit_is_drawn_at_the_output_size_and_keeps_the_masked_pixels(client):
    source = png((2048, 2048))
    files = [("image", ("a.png", source, "image/png")), ("mask", ("m.png", mask((2048, 2048)), "image/png"))]
    body = client.post(EDITS, data={"prompt": "Add a perfume bottle", "size": "1024x1024", "quality": "low"}, files=files).json()
    result = Image.open(io.BytesIO(base64.b64decode(body["data"][0]["b64_json"]))).convert("RGB")
    expected = Image.open(io.BytesIO(source)).convert("RGB").resize((1024, 1024), Image.Resampling.LANCZOS)
    kept = (600, 0, 1024, 1024)  # right half: mask opaque (a margin away from the edge of the hole)
    assert result.size == (1024, 1024)
    assert result.crop(kept).tobytes() == expected.crop(kept).tobytes()
    assert result.crop((0, 0, 400, 1024)).tobytes() != expected.crop((0, 0, 400, 1024)).tobytes()


def _wait_for(condition: Any, timeout: float = 20) -> bool:
    """Poll an observable condition of the server (not a fixed pause) until it holds or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def test_a_non_stream_request_stops_rendering_when_its_client_leaves():
    app = create_engine_app(step_delay=0.3)
    stats = app.state.engine.stats
    with serve_asgi(app) as url:
        host, port = url.removeprefix("http://").split(":")
        body = json.dumps({"prompt": "Sale", "size": "1024x1024", "quality": "low", "n": 10}).encode()
        request = (
            f"POST {GENERATIONS} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode() + body
        with socket.create_connection((host, int(port))) as connection:
            connection.sendall(request)
            assert _wait_for(lambda: stats.stages_rendered >= 1)
        assert _wait_for(lambda: stats.responses_abandoned == 1)
    assert stats.stages_rendered < 10, stats  # of the 10 images asked for


# --- fault markers -------------------------------------------------------------------------------


def test_markers_are_prompt_text_unless_faults_are_enabled(client, monkeypatch):
    monkeypatch.delenv(FAULTS_ENV, raising=False)
    response = client.post(GENERATIONS, json={"prompt": "Sale [[engine:401]]", "quality": "low"})
    assert response.status_code == 200 and response.json()["data"][0]["b64_json"]
    events = client.post(GENERATIONS, json={"prompt": "Sale [[engine:error]]", "quality": "low", "stream": True})
    assert events.status_code == 200 and b"event: error" not in events.content
    assert b"image_generation.completed" in events.content
    monkeypatch.setenv(FAULTS_ENV, "0")
    assert client.post(GENERATIONS, json={"prompt": "x [[engine:429]]", "quality": "low"}).status_code == 200
    monkeypatch.setenv(FAULTS_ENV, "1")
    assert_refused(client.post(GENERATIONS, json={"prompt": "x [[engine:401]]"}), 401, None, "invalid_api_key")
    assert_refused(
        client.post(EDITS, data={"prompt": "x [[engine:429]]"}, files={"image": ("a.png", png((64, 64)), "image/png")}),
        429, None, "rate_limit_exceeded",
    )

"""The offline engine over real loopback HTTP: exact SSE framing, OpenAI's error JSON, edits in
every upload form, pacing, disconnects and the test hooks."""

from __future__ import annotations

import base64
import io
import json
import re
import time
from typing import Any, Iterator

import httpx
import pytest
from PIL import Image, ImageChops, ImageDraw
from starlette.applications import Starlette
from starlette.routing import Mount

from email_image_app.imagegen.engine_requests import EngineLimits
from email_image_app.imagegen.server import FAULTS_ENV, STEP_DELAY_ENV, EngineEndpoints, create_engine_app
from tests.loopback import serve_asgi

FRAME = re.compile(rb"event: ([a-z_.]+)\ndata: ([^\n]*)\n\n")
IMAGE_FIELDS = {"type", "b64_json", "created_at", "size", "quality", "background", "output_format", "sequence_number"}


@pytest.fixture(scope="module")
def engine_url() -> Iterator[str]:
    with serve_asgi(create_engine_app(step_delay=0)) as url:
        yield url


@pytest.fixture(scope="module")
def http(engine_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=engine_url, timeout=30) as client:
        yield client


def png(size: tuple[int, int] = (1024, 1024), colour: tuple[int, ...] = (40, 120, 200), mode: str = "RGB") -> bytes:
    image = Image.new(mode, size, colour)
    ImageDraw.Draw(image).ellipse((size[0] // 4, size[1] // 4, size[0] // 2, size[1] // 2), fill=(240, 200, 30))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def mask_png(size: tuple[int, int] = (1024, 1024)) -> bytes:
    mask = Image.new("RGBA", size, (0, 0, 0, 255))
    # Alpha 0 (edit here) on the left half; ImageDraw boxes include their last pixel.
    ImageDraw.Draw(mask).rectangle((0, 0, size[0] // 2 - 1, size[1] - 1), fill=(0, 0, 0, 0))
    buffer = io.BytesIO()
    mask.save(buffer, "PNG")
    return buffer.getvalue()


def frames(raw: bytes) -> list[tuple[str, dict[str, Any]]]:
    """Split a whole SSE body, insisting that it is nothing but exact OpenAI-style frames."""
    assert FRAME.sub(b"", raw) == b"", "bytes outside `event: X\\ndata: {json}\\n\\n` frames"
    events = []
    for name, data in FRAME.findall(raw):
        payload = json.loads(data)
        assert data == json.dumps(payload, separators=(",", ":")).encode(), "data is not compact JSON"
        assert payload["type"] == name.decode()
        events.append((name.decode(), payload))
    return events


def stream(http: httpx.Client, path: str, **request: Any) -> tuple[httpx.Response, list[tuple[str, dict[str, Any]]]]:
    with http.stream("POST", path, **request) as response:
        raw = response.read()
    assert response.status_code == 200, raw[:500]
    return response, frames(raw)


def decoded(payload: dict[str, Any]) -> Image.Image:
    return Image.open(io.BytesIO(base64.b64decode(payload["b64_json"])))


def assert_openai_error(response: httpx.Response, status: int, param: str | None, code: str | None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["x-request-id"].startswith("req_")
    error = response.json()["error"]
    assert {"message", "type", "param", "code"} <= set(error)
    assert error["message"] and error["type"] in (
        "invalid_request_error", "image_generation_user_error", "image_generation_server_error", "rate_limit_exceeded"
    )
    assert (error["param"], error["code"]) == (param, code), error
    return error


# --- generations: stream -------------------------------------------------------------------------


def test_stream_is_exact_sse_frames_partials_then_completed(http):
    response, events = stream(
        http, "/v1/images/generations",
        json={"model": "gpt-image-1.5", "prompt": "Summer sale", "size": "1024x1024", "stream": True, "partial_images": 2},
    )
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["x-request-id"].startswith("req_")
    assert [name for name, _ in events] == [
        "image_generation.partial_image", "image_generation.partial_image", "image_generation.completed"
    ]
    partials, completed = [payload for _, payload in events[:2]], events[2][1]
    assert [p["partial_image_index"] for p in partials] == [0, 1]
    assert [p["sequence_number"] for _, p in events] == [0, 1, 2]
    for payload in partials:
        assert set(payload) == IMAGE_FIELDS | {"partial_image_index"}
    assert set(completed) == IMAGE_FIELDS | {"usage"}
    assert (completed["size"], completed["quality"], completed["background"], completed["output_format"]) == (
        "1024x1024", "medium", "opaque", "png"
    )
    assert completed["usage"]["output_tokens"] == 1056 + 2 * 100
    usage = completed["usage"]
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]
    for _, payload in events:
        image = decoded(payload)
        assert (image.format, image.size) == ("PNG", (1024, 1024))


@pytest.mark.parametrize("partial_images", [0, 3])
def test_stream_sends_the_requested_number_of_partials(http, partial_images):
    _, events = stream(
        http, "/v1/images/generations",
        json={"prompt": "Banner", "size": "1536x1024", "quality": "low", "stream": True, "partial_images": partial_images},
    )
    names = [name for name, _ in events]
    assert names == ["image_generation.partial_image"] * partial_images + ["image_generation.completed"]
    assert events[-1][1]["usage"]["output_tokens"] == 400 + 100 * partial_images


def test_stream_switches_on_the_body_not_the_accept_header(http):
    as_json = http.post(
        "/v1/images/generations", json={"prompt": "Sale", "partial_images": 2}, headers={"Accept": "text/event-stream"}
    )
    assert as_json.headers["content-type"].startswith("application/json")
    response, events = stream(
        http, "/v1/images/generations", json={"prompt": "Sale", "stream": True}, headers={"Accept": "application/json"}
    )
    assert response.headers["content-type"].startswith("text/event-stream")
    assert [name for name, _ in events] == ["image_generation.completed"]


def test_n_images_stream_one_after_another(http):
    _, events = stream(http, "/v1/images/generations", json={"prompt": "Gift box", "n": 2, "stream": True, "partial_images": 1})
    assert [name.rsplit(".", 1)[1] for name, _ in events] == ["partial_image", "completed", "partial_image", "completed"]
    assert [payload["sequence_number"] for _, payload in events] == [0, 1, 2, 3]
    assert events[1][1]["b64_json"] != events[3][1]["b64_json"]


# --- generations: JSON response ------------------------------------------------------------------


def test_non_stream_response_is_openai_images_response(http):
    response = http.post(
        "/v1/images/generations",
        json={"model": "gpt-image-1", "prompt": "Logo for Acme", "size": "1024x1536", "quality": "high",
              "background": "transparent", "output_format": "webp", "n": 2},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"created", "background", "data", "output_format", "quality", "size", "usage"}
    assert (body["background"], body["output_format"], body["quality"], body["size"]) == ("transparent", "webp", "high", "1024x1536")
    assert len(body["data"]) == 2 and set(body["data"][0]) == {"b64_json"}
    image = decoded(body["data"][0])
    assert (image.format, image.size, image.mode) == ("WEBP", (1024, 1536), "RGBA")
    assert body["usage"]["output_tokens"] == 2 * 6240
    assert body["usage"]["total_tokens"] == body["usage"]["input_tokens"] + 2 * 6240


def test_auto_size_generates_square(http):
    body = http.post("/v1/images/generations", json={"prompt": "Coffee", "size": "auto"}).json()
    assert body["size"] == "1024x1024" and decoded(body["data"][0]).size == (1024, 1024)


def test_gpt_image_2_takes_free_sizes(http):
    body = http.post("/v1/images/generations", json={"model": "gpt-image-2", "prompt": "Header", "size": "1536x768"}).json()
    assert decoded(body["data"][0]).size == (1536, 768)


def test_routes_answer_without_the_v1_prefix_and_when_mounted_at_v1():
    mounted = Starlette(routes=[Mount("/v1", app=create_engine_app(step_delay=0))])
    with serve_asgi(mounted) as url, httpx.Client(base_url=url, timeout=30) as client:
        assert client.post("/v1/images/generations", json={"prompt": "x", "size": "1024x1024"}).status_code == 200
    with serve_asgi(create_engine_app(step_delay=0)) as url, httpx.Client(base_url=url, timeout=30) as client:
        assert client.post("/images/generations", json={"prompt": "x"}).status_code == 200


# --- generations: validation errors --------------------------------------------------------------


@pytest.mark.parametrize(
    "body, param, code",
    [
        ({"prompt": "x", "size": "123x456"}, "size", "invalid_value"),
        ({"prompt": "x", "model": "dall-e-3"}, "model", "invalid_value"),
        ({"prompt": "x", "model": "gpt-image-1", "response_format": "b64_json"}, "response_format", "unknown_parameter"),
        ({"prompt": "x", "style": "vivid"}, "style", "unknown_parameter"),
        ({"prompt": "x", "bogus": 1}, "bogus", "unknown_parameter"),
        ({"size": "1024x1024"}, "prompt", "missing_required_parameter"),
        ({"prompt": ""}, "prompt", "empty_string"),
        ({"prompt": 42}, "prompt", "invalid_type"),
        ({"prompt": "x" * 32001}, "prompt", "string_above_max_length"),
        ({"prompt": "x", "background": "transparent", "output_format": "jpeg"}, "background", "invalid_value"),
        ({"prompt": "x", "quality": "hd"}, "quality", "invalid_value"),
        ({"prompt": "x", "partial_images": 4, "stream": True}, "partial_images", "invalid_value"),
        ({"prompt": "x", "n": 11}, "n", "invalid_value"),
        ({"prompt": "x", "output_compression": 101, "output_format": "webp"}, "output_compression", "invalid_value"),
        ({"prompt": "x", "stream": "yes"}, "stream", "invalid_type"),
    ],
)
def test_generation_validation_errors_use_openai_error_json(http, body, param, code):
    assert_openai_error(http.post("/v1/images/generations", json=body), 400, param, code)


def test_size_and_model_errors_are_image_generation_user_errors(http):
    error = assert_openai_error(http.post("/v1/images/generations", json={"prompt": "x", "size": "1x1"}), 400, "size", "invalid_value")
    assert error["type"] == "image_generation_user_error"
    error = assert_openai_error(http.post("/v1/images/generations", json={"prompt": "x", "model": "dall-e-2"}), 400, "model", "invalid_value")
    assert "dall-e-2" in error["message"] and "gpt-image-1-mini" in error["message"]


def test_body_that_is_not_json_is_refused(http):
    response = http.post("/v1/images/generations", content=b"prompt=hello", headers={"Content-Type": "application/json"})
    error = assert_openai_error(response, 400, None, None)
    assert "JSON" in error["message"]


# --- edits ---------------------------------------------------------------------------------------


def test_multipart_edit_with_single_image_streams_edit_events(http):
    response, events = stream(
        http, "/v1/images/edits",
        data={"prompt": "Make it teal", "stream": "true", "partial_images": "1"},
        files={"image": ("photo.png", png((600, 400)), "image/png")},
    )
    assert [name for name, _ in events] == ["image_edit.partial_image", "image_edit.completed"]
    completed = events[-1][1]
    # size auto: the nearest allowed size to a 3:2 input
    assert completed["size"] == "1536x1024" and decoded(completed).size == (1536, 1024)
    assert completed["usage"]["input_tokens_details"]["image_tokens"] == 45  # 194 x 600*400/1024²
    assert completed["usage"]["output_tokens"] == 1568 + 100


@pytest.mark.parametrize("key_of", [lambda i: "image[]", lambda i: f"image[{i}]"])
def test_multipart_edit_with_repeated_images(http, key_of):
    files = [(key_of(i), (f"p{i}.png", png((1024, 1024), (i * 80, 100, 50)), "image/png")) for i in range(3)]
    body = http.post("/v1/images/edits", data={"prompt": "Put them in a gift basket", "size": "1024x1024"}, files=files).json()
    assert body["usage"]["input_tokens_details"]["image_tokens"] == 3 * 194
    assert decoded(body["data"][0]).size == (1024, 1024)


def test_masked_edit_over_http_keeps_the_masked_pixels(http):
    source = png((1024, 1024))
    response, events = stream(
        http, "/v1/images/edits",
        data={"prompt": "Add a gold perfume bottle", "stream": "true", "partial_images": "2"},
        files=[("image", ("photo.png", source, "image/png")), ("mask", ("mask.png", mask_png(), "image/png"))],
    )
    original = Image.open(io.BytesIO(source)).convert("RGB")
    for _, payload in events:
        image = decoded(payload).convert("RGB")
        assert image.size == (1024, 1024)
        kept = (512, 0, 1024, 1024)
        assert ImageChops.difference(image.crop(kept), original.crop(kept)).getbbox() is None
        assert ImageChops.difference(image.crop((0, 0, 512, 1024)), original.crop((0, 0, 512, 1024))).getbbox() is not None


def test_json_edit_with_data_urls(http):
    data_url = "data:image/png;base64," + base64.b64encode(png((1024, 1536))).decode()
    body = http.post(
        "/v1/images/edits",
        json={"model": "gpt-image-1.5", "prompt": "Winter sale", "images": [{"image_url": data_url}], "output_format": "jpeg"},
    ).json()
    assert body["size"] == "1024x1536" and decoded(body["data"][0]).format == "JPEG"


def edit_error(http: httpx.Client, files: Any, data: dict[str, str] | None = None) -> httpx.Response:
    return http.post("/v1/images/edits", data=data or {"prompt": "x"}, files=files)


def test_edit_refuses_a_part_without_an_image_mimetype(http):
    files = [("image[]", ("a.png", png(), "image/png")), ("image[]", ("b.bin", png(), "application/octet-stream"))]
    error = assert_openai_error(edit_error(http, files), 400, "image[1]", "unsupported_file_mimetype")
    assert "image[1]" in error["message"] and "application/octet-stream" in error["message"]
    assert_openai_error(edit_error(http, {"image": ("a.txt", b"hello", "text/plain")}), 400, "image", "unsupported_file_mimetype")


def test_edit_refuses_content_that_is_not_an_image(http):
    assert_openai_error(edit_error(http, {"image": ("a.png", b"not a png", "image/png")}), 400, "image", "invalid_image_file")
    gif = io.BytesIO()
    Image.new("RGB", (8, 8)).save(gif, "GIF")
    assert_openai_error(edit_error(http, {"image": ("a.png", gif.getvalue(), "image/png")}), 400, "image", "unsupported_file_mimetype")


def test_edit_refuses_missing_or_too_many_images(http):
    assert_openai_error(http.post("/v1/images/edits", data={"prompt": "x"}, files={"other": ("a", b"", "text/plain")}), 400, "other", "unknown_parameter")
    assert_openai_error(http.post("/v1/images/edits", data={"prompt": "x", "model": "gpt-image-1"}), 400, "image", "missing_required_parameter")
    assert_openai_error(http.post("/v1/images/edits", json={"prompt": "x", "images": []}), 400, "images", "missing_required_parameter")
    tiny = png((16, 16))
    files = [("image[]", (f"{i}.png", tiny, "image/png")) for i in range(17)]
    assert_openai_error(edit_error(http, files), 400, "image", "array_above_max_length")
    assert_openai_error(http.post("/v1/images/edits", data={"prompt": "x", "image": "a string"}), 400, "image", "invalid_type")


def test_edit_refuses_a_mask_of_another_size_or_without_alpha(http):
    files = [("image", ("a.png", png((1024, 1024)), "image/png")), ("mask", ("m.png", mask_png((512, 512)), "image/png"))]
    error = assert_openai_error(edit_error(http, files), 400, "mask", "invalid_value")
    assert "1024x1024" in error["message"]
    files = [("image", ("a.png", png((64, 64)), "image/png")), ("mask", ("m.png", png((64, 64)), "image/png"))]
    assert_openai_error(edit_error(http, files), 400, "mask", "invalid_value")


def test_edit_validates_options_and_prompt_too(http):
    files = {"image": ("a.png", png((64, 64)), "image/png")}
    assert_openai_error(edit_error(http, files, {"prompt": "x", "size": "999x999"}), 400, "size", "invalid_value")
    assert_openai_error(edit_error(http, files, {"prompt": "x", "response_format": "url"}), 400, "response_format", "unknown_parameter")
    assert_openai_error(edit_error(http, files, {"size": "1024x1024"}), 400, "prompt", "missing_required_parameter")
    assert_openai_error(
        edit_error(http, files, {"prompt": "x", "model": "gpt-image-1-mini", "input_fidelity": "high"}),
        400, "input_fidelity", "invalid_input_fidelity_model",
    )
    response = http.post("/v1/images/edits", json={"prompt": "x", "images": [{"image_url": "https://example.com/a.png"}]})
    assert_openai_error(response, 400, "images[0].image_url", "invalid_value")


def test_edit_enforces_file_and_pixel_limits():
    limits = EngineLimits(max_file_bytes=20_000, max_input_pixels=100_000)
    with serve_asgi(create_engine_app(step_delay=0, limits=limits)) as url, httpx.Client(base_url=url, timeout=30) as client:
        noisy = io.BytesIO()
        Image.effect_noise((200, 200), 80).save(noisy, "PNG")  # ~40 kB: over the byte limit
        assert_openai_error(edit_error(client, {"image": ("n.png", noisy.getvalue(), "image/png")}), 400, "image", "file_too_large")
        assert_openai_error(edit_error(client, {"image": ("big.png", png((400, 400)), "image/png")}), 400, "image", "image_too_large")
        assert edit_error(client, {"image": ("ok.png", png((300, 300)), "image/png")}).status_code == 200


# --- pacing, disconnects, configuration ----------------------------------------------------------


def test_step_delay_spaces_the_events():
    delay = 0.2
    with serve_asgi(create_engine_app(step_delay=delay)) as url, httpx.Client(base_url=url, timeout=30) as client:
        arrivals, buffer = [], b""
        body = {"prompt": "Sale", "size": "1024x1024", "quality": "low", "stream": True, "partial_images": 3}
        with client.stream("POST", "/v1/images/generations", json=body) as response:
            for chunk in response.iter_bytes():
                buffer += chunk
                while FRAME.match(buffer):
                    arrivals.append(time.monotonic())
                    buffer = buffer[FRAME.match(buffer).end():]
    assert len(arrivals) == 4
    gaps = [later - earlier for earlier, later in zip(arrivals, arrivals[1:])]
    assert all(gap >= delay * 0.8 for gap in gaps), gaps


def test_client_disconnect_stops_the_work():
    app = create_engine_app(step_delay=0.3)
    stats = app.state.engine.stats
    with serve_asgi(app) as url, httpx.Client(base_url=url, timeout=30) as client:
        body = {"prompt": "Sale", "size": "1024x1024", "quality": "low", "stream": True, "partial_images": 3, "n": 3}
        with client.stream("POST", "/v1/images/generations", json=body) as response:
            next(response.iter_bytes())  # the first event has started to arrive
        deadline = time.monotonic() + 5
        while stats.streams_ended_early == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
    assert stats.streams_ended_early == 1 and stats.streams_completed == 0
    assert stats.stages_rendered < 4, stats  # of the 12 stages asked for


def test_step_delay_comes_from_the_environment_at_request_time(monkeypatch):
    endpoints = EngineEndpoints()
    monkeypatch.setenv(STEP_DELAY_ENV, "0.25")
    assert endpoints.step_delay == 0.25
    monkeypatch.setenv(STEP_DELAY_ENV, "0")
    assert endpoints.step_delay == 0.0
    assert EngineEndpoints(step_delay=1.5).step_delay == 1.5


# --- test hooks ----------------------------------------------------------------------------------


@pytest.fixture
def faults_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """The markers act only with LOCAL_ENGINE_FAULTS=1, read by the engine at each request."""
    monkeypatch.setenv(FAULTS_ENV, "1")


@pytest.mark.parametrize(
    "marker, error_type, code, message",
    [
        ("[[engine:error]]", "image_generation_server_error", "image_generation_failed", "Image generation failed"),
        (
            "[[engine:moderation]]", "image_generation_user_error", "moderation_blocked",
            "Your request was rejected by the safety system.",
        ),
    ],
)
def test_hook_sends_a_mid_stream_error_after_one_partial(http, faults_on, marker, error_type, code, message):
    _, events = stream(http, "/v1/images/generations", json={"prompt": f"Sale {marker}", "stream": True, "partial_images": 3})
    assert [name for name, _ in events] == ["image_generation.partial_image", "error"]
    error = events[1][1]
    assert error["error"] == {"type": error_type, "code": code, "message": message, "param": None}
    assert error["sequence_number"] == 1


def test_cut_hook_closes_the_stream_without_completed(http, faults_on):
    _, events = stream(
        http, "/v1/images/edits",
        data={"prompt": "x [[engine:cut]]", "stream": "true"}, files={"image": ("a.png", png((64, 64)), "image/png")},
    )
    assert [name for name, _ in events] == ["image_edit.partial_image"] * 2


def test_auth_and_rate_limit_hooks(http, faults_on):
    assert_openai_error(http.post("/v1/images/generations", json={"prompt": "x [[engine:401]]"}), 401, None, "invalid_api_key")
    response = http.post("/v1/images/generations", json={"prompt": "x [[engine:429]]", "stream": True})
    assert_openai_error(response, 429, None, "rate_limit_exceeded")
    assert response.headers["retry-after"] == "1"


def test_error_hooks_without_stream_are_http_errors(http, faults_on):
    assert_openai_error(http.post("/v1/images/generations", json={"prompt": "x [[engine:error]]"}), 500, None, "image_generation_failed")
    error = assert_openai_error(http.post("/v1/images/generations", json={"prompt": "x [[engine:moderation]]"}), 400, None, "moderation_blocked")
    assert error["moderation_details"]["moderation_stage"] == "output"

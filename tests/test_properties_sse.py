"""Property: whatever bytes a provider sends, the client's event parsing raises nothing but the
documented `ImageStreamError` classes (events.py), on the SSE path and on the JSON-body path.
200 examples per property (ci)."""

from __future__ import annotations

import asyncio
import json
from typing import Any, AsyncIterator

import httpx
from hypothesis import example, given
from hypothesis import strategies as st

from email_image_app.imagegen.events import ImageCompleted, ImageStreamError, PartialImage
from email_image_app.imagegen.sse import ImageEventDecoder, aiter_image_events
from tests import hypothesis_profiles  # noqa: F401  (loads the settings profile)


class _Chunks(httpx.AsyncByteStream):
    def __init__(self, chunks: list[bytes]) -> None:
        self._chunks = chunks

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self._chunks:
            yield chunk


def parse(chunks: list[bytes], content_type: str) -> list[Any]:
    """Run the client's real parser over a 200 response made of `chunks`."""

    async def collect() -> list[Any]:
        response = httpx.Response(200, headers={"content-type": content_type}, stream=_Chunks(chunks))
        return [event async for event in aiter_image_events(response, ImageEventDecoder(started_at=0.0))]

    return asyncio.run(collect())


def parse_or_documented_error(chunks: list[bytes], content_type: str) -> list[Any]:
    try:
        events = parse(chunks, content_type)
    except ImageStreamError:
        return []
    assert all(isinstance(event, (PartialImage, ImageCompleted)) for event in events)
    return events


CONTENT_TYPES = st.sampled_from(
    ["text/event-stream; charset=utf-8", "text/event-stream", "text/plain", "application/json", ""]
)

# JSON values as a hostile provider might write them: Python's json module emits and reads
# Infinity/NaN, and huge integers, so a parser must survive them in any field.
json_values = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=True, allow_infinity=True) | st.integers()
    | st.integers(min_value=10**300, max_value=10**310) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
EVENT_KEYS = [
    "type", "b64_json", "partial_image_index", "created_at", "size", "quality", "background",
    "output_format", "usage", "error", "sequence_number", "data", "created",
]
USAGE_KEYS = ["input_tokens", "output_tokens", "total_tokens", "input_tokens_details"]
event_payloads = st.dictionaries(
    st.sampled_from(EVENT_KEYS), json_values | st.sampled_from([
        "image_generation.partial_image", "image_edit.completed", "error", "aGVsbG8=",
    ]) | st.dictionaries(st.sampled_from(USAGE_KEYS + ["text_tokens", "image_tokens", "code", "message"]), json_values, max_size=5),
    max_size=8,
)

# Mostly well-formed image events with one hostile value here and there: reaches the field readers.
image_events = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["image_generation.partial_image", "image_edit.completed", "image_generation.completed"]),
        "b64_json": st.sampled_from(["aGVsbG8=", "", "not base64!"]) | json_values,
    },
    optional={
        "partial_image_index": json_values,
        "created_at": json_values,
        "size": json_values,
        "quality": json_values,
        "usage": json_values | st.dictionaries(
            st.sampled_from(USAGE_KEYS), json_values | st.dictionaries(st.sampled_from(["text_tokens", "image_tokens"]), json_values),
        ),
        "error": json_values,
    },
)


@st.composite
def sse_bodies(draw: st.DrawFn) -> list[bytes]:
    """SSE text of a few events (event line, data line with a hostile payload, blank line), with
    comments, `[DONE]` and stray lines mixed in, in any line ending, cut into chunks anywhere."""
    lines: list[str] = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["event", "event", "event", "data", "comment", "junk"]))
        if kind == "event":
            name = draw(st.none() | st.sampled_from(["image_generation.partial_image", "image_edit.completed", "error", "x"]))
            if name is not None:
                lines.append("event: " + name)
            lines.append("data: " + json.dumps(draw(image_events | event_payloads)))
            lines.append("")
        elif kind == "data":
            lines.extend(["data: " + draw(st.sampled_from(["[DONE]", "", "ping", "{", "null", "[1]"])), ""])
        elif kind == "comment":
            lines.append(": keepalive")
        else:
            lines.append(draw(st.text(max_size=30)))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    raw = (newline.join(lines) + draw(st.sampled_from(["", newline]))).encode("utf-8", "surrogatepass")
    cuts = sorted(draw(st.lists(st.integers(0, len(raw)), max_size=4)))
    return [raw[start:end] for start, end in zip([0, *cuts], [*cuts, len(raw)])]


@given(chunks=st.lists(st.binary(max_size=200), max_size=6), content_type=CONTENT_TYPES)
def test_arbitrary_bytes_raise_only_documented_errors(chunks: list[bytes], content_type: str) -> None:
    parse_or_documented_error(chunks, content_type)


@given(chunks=sse_bodies(), content_type=CONTENT_TYPES)
# Found by this property or next to what it found: an index of Infinity, a usage count of letters,
# an error code that is a list, and JSON nested deeper than the parser goes.
@example([b'data: {"type":"image_generation.partial_image","b64_json":"aGk=","partial_image_index":Infinity}\n\n'], "text/event-stream")
@example([b'data: {"type":"image_edit.completed","b64_json":"aGk=","usage":{"input_tokens":"abc","input_tokens_details":[]}}\n\n'], "")
@example([b'event: error\ndata: {"error":{"code":[],"message":{}}}\n\n'], "text/event-stream")
@example([b"data: " + b"[" * 100_000 + b"\n\n"], "text/event-stream")
def test_hostile_sse_events_raise_only_documented_errors(chunks: list[bytes], content_type: str) -> None:
    parse_or_documented_error(chunks, content_type)


@given(body=st.dictionaries(st.sampled_from(EVENT_KEYS), json_values | st.lists(image_events, max_size=3), max_size=6))
def test_hostile_json_bodies_raise_only_documented_errors(body: dict[str, Any]) -> None:
    parse_or_documented_error([json.dumps(body).encode()], "application/json")


def test_json_nested_deeper_than_the_parser_goes_is_a_documented_error() -> None:
    parse_or_documented_error([b"[" * 100_000], "application/json")

"""How fast ImageStreamClient turns a multi-MB image stream into events.

Records an OpenAI-shaped stream (notes/openai-images-api.md §7.1): `--partials` partial images
and a final one, each a noisy Pillow PNG whose base64 is several MB on one `data:` line. Then:

1. loopback: a server in a separate process (uvicorn) replays the recorded bytes over
   127.0.0.1; the figure covers HTTP, SSE splitting, JSON and event building. A raw httpx read
   of the same bytes (no parsing) is shown beside it as the transport's own ceiling.
2. in-process: httpx.MockTransport feeds the recorded bytes in 64 KB chunks, so no socket is
   involved; the figure is the pure parse cost.

Usage: .venv/bin/python bench/bench_client.py [--partials 3] [--side 1024] [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import io
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, AsyncIterator, Awaitable, Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from email_image_app.imagegen.client import ImageStreamClient  # noqa: E402
from email_image_app.imagegen.events import ImageCompleted  # noqa: E402
from email_image_app.imagegen.options import ImageOptions  # noqa: E402

OUT = ROOT / "bench" / "out"
CHUNK = 64 * 1024


def noisy_png_b64(side: int, seed: int) -> str:
    """Noise barely compresses, so the PNG is about as big as the raw pixels (~4 MB base64 at 1024²)."""
    from PIL import Image

    pixels = random_bytes(side * side * 3, seed)
    buffer = io.BytesIO()
    Image.frombytes("RGB", (side, side), pixels).save(buffer, "PNG", compress_level=1)
    return base64.b64encode(buffer.getvalue()).decode()


def random_bytes(count: int, seed: int) -> bytes:
    import random

    return random.Random(seed).randbytes(count)


def record_stream(partials: int, side: int) -> list[bytes]:
    """The events of one generation, framed as OpenAI frames them: event line, one data line, blank line."""
    events = []
    common = {"size": f"{side}x{side}", "quality": "high", "background": "opaque", "output_format": "png"}
    for index in range(partials):
        data = {"type": "image_generation.partial_image", "b64_json": noisy_png_b64(side, index),
                "created_at": 1774267820 + index, **common, "partial_image_index": index, "sequence_number": index}
        events.append(data)
    usage = {"input_tokens": 16, "input_tokens_details": {"image_tokens": 0, "text_tokens": 16},
             "output_tokens": 4160 + 100 * partials, "total_tokens": 4176 + 100 * partials}
    events.append({"type": "image_generation.completed", "b64_json": noisy_png_b64(side, 99),
                   "created_at": 1774267837, **common, "usage": usage, "sequence_number": partials})
    return [f"event: {e['type']}\ndata: {json.dumps(e, separators=(',', ':'))}\n\n".encode() for e in events]


# ---- the replay server (runs in a child process: `bench_client.py --serve FILE`) ---------------


def serve(recording: Path) -> None:
    from tests.loopback import serve_asgi

    events = [part + b"\n\n" for part in recording.read_bytes().split(b"\n\n") if part]

    async def app(scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            return
        while (await receive()).get("more_body"):
            pass
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/event-stream; charset=utf-8")]})
        for event in events:  # one write per event, as a server flushes after each
            await send({"type": "http.response.body", "body": event, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    with serve_asgi(app) as url:
        print(url, flush=True)
        sys.stdin.read()  # until the parent closes our stdin


# ---- measurements ----------------------------------------------------------------------------


async def parse_with_client(client: ImageStreamClient) -> int:
    """Run one generation; returns the number of base64 characters received (a sanity check)."""
    received = 0
    options = ImageOptions(partial_images=3, quality="high")
    async for event in client.stream_generate("A noisy benchmark image", options):
        received += len(event.b64_json)
        if isinstance(event, ImageCompleted):
            assert event.usage is not None
    return received


async def raw_read(url: str) -> int:
    async with httpx.AsyncClient(timeout=60) as http:
        async with http.stream("POST", url, json={"stream": True}) as response:
            return sum([len(chunk) async for chunk in response.aiter_raw()])


async def timed(runs: int, once: Callable[[], Awaitable[Any]]) -> list[float]:
    await once()  # warm-up: connection set-up, imports, caches
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        await once()
        seconds.append(time.perf_counter() - started)
    return seconds


def report(label: str, total_bytes: int, seconds: list[float]) -> None:
    best, median = min(seconds), statistics.median(seconds)
    print(f"  {label:<52} median {total_bytes / 1e6 / median:7.0f} MB/s ({median * 1000:6.1f} ms)"
          f"   best {total_bytes / 1e6 / best:7.0f} MB/s")


async def main(arguments: argparse.Namespace) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    recording = OUT / "recorded-stream.sse"
    events = record_stream(arguments.partials, arguments.side)
    body = b"".join(events)
    recording.write_bytes(body)
    sizes = ", ".join(f"{len(e) / 1e6:.2f}" for e in events)
    print(f"recorded {len(body) / 1e6:.1f} MB: {arguments.partials} partials + final, event sizes {sizes} MB "
          f"-> {recording.relative_to(ROOT)}")
    print(f"python {sys.version.split()[0]}, httpx {httpx.__version__}, {arguments.runs} runs each after a warm-up")

    server = subprocess.Popen([sys.executable, __file__, "--serve", str(recording)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        base_url = server.stdout.readline().strip()  # type: ignore[union-attr]
        if not base_url:
            raise SystemExit("the replay server did not start")
        print(f"1. real loopback ({base_url}, server in a separate process):")
        async with ImageStreamClient(base_url + "/v1", "bench-key") as client:
            report("raw httpx read, no parsing (transport ceiling)", len(body),
                   await timed(arguments.runs, lambda: raw_read(base_url + "/v1/images/generations")))
            report("ImageStreamClient.stream_generate (HTTP + SSE + JSON)", len(body),
                   await timed(arguments.runs, lambda: parse_with_client(client)))
    finally:
        server.stdin.close()  # type: ignore[union-attr]
        server.wait(timeout=15)

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), CHUNK):
            yield body[start : start + CHUNK]

    def replay(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=chunks())

    print("2. in-process, no socket (httpx.MockTransport feeding the recorded bytes in 64 KB chunks):")
    mock = httpx.AsyncClient(transport=httpx.MockTransport(replay))
    async with ImageStreamClient("http://bench.invalid/v1", "bench-key", http_client=mock) as client:
        report("ImageStreamClient.stream_generate (SSE + JSON only)", len(body),
               await timed(arguments.runs, lambda: parse_with_client(client)))
    await mock.aclose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--partials", type=int, default=3)
    parser.add_argument("--side", type=int, default=1024, help="image side in pixels (1024 gives ~4 MB base64)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    parsed = parser.parse_args()
    if parsed.serve:
        serve(parsed.serve)
    else:
        asyncio.run(main(parsed))

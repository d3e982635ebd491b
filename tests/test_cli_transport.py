"""The command line's in-process offline engine: the real client over `InProcessTransport` streams
each event as the engine sends it, and closing the stream stops the engine's work."""

from __future__ import annotations

import asyncio
import time
from contextlib import aclosing

import httpx
import pytest

from email_image_app.cli.engine_transport import InProcessTransport
from email_image_app.cli.provider import IN_PROCESS_BASE_URL, open_client
from email_image_app.imagegen import AuthenticationError, ImageCompleted, ImageOptions, PartialImage
from email_image_app.imagegen.client import OFFLINE_API_KEY, ImageStreamClient
from email_image_app.imagegen.server import create_engine_app

pytestmark = pytest.mark.timeout(60)
OPTIONS = ImageOptions(size="1024x1024", quality="low", partial_images=3)


def engine_client(step_delay: float) -> tuple[ImageStreamClient, httpx.AsyncClient, object]:
    app = create_engine_app(step_delay=step_delay)
    http = httpx.AsyncClient(transport=InProcessTransport(app))
    return ImageStreamClient(IN_PROCESS_BASE_URL, OFFLINE_API_KEY, http_client=http), http, app.state.engine.stats


def test_events_arrive_as_the_engine_sends_them():
    async def main() -> list[tuple[str, float]]:
        client, http, _ = engine_client(step_delay=0.3)
        async with http:
            started = time.monotonic()
            return [
                (type(event).__name__, time.monotonic() - started)
                async for event in client.stream_generate("Red sneakers", OPTIONS)
            ]

    arrivals = asyncio.run(main())
    assert [name for name, _ in arrivals] == ["PartialImage"] * 3 + ["ImageCompleted"]
    # Not buffered to the end (httpx's own ASGITransport would deliver all four at once).
    assert arrivals[-1][1] - arrivals[0][1] >= 0.8


def test_closing_the_stream_stops_the_engine():
    async def main() -> object:
        client, http, stats = engine_client(step_delay=0.3)
        async with http:
            async with aclosing(client.stream_generate("Blue bag", OPTIONS)) as events:
                async for event in events:
                    assert isinstance(event, PartialImage)
                    break
            return stats

    stats = asyncio.run(main())
    assert stats.streams_ended_early == 1 and stats.streams_completed == 0 and stats.stages_rendered == 1


def test_no_key_means_the_offline_engine_in_process_and_its_errors_come_through(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("LOCAL_ENGINE_FAULTS", "1")  # the engine's failure markers are opt-in
    async def main() -> tuple[str, ImageCompleted, AuthenticationError]:
        async with open_client({}) as client:
            final = [event async for event in client.stream_generate("Green mug", OPTIONS.replace(partial_images=0))][-1]
            with pytest.raises(AuthenticationError) as refused:
                async for _ in client.stream_generate("Green mug [[engine:401]]", OPTIONS):
                    pass
            return client.provider.label, final, refused.value

    label, final, refused = asyncio.run(main())
    assert label == "Offline engine" and isinstance(final, ImageCompleted) and final.usage is not None
    assert refused.status == 401

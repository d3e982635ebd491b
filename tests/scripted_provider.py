"""An OpenAI-like image provider on loopback for the multi-process tests: the offline engine (real
SSE, real image bytes) behind a key, wrapped so a test can see what a provider would see —
how many streams are open at once for a word of their prompts, which streams the client left
early — and hold a stream after its first partial image until the test lets it go (a run that
stays "mid-run" for as long as a test needs, without timing anything)."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from typing import Iterator

import pytest
from starlette.types import Message, Receive, Scope, Send

from email_image_app.imagegen.server import create_engine_app
from tests.loopback import serve_asgi


class ScriptedProvider:
    def __init__(self, step_delay: float = 0.4) -> None:
        self.app = create_engine_app(step_delay=step_delay, faults=True)
        self.engine = self.app.state.engine
        self.open_prompts: list[str] = []
        self.peak = 0  # the most generation streams ever open at once
        self.seen_prompts: list[str] = []  # in the order their streams opened
        self.cut_prompts: list[str] = []  # streams that closed before their last byte was sent
        self.max_open: dict[str, int] = {}
        self.partials_sent: list[tuple[str, float]] = []  # (prompt, wall time it was handed over)
        self._holds: dict[str, threading.Event] = {}
        self._lock = threading.Lock()

    # ----- what a test asks -----

    def watch(self, word: str) -> None:
        """Count, from now on, the most streams open at once whose prompt contains `word`."""
        with self._lock:
            self.max_open[word] = sum(word in prompt for prompt in self.open_prompts)

    def hold(self, word: str) -> threading.Event:
        """Streams whose prompt contains `word` stop after their first partial image until the
        returned event is set."""
        gate = self._holds[word] = threading.Event()
        return gate

    def ended_early(self, word: str) -> int:
        """Streams with `word` in their prompt that ended before their last byte: the client
        closed them (what a provider sees of a Cancel)."""
        return sum(word in prompt for prompt in self.cut_prompts)

    def streams_for(self, word: str) -> int:
        """Streams asked for so far whose prompt contains `word`."""
        return sum(word in prompt for prompt in self.seen_prompts)

    # ----- ASGI -----

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].endswith("/images/generations"):
            await self.app(scope, receive, send)
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        try:
            prompt = str(json.loads(body).get("prompt", ""))
        except ValueError:
            prompt = ""
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        gate = next((event for word, event in self._holds.items() if word in prompt), None)
        partials_sent = 0
        finished = False

        async def held_send(message: Message) -> None:
            nonlocal partials_sent, finished
            if gate is not None and message["type"] == "http.response.body" and partials_sent >= 1:
                while not gate.wait(0):
                    # An SSE comment now and then, as providers send to keep a stream alive: it
                    # also tells the server that the client left (the send fails), as a real one would.
                    await send({"type": "http.response.body", "body": b": held\n\n", "more_body": True})
                    await asyncio.sleep(0.1)
            await send(message)
            if message["type"] == "http.response.body":
                if b"partial_image" in message.get("body", b""):
                    partials_sent += 1
                    # When each partial image was handed to the server (bench/bench_job_latency.py).
                    self.partials_sent.append((prompt, time.time()))
                finished = finished or not message.get("more_body", False)

        with self._lock:
            self.open_prompts.append(prompt)
            self.seen_prompts.append(prompt)
            self.peak = max(self.peak, len(self.open_prompts))
            for word in self.max_open:
                self.max_open[word] = max(self.max_open[word], sum(word in p for p in self.open_prompts))
        try:
            await self.app(scope, replay, held_send)
        finally:
            with self._lock:
                self.open_prompts.remove(prompt)
                if not finished:
                    self.cut_prompts.append(prompt)


@pytest.fixture(scope="session")
def scripted_provider() -> Iterator[tuple[ScriptedProvider, str]]:
    provider = ScriptedProvider()
    with serve_asgi(provider) as url:
        yield provider, url

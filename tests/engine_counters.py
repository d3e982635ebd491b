"""The running app's offline engine counters (`/v1/engine/status`), for tests that must see the
engine stop work (a cancelled stream)."""

from __future__ import annotations

import httpx


def engine_status(app_server, prompt_contains: str = "") -> dict:
    """The engine's counters; with `prompt_contains`, also how many streams whose prompt has that
    word ended early (the tests' app runs with LOCAL_ENGINE_FAULTS=1, which keeps that count), so
    a test asks about its own request, not a counter every other stream moves."""
    params = {"prompt_contains": prompt_contains} if prompt_contains else {}
    return httpx.get(f"{app_server.url}/v1/engine/status", params=params, timeout=5).json()

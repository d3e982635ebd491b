"""Which provider the command line talks to, chosen as the app chooses it.

`OPENAI_API_KEY` / `OPENAI_BASE_URL` → that provider, over the network. Neither → the offline
engine, served in this process through `InProcessTransport` (no server to start), still through the
real `ImageStreamClient`, and still paced by `LOCAL_ENGINE_STEP_DELAY`.

A future `--server URL --token T` (work sent to a running app, into a person's history and budget)
is one more branch of `open_client`; commands only ever see an `ImageStreamClient`.
"""

from __future__ import annotations

import contextlib
import os
from typing import AsyncIterator, Mapping

import httpx

from email_image_app.cli.engine_transport import InProcessTransport
from email_image_app.imagegen.client import OFFLINE_API_KEY, ImageStreamClient
from email_image_app.imagegen.server import create_engine_app

# Never resolved: requests to it go through the in-process transport only.
IN_PROCESS_BASE_URL = "http://offline-engine.in-process/v1"


@contextlib.asynccontextmanager
async def open_client(env: Mapping[str, str] = os.environ) -> AsyncIterator[ImageStreamClient]:
    """The client for this run, closed (with its connections or in-process engine) at the end."""
    client = ImageStreamClient.from_env(env, offline_base_url=IN_PROCESS_BASE_URL)
    if not client.provider.is_offline:
        async with client:
            yield client
        return
    transport = InProcessTransport(create_engine_app())
    async with httpx.AsyncClient(transport=transport, timeout=client.timeout) as http:
        yield ImageStreamClient(IN_PROCESS_BASE_URL, OFFLINE_API_KEY, http_client=http)

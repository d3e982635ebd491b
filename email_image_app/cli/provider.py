"""Which provider the command line talks to, chosen as the app chooses it.

`OPENAI_API_KEY` / `OPENAI_BASE_URL` → that provider, over the network. Neither → the offline
engine, served in this process through `InProcessTransport` (no server to start), still through the
real `ImageStreamClient`, and still paced by `LOCAL_ENGINE_STEP_DELAY`.

`--server URL --token T` (or EMAIL_IMAGE_SERVER / EMAIL_IMAGE_TOKEN): the work goes to a running
app's own API (`domain.studio_api`), which checks that person's budget, asks its provider and records
the job in their history; the command then records nothing locally. Commands only ever see an
`ImageStreamClient`.
"""

from __future__ import annotations

import contextlib
import os
from typing import AsyncIterator, Mapping

import httpx

from email_image_app.cli.engine_transport import InProcessTransport
from email_image_app.domain.studio_api import API_PREFIX as STUDIO_API_PREFIX
from email_image_app.imagegen.client import OFFLINE_API_KEY, ImageStreamClient
from email_image_app.imagegen.server import create_engine_app

# Never resolved: requests to it go through the in-process transport only.
IN_PROCESS_BASE_URL = "http://offline-engine.in-process/v1"
SERVER_ENV = "EMAIL_IMAGE_SERVER"
TOKEN_ENV = "EMAIL_IMAGE_TOKEN"


def remote_server(env: Mapping[str, str] = os.environ) -> str | None:
    """The app the work is sent to (`--server`), if any."""
    return (env.get(SERVER_ENV) or "").strip().rstrip("/") or None


def records_locally(env: Mapping[str, str] = os.environ) -> bool:
    """Whether this process records its jobs in the local history (not when a server does)."""
    return remote_server(env) is None


@contextlib.asynccontextmanager
async def open_client(env: Mapping[str, str] = os.environ) -> AsyncIterator[ImageStreamClient]:
    """The client for this run, closed (with its connections or in-process engine) at the end."""
    server = remote_server(env)
    if server is not None:
        async with ImageStreamClient(f"{server}{STUDIO_API_PREFIX}", (env.get(TOKEN_ENV) or "").strip()) as remote:
            yield remote
        return
    client = ImageStreamClient.from_env(env, offline_base_url=IN_PROCESS_BASE_URL)
    if not client.provider.is_offline:
        async with client:
            yield client
        return
    transport = InProcessTransport(create_engine_app())
    async with httpx.AsyncClient(transport=transport, timeout=client.timeout) as http:
        yield ImageStreamClient(IN_PROCESS_BASE_URL, OFFLINE_API_KEY, http_client=http)

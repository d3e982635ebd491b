"""The provider client of the process that runs jobs: OpenAI, any OpenAI-compatible base URL, or
the offline engine. Keys come from this process's environment and stay in it; a job never carries
one. The offline engine is served by the web app (`/v1` on its port): the web process says where
(`use_offline_engine_at`), a worker of its own reads `EMAIL_IMAGE_ENGINE_URL`."""

from __future__ import annotations

import os

from email_image_app.domain import settings
from email_image_app.domain.access import engine_key
from email_image_app.imagegen.client import ImageStreamClient, Provider

_clients: dict[tuple[str | None, ...], ImageStreamClient] = {}
_offline_engine_url: str | None = None
_given_client: ImageStreamClient | None = None


class NoEngineError(RuntimeError):
    """No provider key and no offline engine URL: a worker alone cannot know where the engine is."""


def use_offline_engine_at(url: str) -> None:
    """The web process's own engine (`<backend>/v1`), used when no `EMAIL_IMAGE_ENGINE_URL` is set."""
    global _offline_engine_url
    _offline_engine_url = url.rstrip("/")


def use_job_client(client: ImageStreamClient | None) -> None:
    """Run this process's jobs with `client` (None: back to the environment's). The command line's
    embedded worker uses the client it opened: the offline engine in its own process, or a studio's
    API with `--server`."""
    global _given_client
    _given_client = client


def offline_engine_url() -> str:
    url = (os.environ.get("EMAIL_IMAGE_ENGINE_URL") or "").strip() or _offline_engine_url
    if not url:
        raise NoEngineError("set EMAIL_IMAGE_ENGINE_URL (the web app's /v1) or OPENAI_API_KEY for the worker")
    return url.rstrip("/")


def job_client() -> ImageStreamClient:
    """One client per configuration (a process has one; tests switch it through the environment)."""
    if _given_client is not None:
        return _given_client
    names = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "EMAIL_IMAGE_ENGINE_URL", "EMAIL_IMAGE_DATA_DIR")
    key = (*(os.environ.get(name) for name in names), _offline_engine_url)
    client = _clients.get(key)
    if client is None:
        client = ImageStreamClient.from_env(os.environ, offline_base_url="http://offline.invalid/v1")
        if client.provider.is_offline:
            # The engine's routes let through the installation's own key (one per data folder).
            client = ImageStreamClient(offline_engine_url(), engine_key(settings.data_dir()))
        client = _clients.setdefault(key, client)
    return client


def job_provider() -> Provider:
    return job_client().provider

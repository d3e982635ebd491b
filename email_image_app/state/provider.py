"""The image provider the app talks to: OpenAI, any OpenAI-compatible base URL, or the offline
engine served by this same backend. One client per process; the API key stays here, server-side."""

from __future__ import annotations

import os

import reflex as rx

from email_image_app.domain import settings
from email_image_app.domain.access import engine_key
from email_image_app.imagegen.client import ImageStreamClient, Provider

_client: ImageStreamClient | None = None


def offline_engine_url() -> str:
    """The engine's routes live on the app's own backend port."""
    return rx.config.get_config().api_url.rstrip("/") + "/v1"


def get_client() -> ImageStreamClient:
    global _client
    if _client is None:
        client = ImageStreamClient.from_env(os.environ, offline_base_url=offline_engine_url())
        if client.provider.is_offline:
            # The engine's routes let through the installation's own key (or a personal API token).
            client = ImageStreamClient(offline_engine_url(), engine_key(settings.data_dir()))
        _client = client
    return _client


def current_provider() -> Provider:
    return get_client().provider


class ProviderState(rx.State):
    """Which provider is in use, for the header badge (a label, never the key)."""

    @rx.var(cache=False)
    def provider_label(self) -> str:
        return current_provider().label

    @rx.var(cache=False)
    def provider_is_offline(self) -> bool:
        return current_provider().is_offline

"""The image provider the app talks to: OpenAI, any OpenAI-compatible base URL, or the offline
engine served by this same backend. One client per process (`domain.jobs.provider`, which the
job worker uses too); the API key stays here, server-side."""

from __future__ import annotations

import reflex as rx

from email_image_app.domain.jobs.provider import job_client, use_offline_engine_at
from email_image_app.imagegen.client import ImageStreamClient, Provider


def offline_engine_url() -> str:
    """The engine's routes live on the app's own backend port."""
    return rx.config.get_config().api_url.rstrip("/") + "/v1"


def get_client() -> ImageStreamClient:
    use_offline_engine_at(offline_engine_url())
    return job_client()


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

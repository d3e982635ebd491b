"""The streaming core: options, size planner, streaming client, offline engine. No Reflex here."""

from email_image_app.imagegen.client import ImageStreamClient, Provider
from email_image_app.imagegen.events import (
    APIConnectionError,
    AuthenticationError,
    ImageCompleted,
    ImageStreamError,
    ImageUsage,
    IncompleteStreamError,
    InvalidRequestError,
    ModerationBlockedError,
    PartialImage,
    RateLimitError,
    ServerError,
    StreamEvent,
    StreamEventError,
    StreamTimeoutError,
)
from email_image_app.imagegen.options import EMAIL_SIZES, MODELS, ImageOptions, OptionsError
from email_image_app.imagegen.sizing import SizePlan, plan_size

__all__ = [
    "APIConnectionError",
    "AuthenticationError",
    "EMAIL_SIZES",
    "ImageCompleted",
    "ImageOptions",
    "ImageStreamClient",
    "ImageStreamError",
    "ImageUsage",
    "IncompleteStreamError",
    "InvalidRequestError",
    "MODELS",
    "ModerationBlockedError",
    "OptionsError",
    "PartialImage",
    "Provider",
    "RateLimitError",
    "ServerError",
    "SizePlan",
    "StreamEvent",
    "StreamEventError",
    "StreamTimeoutError",
    "plan_size",
]

"""Typed events of an image stream, and the errors a user must be able to tell apart."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Mapping, Union


def lenient_int(value: Any, default: int) -> int:
    """A count a provider reported, or `default` when it is not one (a string of letters, an
    object, Infinity or NaN): an odd field must not fail an image that arrived."""
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return default


@dataclass(frozen=True)
class ImageUsage:
    """Token usage as reported on `*.completed` (OpenAI's `ImagesUsage`)."""

    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    text_tokens: int = 0
    image_tokens: int = 0

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> ImageUsage | None:
        if not data:
            return None
        details = data.get("input_tokens_details")
        if not isinstance(details, Mapping):
            details = {}
        input_tokens = lenient_int(data.get("input_tokens"), 0)
        output_tokens = lenient_int(data.get("output_tokens"), 0)
        return cls(
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            total_tokens=lenient_int(data.get("total_tokens"), 0) or input_tokens + output_tokens,
            text_tokens=lenient_int(details.get("text_tokens"), 0),
            image_tokens=lenient_int(details.get("image_tokens"), 0),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "total_tokens": self.total_tokens,
            "input_tokens_details": {"text_tokens": self.text_tokens, "image_tokens": self.image_tokens},
        }


@dataclass(frozen=True)
class _StreamedImage:
    b64_json: str = field(repr=False)
    size: str = "auto"
    quality: str = "auto"
    background: str = "auto"
    output_format: str = "png"
    created_at: int = 0

    @cached_property
    def image(self) -> bytes:
        """The decoded image bytes (decoded once, on first use)."""
        return base64.b64decode(self.b64_json)


@dataclass(frozen=True)
class PartialImage(_StreamedImage):
    """A complete preview image in the requested format; `index` is 0-based."""

    index: int = 0


@dataclass(frozen=True)
class ImageCompleted(_StreamedImage):
    """The final image. `partial_images` counts the previews that came before it."""

    usage: ImageUsage | None = None
    partial_images: int = 0
    duration_ms: int = 0


StreamEvent = Union[PartialImage, ImageCompleted]


class ImageStreamError(Exception):
    """Any failure of an image request. Subclasses name the causes a user must tell apart."""

    default_message = "The image request failed."

    def __init__(
        self,
        message: str | None = None,
        *,
        status: int | None = None,
        code: str | None = None,
        type: str | None = None,
        param: str | None = None,
        retry_after: float | None = None,
        request_id: str | None = None,
    ) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)
        self.status = status
        self.code = code
        self.type = type
        self.param = param
        self.retry_after = retry_after
        self.request_id = request_id

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status!r}, code={self.code!r}, message={self.message!r})"


class AuthenticationError(ImageStreamError):
    """401/403: the key is missing, wrong, or not allowed to use the model."""

    default_message = "The API key was rejected."


class RateLimitError(ImageStreamError):
    """429: too many requests or no quota left; `.retry_after` says how long to wait when known."""

    default_message = "Rate limited by the provider."


class ModerationBlockedError(ImageStreamError):
    """The provider's safety system refused the prompt or the image (before or during the stream)."""

    default_message = "Your request was rejected by the safety system."


class InvalidRequestError(ImageStreamError):
    """400/404/422: a parameter the provider does not accept; `.param` names it when known."""

    default_message = "The provider rejected the request."


class ServerError(ImageStreamError):
    """5xx from the provider."""

    default_message = "The provider had an internal error."


class APIConnectionError(ImageStreamError):
    """The provider could not be reached (DNS, refused connection, reset before a response)."""

    default_message = "Could not connect to the image provider."


class StreamTimeoutError(ImageStreamError):
    """No byte arrived within the read timeout, or the connection could not be made in time."""

    default_message = "The image provider did not answer in time."


class IncompleteStreamError(ImageStreamError):
    """The stream ended (cleanly or not) before a `*.completed` event."""

    default_message = "The image stream ended before the final image arrived."


class StreamEventError(ImageStreamError):
    """An `error` event arrived mid-stream (after HTTP 200); `.code` keeps the nested `error.code`."""

    default_message = "The provider reported an error during the stream."


# Moderation refusals go by several codes: OpenAI's current one, the DALL-E era one, and Azure's.
MODERATION_CODES = frozenset({"moderation_blocked", "content_policy_violation", "content_filter"})


def _text(value: Any) -> str | None:
    """An error field as text: providers have sent numbers, lists and objects where OpenAI has strings."""
    return None if value is None else value if isinstance(value, str) else str(value)


def error_for_status(
    status: int,
    body: Mapping[str, Any] | None,
    *,
    retry_after: float | None = None,
    request_id: str | None = None,
    fallback_text: str = "",
) -> ImageStreamError:
    """Turn an HTTP error response (OpenAI's `{"error": {...}}` shape) into the matching error class."""
    error = (body or {}).get("error") if isinstance(body, Mapping) else None
    if not isinstance(error, Mapping):
        error = {}
    code = _text(error.get("code"))
    message = _text(error.get("message")) or fallback_text.strip()[:500] or None
    kwargs = dict(
        status=status,
        code=code,
        type=_text(error.get("type")),
        param=_text(error.get("param")),
        retry_after=retry_after,
        request_id=request_id,
    )
    if code in MODERATION_CODES:
        return ModerationBlockedError(message, **kwargs)
    if status in (401, 403):
        return AuthenticationError(message, **kwargs)
    if status == 429:
        return RateLimitError(message, **kwargs)
    if status in (408, 504):
        return StreamTimeoutError(message, **kwargs)
    if status >= 500:
        return ServerError(message, **kwargs)
    if 400 <= status < 500:
        return InvalidRequestError(message, **kwargs)
    return ImageStreamError(message or f"Unexpected HTTP status {status}.", **kwargs)


def error_from_event(data: Mapping[str, Any]) -> ImageStreamError:
    """Turn a mid-stream `error` event into an exception, keeping the nested code."""
    error = data.get("error")
    if not isinstance(error, Mapping):
        # Responses-style flat shape: tolerate it.
        error = data
    code = _text(error.get("code"))
    kwargs = dict(
        code=code,
        type=_text(error.get("type")) if error is not data else None,
        param=_text(error.get("param")),
    )
    message = _text(error.get("message"))
    if code in MODERATION_CODES:
        return ModerationBlockedError(message, **kwargs)
    return StreamEventError(message, **kwargs)

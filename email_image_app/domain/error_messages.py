"""What to tell a marketer when an image request fails: what happened, and what to do next, as a
message of the catalogue (worded in the page's language when shown). Never includes the API key."""

from __future__ import annotations

from email_image_app.domain.upload_checks import UploadError
from email_image_app.domain.messages import Message, message
from email_image_app.imagegen import events as ev


def _retry_wait(seconds: float | None) -> Message:
    return message("error_wait_minute") if seconds is None else message("error_wait_seconds", seconds=round(seconds))


def _what_happened(exc: Exception) -> Message:
    detail = getattr(exc, "message", str(exc))
    if isinstance(exc, UploadError):  # an edit's input refused or unreadable: the refusal says why
        return exc.refusal
    if isinstance(exc, ev.AuthenticationError):
        return message("error_auth", status=exc.status)
    if isinstance(exc, ev.RateLimitError):
        return message("error_rate_limited", wait=_retry_wait(exc.retry_after))
    if isinstance(exc, ev.ModerationBlockedError):
        return message("error_moderation")
    if isinstance(exc, ev.StreamTimeoutError):
        return message("error_timeout")
    if isinstance(exc, ev.IncompleteStreamError):
        return message("error_incomplete")
    if isinstance(exc, ev.APIConnectionError):
        return message("error_connection")
    if isinstance(exc, ev.InvalidRequestError):
        return message("setting_refused", message=detail)
    if isinstance(exc, ev.ServerError):
        return message("error_server", status=exc.status)
    if isinstance(exc, ev.ImageStreamError):
        return message("error_provider", detail=detail)
    return message("error_unexpected")


def describe_error(exc: Exception, *, partials_received: int = 0) -> Message:
    """The failure `exc` for people; says that the steps already received are kept."""
    happened = _what_happened(exc)
    if not partials_received:
        return happened
    return message("error_with_kept_steps", error=happened, count=partials_received)

"""When to retry a failed image request, and how long to wait: openai-python's policy (notes §4.4).

Retries happen only before a stream has started; a mid-stream error is never retried.
"""

from __future__ import annotations

import email.utils
import random
from datetime import datetime, timezone
from typing import Mapping

RETRYABLE_STATUSES = frozenset({408, 409, 429})
INITIAL_RETRY_DELAY = 0.5
MAX_RETRY_DELAY = 8.0
MAX_RETRY_AFTER = 120.0  # a longer Retry-After is not waited for: the error goes to the user


def parse_retry_after(headers: Mapping[str, str], now: datetime | None = None) -> float | None:
    """Seconds to wait from `retry-after-ms`, else `retry-after` (seconds, or an HTTP date)."""
    milliseconds = headers.get("retry-after-ms")
    if milliseconds:
        try:
            return float(milliseconds) / 1000
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return (when - (now or datetime.now(timezone.utc))).total_seconds()


def retry_delay(status: int, headers: Mapping[str, str], attempt: int, retry_after: float | None) -> float | None:
    """How long to wait before retrying an HTTP error, or None not to retry."""
    should_retry = headers.get("x-should-retry", "").lower()
    if should_retry == "false":
        return None
    if retry_after is not None and retry_after > MAX_RETRY_AFTER:
        return None  # the user should hear about a wait this long rather than sit through it
    if should_retry != "true" and status not in RETRYABLE_STATUSES and status < 500:
        return None
    if retry_after is not None and retry_after > 0:
        return retry_after
    return backoff(attempt)


def backoff(attempt: int) -> float:
    # 0.5 s, 1 s, 2 s … capped at 8 s, minus up to 25 % jitter so that clients spread out.
    return min(INITIAL_RETRY_DELAY * 2**attempt, MAX_RETRY_DELAY) * (1 - 0.25 * random.random())

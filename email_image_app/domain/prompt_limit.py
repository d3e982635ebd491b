"""The prompt's length limit, said the same way on every path (generator, editor, campaign, CLI).

The limit is the provider's (`imagegen.options.MAX_PROMPT_CHARS`, counted in characters as Python
counts them: one emoji is one character, as the engine and OpenAI count them). It applies to the
prompt as sent: what the person typed plus what the app adds (brand notes, "on a plain white
background", the framing words of a cropped size). A prompt at the limit is sent; one character
over is refused with the limit named, never cut. No Reflex here.
"""

from __future__ import annotations

from email_image_app.domain.messages import Message, message
from email_image_app.imagegen.options import MAX_PROMPT_CHARS

# How much a prompt field keeps while typing: more than the limit, so an over-long paste stays
# whole and is refused naming the limit (not silently cut to fit), yet a runaway paste stays bounded.
PROMPT_KEEP_CHARS = 2 * MAX_PROMPT_CHARS


def prompt_length_refusal(typed: str, sent: str | None = None) -> Message | None:
    """Why this prompt cannot be sent, or None. `typed` is what the person wrote; `sent` (default:
    the same) is the prompt with what the app adds. Both lengths and the limit are in the message."""
    sent = typed if sent is None else sent
    if len(sent) <= MAX_PROMPT_CHARS:
        return None
    added = len(sent) - len(typed)
    if added > 0:  # the person's room is the limit less what is added: say both
        return message("prompt_too_long_with_additions", length=len(sent), added=added, limit=MAX_PROMPT_CHARS)
    return message("prompt_too_long", length=len(typed), limit=MAX_PROMPT_CHARS, over=len(typed) - MAX_PROMPT_CHARS)


def prompt_counter(typed: str, added: int = 0) -> Message:
    """The counter under a prompt field: '1,234 / 32,000 characters', the limit less what the app
    will add (then said: '… (the app adds 113 for the size and background)')."""
    if added > 0:
        return message("prompt_counter_with_additions", count=len(typed), limit=MAX_PROMPT_CHARS - added, added=added)
    return message("prompt_counter", count=len(typed), limit=MAX_PROMPT_CHARS)

"""The message catalogue: keys with parameters, worded in a language only when shown."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from email_image_app.domain.error_messages import describe_error
from email_image_app.domain.messages import STRINGS, Message, browser_catalogue_module, message
from email_image_app.imagegen.events import RateLimitError


def placeholders(text: str) -> set[str]:
    return set(re.findall(r"\{(\w+)\}", text))


@pytest.mark.parametrize("key", sorted(STRINGS))
def test_every_message_has_the_same_placeholders_in_both_languages(key):
    english, french = STRINGS[key]
    assert placeholders(english) == placeholders(french)


def test_a_message_is_worded_in_the_language_asked_with_its_numbers_written_that_way():
    found = message("error_with_kept_steps", error=message("error_incomplete"), count=1368)
    assert found.render("en") == "The stream was cut before the final image. Try again. The 1,368 step(s) received are kept."
    assert found.render("fr") == (
        "Le flux s'est interrompu avant l'image finale. Réessayez. Les 1\u202f368 étape(s) reçues sont conservées."
    )


def test_a_message_survives_the_trip_through_plain_data():
    found = describe_error(RateLimitError("slow down", status=429, retry_after=12.4), partials_received=2)
    again = Message.from_dict(found.to_dict())
    assert again == found
    assert again.render("en").startswith("Rate limited by the provider. Try again after 12 s.")


def test_an_unknown_key_is_refused_when_the_message_is_made():
    with pytest.raises(KeyError, match="no_such_key"):
        message("no_such_key")


def test_the_pages_catalogue_module_is_the_catalogue():
    # The pages import assets/studio_messages.js; a fresh clone's first build must find it current.
    module = Path(__file__).resolve().parent.parent / "assets" / "studio_messages.js"
    assert module.read_text(encoding="utf-8") == browser_catalogue_module()

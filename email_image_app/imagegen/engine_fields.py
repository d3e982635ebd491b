"""Reading the fields of an image request strictly: refuse, never coerce.

OpenAI answers 400 to `n: 0`, `n: 1.9`, `n: true` or `"n": "1_0"`; Python's `int()` and truthiness
would quietly turn them into one image. So each field is read by its documented type, in the two
encodings a request arrives in:

- JSON (generations, JSON edits): a value has its JSON type. A number must be finite (the body
  parser already refused `Infinity`, `NaN` and overflowing literals), an integer field takes an
  integer (an integral `2.0` is the same JSON number as `2`), and a boolean is never a number.
- Form (multipart edits): every value is text, as openai-python encodes it: integers in ASCII
  decimal, booleans as "true"/"false", and "" for an explicit None (read as "not given").
"""

from __future__ import annotations

import enum
import math
import re
from typing import Any, Mapping

from .engine_errors import ApiError, invalid_type
from .options import DEFAULT_MODEL, ImageOptions, OptionsError

# ASCII digits only: int() would also take "1_0", " 2 ", "+3" and other scripts' digits.
_INTEGER_TEXT = re.compile(r"-?[0-9]+")
# Longer integers are out of every field's range; read them as a huge number, not through int().
_MAX_INTEGER_DIGITS = 18
_FORM_BOOLEANS = {"true": True, "false": False, "True": True, "False": False}

# Option errors OpenAI reports from the image service rather than the request gateway.
IMAGE_SERVICE_FIELDS = frozenset({"model", "size", "quality", "background", "input_fidelity"})


class BodyEncoding(enum.Enum):
    JSON = "json"
    FORM = "form"


def _given(fields: Mapping[str, Any], name: str, encoding: BodyEncoding) -> Any:
    """The field's value, or None when absent, null, or (form) the SDK's "" for None."""
    value = fields.get(name)
    if encoding is BodyEncoding.FORM and value == "":
        return None
    return value


def string_field(fields: Mapping[str, Any], name: str, encoding: BodyEncoding) -> str | None:
    value = _given(fields, name, encoding)
    if value is not None and not isinstance(value, str):
        raise invalid_type(name, "a string", value)
    return value


def integer_field(fields: Mapping[str, Any], name: str, encoding: BodyEncoding) -> int | None:
    """An integer, not range-checked (ImageOptions.validate names the range)."""
    value = _given(fields, name, encoding)
    if value is None:
        return None
    if encoding is BodyEncoding.FORM:
        if not isinstance(value, str) or not _INTEGER_TEXT.fullmatch(value):
            raise ApiError(
                400, f"Invalid type for '{name}': expected an integer, but got '{str(value)[:40]}' instead.",
                param=name, code="invalid_type",
            )
        digits = value.lstrip("-")
        if len(digits) > _MAX_INTEGER_DIGITS:
            return -(10**_MAX_INTEGER_DIGITS) if value.startswith("-") else 10**_MAX_INTEGER_DIGITS
        return int(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise invalid_type(name, "an integer", value)
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            raise invalid_type(name, "an integer", value)
        return int(value)
    return value


def boolean_field(fields: Mapping[str, Any], name: str, encoding: BodyEncoding) -> bool:
    value = _given(fields, name, encoding)
    if value is None:
        return False
    if encoding is BodyEncoding.FORM and isinstance(value, str) and value in _FORM_BOOLEANS:
        return _FORM_BOOLEANS[value]
    if isinstance(value, bool):
        return value
    raise invalid_type(name, "a boolean", value)


def image_options(fields: Mapping[str, Any], encoding: BodyEncoding, *, edit: bool) -> ImageOptions:
    """The request's ImageOptions, each field read by its type and the whole validated for the model."""

    def text(name: str, default: str) -> str:
        value = string_field(fields, name, encoding)
        return default if value is None else value

    def integer(name: str, default: int) -> int:
        value = integer_field(fields, name, encoding)
        return default if value is None else value

    string_field(fields, "user", encoding)  # free text, but a string
    options = ImageOptions(
        model=text("model", DEFAULT_MODEL),
        size=text("size", "auto"),
        quality=text("quality", "auto"),
        background=text("background", "auto"),
        output_format=text("output_format", "png"),
        output_compression=integer_field(fields, "output_compression", encoding),
        partial_images=integer("partial_images", 0),
        n=integer("n", 1),
        moderation=text("moderation", "auto"),
        input_fidelity=string_field(fields, "input_fidelity", encoding),
    )
    try:
        return options.validate(edit=edit)
    except OptionsError as error:
        code = "invalid_value"
        if error.field == "input_fidelity" and "does not support" in error.message:
            code = "invalid_input_fidelity_model"
        error_type = "image_generation_user_error" if error.field in IMAGE_SERVICE_FIELDS else "invalid_request_error"
        raise ApiError(400, error.message, type=error_type, param=error.field, code=code) from None

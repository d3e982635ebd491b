"""The offline engine's error answer: OpenAI's `{"error": {message, type, param, code}}` JSON.

Every refusal the engine makes before any image is sent is an `ApiError`; the routes turn it into
that JSON body with its HTTP status. Kept apart from the request readers so that every reader
(fields, bodies, uploads, methods) raises the same class.
"""

from __future__ import annotations

from typing import Any, Mapping

from starlette.responses import JSONResponse


class ApiError(Exception):
    """An error answered before any image is sent, as OpenAI's JSON error body."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.type, self.param, self.code = status, message, type, param, code
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})

    def response(self, request_id: str) -> JSONResponse:
        error = {"message": self.message, "type": self.type, "param": self.param, "code": self.code, **self.extra}
        return JSONResponse({"error": error}, status_code=self.status, headers={"x-request-id": request_id, **self.headers})


def invalid_value(param: str, message: str, *, type: str = "invalid_request_error") -> ApiError:
    return ApiError(400, message, type=type, param=param, code="invalid_value")


# In this order: bool is a subclass of int.
_JSON_TYPE_NAMES: tuple[tuple[type, str], ...] = (
    (bool, "a boolean"), (int, "an integer"), (float, "a decimal number"), (str, "a string"),
    (list, "an array"), (dict, "an object"),
)


def json_type_name(value: Any) -> str:
    """How OpenAI's validator names the JSON type it got ("a boolean", "a decimal number", ...)."""
    if value is None:
        return "null"
    return next((name for kind, name in _JSON_TYPE_NAMES if isinstance(value, kind)), type(value).__name__)


def invalid_type(param: str, expected: str, value: Any) -> ApiError:
    return ApiError(
        400, f"Invalid type for '{param}': expected {expected}, but got {json_type_name(value)} instead.",
        param=param, code="invalid_type",
    )

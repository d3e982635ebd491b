"""Who may reach the backend's own routes: stored images (`/files`) and the offline engine (`/v1`).
Starlette middleware, Reflex-free; the app module puts them in front of those routes.

- `/files/...`: only a signed-in person (the session cookie the sign-in page sets). Team members
  see each other's images (the history's "Team" view), so any active account may read any file.
- `/v1/...`: `EMAIL_IMAGE_ENGINE_PUBLIC=1` opens it to anyone (a demo). Otherwise, when a real
  provider is configured, the engine is off (404); when the engine is the provider, the app's own client carries the
  installation's engine key, and anyone else a personal API token (`Authorization: Bearer eis_...`),
  so the official `openai` SDK works with such a token as its `api_key`.
"""

from __future__ import annotations

import hmac
import json
import os
import secrets
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Callable

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from email_image_app.domain.accounts import Accounts, default_accounts
from email_image_app.imagegen.client import OFFLINE_API_KEY

SESSION_COOKIE = "studio_session"


def engine_key(data_dir: Path) -> str:
    """The key the app's own client sends to its offline engine: random, made once per data folder
    (so every process of one installation agrees), readable by its owner only."""
    path = data_dir / "engine.key"
    if not path.exists():
        candidate = f"{OFFLINE_API_KEY}-{secrets.token_urlsafe(24)}"
        descriptor = os.open(path.with_suffix(".tmp"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(candidate)
        try:
            os.link(path.with_suffix(".tmp"), path)  # the first process to get here wins
        except FileExistsError:
            pass
        path.with_suffix(".tmp").unlink(missing_ok=True)
    return path.read_text().strip()


def engine_public() -> bool:
    return os.environ.get("EMAIL_IMAGE_ENGINE_PUBLIC") == "1"


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers") or []:
        if key == name:
            return value.decode("latin-1")
    return ""


def session_token_of(scope: Scope) -> str:
    cookie = SimpleCookie()
    try:
        cookie.load(_header(scope, b"cookie"))
    except Exception:  # a malformed Cookie header is no session
        return ""
    found = cookie.get(SESSION_COOKIE)
    return found.value if found else ""


def bearer_token_of(scope: Scope) -> str:
    scheme, _, token = _header(scope, b"authorization").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


async def _send_json(send: Send, status: int, body: dict, extra_headers: list[tuple[bytes, bytes]] = ()) -> None:
    payload = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()), *extra_headers]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


def openai_error(message: str, code: str) -> dict:
    return {"error": {"message": message, "type": "invalid_request_error", "param": None, "code": code}}


class SignedInFiles:
    """Serve `app` (the stored images) only to a request carrying a current session cookie."""

    def __init__(self, app: ASGIApp, accounts: Callable[[], Accounts] = default_accounts) -> None:
        self.app = app
        self.accounts = accounts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and await run_in_threadpool(self.accounts().signed_in, session_token_of(scope)) is None:
            await _send_json(send, 401, {"detail": "Sign in to see this image."})
            return
        await self.app(scope, receive, send)


class EngineGate:
    """Let through to the offline engine (`app`) only its own app and holders of a personal API token."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        engine_is_provider: Callable[[], bool],
        own_key: Callable[[], str],
        accounts: Callable[[], Accounts] = default_accounts,
    ) -> None:
        self.app = app
        self.engine_is_provider = engine_is_provider
        self.own_key = own_key
        self.accounts = accounts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if engine_public():
            await self.app(scope, receive, send)
            return
        if not self.engine_is_provider():
            await _send_json(send, 404, openai_error("The offline engine is off on this server.", "engine_off"))
            return
        token = bearer_token_of(scope)
        if token and (
            hmac.compare_digest(token, self.own_key())
            or await run_in_threadpool(self.accounts().for_api_token, token)
        ):
            await self.app(scope, receive, send)
            return
        await _send_json(
            send, 401,
            openai_error("Missing or unknown API key: use a personal API token from the My account page.", "invalid_api_key"),
            [(b"www-authenticate", b"Bearer")],
        )

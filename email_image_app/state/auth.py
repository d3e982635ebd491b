"""Who is signed in, for every page and every handler that reads or changes private data.

The browser holds the session token in a cookie (`studio_session`, also what the `/files` guard
reads); the state keeps that cookie and the signed-in person's email and role, nothing else. A
page hides its body until `AuthState.check` says who is there, but hiding is not protection
(Reflex takes events over the websocket whatever the page shows): every private handler asks
`require_signed_in(self)` first, which looks the session up in the database each time, so a
disabled account or a closed session is out at once.
"""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx

from email_image_app.domain import spending
from email_image_app.domain.access import SESSION_COOKIE
from email_image_app.domain.accounts import SESSION_LIFETIME, AccountError, SignedIn, default_accounts, open_signup
from email_image_app.domain.formatting import format_usd
from email_image_app.domain.messages import Message, message
from email_image_app.state.provider import current_provider


# After signing in with the form, the page opens again: its own on-load events (the history's
# gallery, a job's settings) then run for the person now signed in, as on any visit.
_RELOAD = rx.call_script("window.location.reload()")


class AuthState(rx.State):
    session_token: str = rx.Cookie(
        "", name=SESSION_COOKIE, path="/", same_site="lax", max_age=int(SESSION_LIFETIME.total_seconds())
    )
    email: str = ""
    role: str = ""
    checked: bool = False  # `check` has run: before it, the page shows neither itself nor the form
    first_account: bool = False  # the database has no account: the form offers to create the first
    signup_open: bool = False
    budget_left: str = ""  # "$4.20" left this month; "" when unlimited or on the offline engine
    signin_error: dict[str, Any] = {}  # why signing in failed: a message

    @rx.var
    def signed_in(self) -> bool:
        return self.email != ""

    @rx.var
    def is_admin(self) -> bool:
        return self.role == "admin"

    # ----- who is there -----

    async def _current(self) -> SignedIn | None:
        """The person this browser's session belongs to, checked against the database now."""
        who = await asyncio.to_thread(default_accounts().signed_in, self.session_token)
        if who is None:
            self.email = self.role = self.budget_left = ""
        else:
            self.email, self.role = who.email, who.role
        self.checked = True
        return who

    async def _refresh_budget(self, who: SignedIn) -> None:
        self.budget_left = await asyncio.to_thread(_budget_left_label, who)

    @rx.event
    async def check(self) -> None:
        """On every page's load: who is signed in, or what the sign-in form offers."""
        await self._check()

    async def _check(self) -> None:
        who = await self._current()
        if who is None:
            self.first_account = await asyncio.to_thread(default_accounts().is_empty)
            self.signup_open = open_signup()
        else:
            await self._refresh_budget(who)

    @rx.event
    async def refresh_budget(self) -> None:
        """After a run: what is left of the month's budget, in the header."""
        who = await self._current()
        if who is not None:
            await self._refresh_budget(who)

    # ----- signing in and out -----

    async def _open(self, account_id: int) -> None:
        """Sign this browser in: the cookie is set with the state's next update."""
        self.session_token = await asyncio.to_thread(default_accounts().open_session, account_id)
        self.signin_error = {}
        self.first_account = False
        await self._check()

    @rx.event
    async def sign_in(self, form: dict[str, Any]):
        email, password = str(form.get("email", "")), str(form.get("password", ""))
        accounts = default_accounts()
        wait = accounts.seconds_to_wait(email)
        if wait:  # many wrong passwords for this email just now: each next try is slower
            await asyncio.sleep(wait)
        try:
            who = await asyncio.to_thread(accounts.authenticate, email, password)
        except AccountError as exc:
            self.signin_error = _message_of(exc).to_dict()
            return None
        await self._open(who.account_id)
        return _RELOAD

    @rx.event
    async def create_first_account(self, form: dict[str, Any]):
        """The first account of an empty database, as admin; refused once any account exists."""
        try:
            account = await asyncio.to_thread(
                default_accounts().create_first_admin, str(form.get("email", "")), str(form.get("password", ""))
            )
        except AccountError as exc:
            self.signin_error = _message_of(exc).to_dict()
            self.first_account = await asyncio.to_thread(default_accounts().is_empty)
            return None
        assert account.id is not None
        await self._open(account.id)
        return _RELOAD

    @rx.event
    async def sign_up(self, form: dict[str, Any]):
        """A member account made by its owner: only with EMAIL_IMAGE_OPEN_SIGNUP=1."""
        if not open_signup():
            self.signin_error = message("signup_closed").to_dict()
            return None
        try:
            account = await asyncio.to_thread(
                default_accounts().create, str(form.get("email", "")), str(form.get("password", "")), role="member"
            )
        except AccountError as exc:
            self.signin_error = _message_of(exc).to_dict()
            return None
        assert account.id is not None
        await self._open(account.id)
        return _RELOAD

    @rx.event
    async def sign_out(self):
        token = self.session_token
        if token:
            await asyncio.to_thread(default_accounts().close_session, token)
        self.session_token = ""
        self.email = self.role = self.budget_left = ""
        self.first_account = False
        self.signin_error = {}
        # A fresh tab state for whoever signs in next here: what this person had on screen (a
        # run, an opened job) stays with the old state on the server, out of reach.
        return [rx.remove_cookie(SESSION_COOKIE, {"path": "/"}), rx.clear_session_storage(), _RELOAD]


def _message_of(exc: AccountError) -> Message:
    return message(exc.key, **exc.params)


def _budget_left_label(who: SignedIn) -> str:
    if current_provider().is_offline:
        return ""
    account = default_accounts().get(who.account_id)
    left = spending.budget_left(account) if account is not None else None
    return "" if left is None else format_usd(left)


async def require_signed_in(state: rx.State) -> SignedIn | None:
    """Who is signed in to `state`'s session, checked against the database now; None → the caller
    does nothing (and the page, seeing `AuthState.signed_in` false, shows the sign-in form).
    A background handler calls it holding its state lock (`async with self`)."""
    return await (await state.get_state(AuthState))._current()


async def require_admin(state: rx.State) -> SignedIn | None:
    who = await require_signed_in(state)
    return who if who is not None and who.is_admin else None


async def budget_refusal(who: SignedIn, estimate_usd: float) -> Message | None:
    """Why a paid request of this list-price estimate may not start (`budget_exceeded`, naming the
    budget and what is left), or None. The offline engine costs nothing and is never refused."""
    if current_provider().is_offline:
        return None

    def check() -> None:
        account = default_accounts().get(who.account_id)
        if account is None:
            raise AccountError("account_unknown", email=who.email)
        spending.check_budget(account, estimate_usd)

    try:
        await asyncio.to_thread(check)
    except AccountError as exc:
        return _message_of(exc)
    return None

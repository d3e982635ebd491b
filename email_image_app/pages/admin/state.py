"""The admin page's state. Every handler asks `require_admin` first: the page is hidden from
members, and the handlers refuse them anyway."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import reflex as rx

from email_image_app.domain import spending
from email_image_app.domain.accounts import ROLES, AccountError, default_accounts
from email_image_app.domain.formatting import format_usd
from email_image_app.domain.messages import message
from email_image_app.state.auth import require_admin


@dataclass
class AccountRow:
    id: int = 0
    email: str = ""
    role: str = ""
    budget: str = ""  # "12.50"; "" = unlimited
    disabled: bool = False
    images: int = 0
    tokens: int = 0
    cost: str = ""  # this month, at list price


def _rows() -> list[AccountRow]:
    usage = spending.month_usage()
    rows = []
    for account in default_accounts().all():
        used = usage.get(account.id or 0, spending.MonthUsage())
        budget = "" if account.monthly_budget_usd is None else f"{account.monthly_budget_usd:.2f}"
        rows.append(
            AccountRow(
                id=account.id or 0, email=account.email, role=account.role, budget=budget, disabled=account.disabled,
                images=used.images, tokens=used.tokens, cost=format_usd(used.cost_usd),
            )
        )
    return rows


def _budget_of(text: str) -> float | None:
    """An amount typed in the form: "" = unlimited; raises AccountError when it is not a number."""
    text = text.strip().replace("$", "").replace(",", ".")
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise AccountError("admin_budget_invalid", value=text) from None


class AdminState(rx.State):
    rows: list[AccountRow] = []
    notice: dict[str, Any] = {}  # what the last change did: a message
    error: dict[str, Any] = {}  # why the last change was refused: a message

    async def _refresh(self) -> None:
        self.rows = await asyncio.to_thread(_rows)

    async def _change(self, change: Any, *args: Any, notice: str = "admin_saved", **params: Any) -> None:
        """Run one account change (in a thread) for an admin, then show the table as it is now."""
        if await require_admin(self) is None:
            return
        try:
            await asyncio.to_thread(change, *args)
        except AccountError as exc:
            self.error, self.notice = message(exc.key, **exc.params).to_dict(), {}
        else:
            self.error, self.notice = {}, message(notice, **params).to_dict()
        await self._refresh()

    @rx.event
    async def load(self) -> None:
        self.notice = self.error = {}
        if await require_admin(self) is None:
            self.rows = []
            return
        await self._refresh()

    @rx.event
    async def add_account(self, form: dict[str, Any]) -> None:
        email, role = str(form.get("email", "")), str(form.get("role", "member"))

        def add() -> None:
            default_accounts().create(
                email, str(form.get("password", "")), role=role if role in ROLES else "member",
                monthly_budget_usd=_budget_of(str(form.get("budget", ""))),
            )

        await self._change(add, notice="admin_added", email=email.strip().lower())

    @rx.event
    async def set_role(self, account_id: int, role: str) -> None:
        await self._change(default_accounts().set_role, int(account_id), role)

    @rx.event
    async def set_budget(self, account_id: int, text: str) -> None:
        def save() -> None:
            default_accounts().set_budget(int(account_id), _budget_of(text))

        await self._change(save)

    @rx.event
    async def set_disabled(self, account_id: int, disabled: bool) -> None:
        await self._change(default_accounts().set_disabled, int(account_id), bool(disabled))

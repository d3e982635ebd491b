"""The "My account" page's state: the person's own API tokens. A new token is shown once, then
forgotten (the database keeps only its digest)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

import reflex as rx

from email_image_app.domain.accounts import default_accounts
from email_image_app.state.auth import require_signed_in


@dataclass
class TokenRow:
    label: str = ""
    created: str = ""  # "2026-12-01 10:54 UTC"
    last_used: str = ""  # "" = never


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else ""


class AccountState(rx.State):
    tokens: list[TokenRow] = []
    new_token: str = ""  # the token just made, shown once; "" once the page is left

    async def _refresh(self, account_id: int) -> None:
        found = await asyncio.to_thread(default_accounts().api_tokens, account_id)
        self.tokens = [TokenRow(token.label, _when(token.created_at), _when(token.last_used_at)) for token in found]

    @rx.event
    async def load(self) -> None:
        self.new_token = ""
        who = await require_signed_in(self)
        if who is None:
            self.tokens = []
            return
        await self._refresh(who.account_id)

    @rx.event
    async def create_token(self, form: dict[str, str]) -> None:
        who = await require_signed_in(self)
        if who is None:
            return
        label = str(form.get("label", "")).strip()
        self.new_token = await asyncio.to_thread(default_accounts().create_api_token, who.account_id, label)
        await self._refresh(who.account_id)

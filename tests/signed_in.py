"""Signing in without a browser, for tests of a page's state: an account in the test's database
(the app's configured one, `EMAIL_IMAGE_DB_URL`), a session for it, and the root state of a
session with the session cookie set, as the browser would send it."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import reflex as rx

from email_image_app.domain.accounts import Accounts, SignedIn
from email_image_app.state.auth import AuthState


@dataclass(frozen=True)
class Person:
    who: SignedIn
    session_token: str


def make_person(db_url: str, email: str, role: str = "member", budget: float | None = None) -> Person:
    accounts = Accounts(db_url)
    account = accounts.create(email, "correct horse battery", role=role, monthly_budget_usd=budget, use_default_budget=False)
    assert account.id is not None
    return Person(SignedIn(account.id, account.email, account.role), accounts.open_session(account.id))


def use_database(monkeypatch: pytest.MonkeyPatch, db_url: str) -> None:
    """The app's handlers look people up in the configured database: this one."""
    monkeypatch.setenv("EMAIL_IMAGE_DB_URL", db_url)


def substate(root: rx.State, cls: type[rx.State]) -> rx.State:
    return root.get_substate(cls.get_full_name().split(".")[1:])


def session_root(person: Person | None) -> rx.State:
    """The states of one browser session, signed in as `person` (None: signed out)."""
    root = rx.State()
    if person is not None:
        substate(root, AuthState).session_token = person.session_token
    return root

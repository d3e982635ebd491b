"""The sign-in form, and the wrappers that show it instead of a page to anyone not signed in.

Hiding a page is only what people see: the handlers behind it refuse on their own
(`state.auth.require_signed_in`)."""

from __future__ import annotations

from typing import Callable

import reflex as rx

from email_image_app.components.labels import label_for
from email_image_app.components.layout import language_select
from email_image_app.components.run_view import message_callout
from email_image_app.domain.accounts import MIN_PASSWORD_CHARS
from email_image_app.state.auth import AuthState
from email_image_app.state.language import tr


def _field(label_key: str, control_id: str, name: str, kind: str, autocomplete: str) -> rx.Component:
    return rx.vstack(
        label_for(tr(label_key), control_id, size="2", weight="medium"),
        rx.input(id=control_id, name=name, type=kind, auto_complete=autocomplete, required=True, width="100%", size="3"),
        spacing="1",
        width="100%",
    )


def _form(on_submit: rx.EventHandler, button_key: str, button_id: str, *, new_password: bool) -> rx.Component:
    return rx.el.form(
        rx.vstack(
            _field("signin_email", "signin-email", "email", "email", "username"),
            _field(
                "signin_password", "signin-password", "password", "password",
                "new-password" if new_password else "current-password",
            ),
            message_callout(AuthState.signin_error, "signin-error"),
            rx.button(tr(button_key), type="submit", id=button_id, size="3", width="100%"),
            spacing="4",
            width="100%",
        ),
        on_submit=on_submit,
        reset_on_submit=False,
        width="100%",
    )


def _signin_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.icon("image", size=22, color=rx.color("accent", 10)),
                rx.heading(tr("app_title"), size="5", weight="bold"),
                rx.spacer(),
                language_select(),
                align="center",
                width="100%",
            ),
            rx.cond(
                AuthState.first_account,
                rx.vstack(
                    rx.heading(tr("signin_first_account"), size="4", id="first-account-heading"),
                    rx.text(tr("signin_first_note", count=MIN_PASSWORD_CHARS), color_scheme="gray", size="2"),
                    _form(AuthState.create_first_account, "signin_first_account", "create-first-account", new_password=True),
                    width="100%",
                ),
                rx.vstack(
                    rx.heading(tr("signin_title"), size="4", id="signin-heading"),
                    _form(AuthState.sign_in, "signin_button", "signin-button", new_password=False),
                    rx.cond(
                        AuthState.signup_open,
                        rx.vstack(
                            rx.separator(size="4"),
                            rx.text(tr("signup_note"), color_scheme="gray", size="2"),
                            _form(AuthState.sign_up, "signup_button", "signup-button", new_password=True),
                            width="100%",
                        ),
                    ),
                    width="100%",
                ),
            ),
            spacing="4",
            width="100%",
        ),
        size="4",
        width="100%",
        max_width="420px",
        id="signin-card",
    )


def signin_page() -> rx.Component:
    return rx.el.main(
        rx.center(_signin_card(), min_height="100vh", padding="16px", background_color=rx.color("gray", 2))
    )


def _checking() -> rx.Component:
    """While `AuthState.check` runs (a few ms after the page opens): neither the page nor the form."""
    return rx.el.main(rx.center(rx.spinner(size="3"), min_height="100vh", id="auth-checking"))


def _signed_out_view() -> rx.Component:
    return rx.cond(AuthState.checked, signin_page(), _checking())


def signed_in_only(view: Callable[[], rx.Component]) -> Callable[[], rx.Component]:
    """`view`, shown to a signed-in person only; anyone else sees the sign-in form."""

    def page() -> rx.Component:
        return rx.cond(AuthState.signed_in, view(), _signed_out_view())

    page.__name__ = view.__name__
    return page


def _not_allowed() -> rx.Component:
    return rx.center(
        rx.callout(tr("admin_only"), icon="lock", color_scheme="amber", id="not-allowed"),
        rx.link(tr("nav_generate"), href="/"),
        min_height="60vh",
        direction="column",
        spacing="3",
    )


def admins_only(view: Callable[[], rx.Component]) -> Callable[[], rx.Component]:
    """`view`, shown to an admin only: a member sees a "not allowed" note, anyone else the form."""

    def page() -> rx.Component:
        return rx.cond(AuthState.is_admin, view(), rx.cond(AuthState.signed_in, _not_allowed(), _signed_out_view()))

    page.__name__ = view.__name__
    return page

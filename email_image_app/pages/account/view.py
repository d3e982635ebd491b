"""`/account`: who is signed in; create a personal API token (shown once) and list one's tokens."""

from __future__ import annotations

import reflex as rx

from email_image_app.components.labels import label_for
from email_image_app.components.layout import page_shell
from email_image_app.pages.account.state import AccountState, TokenRow
from email_image_app.state.auth import AuthState
from email_image_app.state.language import tr


def _new_token() -> rx.Component:
    return rx.cond(
        AccountState.new_token != "",
        rx.callout(
            rx.vstack(
                rx.code(AccountState.new_token, id="new-token", style={"word_break": "break-all"}),
                rx.text(tr("account_token_once"), size="2"),
                spacing="2",
            ),
            icon="key-round",
            color_scheme="green",
            width="100%",
        ),
    )


def _token_row(row: TokenRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row.label),
        rx.table.cell(row.created),
        rx.table.cell(rx.cond(row.last_used != "", row.last_used, tr("account_never_used"))),
        class_name="token-row",
    )


def account_page() -> rx.Component:
    return page_shell(
        "account_title",
        "account_subtitle",
        rx.vstack(
            rx.text(AuthState.email, " · ", AuthState.role, id="account-who", color_scheme="gray"),
            rx.card(
                rx.el.form(
                    rx.hstack(
                        label_for(tr("account_token_label"), "token-label", size="2"),
                        rx.input(id="token-label", name="label", max_length=100),
                        rx.button(tr("account_create_token"), type="submit", id="create-token-button"),
                        align="center",
                        spacing="3",
                    ),
                    on_submit=AccountState.create_token,
                    reset_on_submit=True,
                ),
                width="100%",
            ),
            _new_token(),
            rx.card(
                rx.vstack(
                    rx.heading(tr("account_tokens"), size="4"),
                    rx.cond(
                        AccountState.tokens.length() > 0,
                        rx.table.root(
                            rx.table.header(
                                rx.table.row(
                                    *[rx.table.column_header_cell(tr(key))
                                      for key in ("account_token_label", "account_created", "account_last_used")]
                                )
                            ),
                            rx.table.body(rx.foreach(AccountState.tokens, _token_row)),
                            width="100%",
                        ),
                        rx.text(tr("account_no_tokens"), color_scheme="gray"),
                    ),
                    spacing="3",
                ),
                width="100%",
            ),
            spacing="4",
            width="100%",
        ),
    )

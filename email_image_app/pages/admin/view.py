"""`/admin`: the accounts table (role, budget, this month's images, tokens and cost, status) and
the form that adds an account."""

from __future__ import annotations

import reflex as rx

from email_image_app.components.labels import label_for
from email_image_app.components.layout import page_shell
from email_image_app.components.run_view import message_callout
from email_image_app.domain.accounts import ROLES
from email_image_app.pages.admin.state import AccountRow, AdminState
from email_image_app.state.language import money, say, tr


def _role_select(row: AccountRow) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(aria_label="Role"),
        rx.select.content(*[rx.select.item(role, value=role) for role in ROLES]),
        value=row.role,
        on_change=lambda value: AdminState.set_role(row.id, value),
        size="1",
    )


def _budget_input(row: AccountRow) -> rx.Component:
    # Saved when the field is left: a budget is typed, not picked.
    return rx.input(
        default_value=row.budget,
        placeholder=tr("admin_unlimited"),
        on_blur=lambda value: AdminState.set_budget(row.id, value),
        aria_label="Monthly budget",
        size="1",
        width="110px",
        class_name="budget-input",
    )


def _row(row: AccountRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(row.email, class_name="account-email"),
        rx.table.cell(_role_select(row)),
        rx.table.cell(_budget_input(row)),
        rx.table.cell(row.images, class_name="account-images"),
        rx.table.cell(row.tokens),
        rx.table.cell(money(row.cost), class_name="account-cost"),
        rx.table.cell(
            rx.cond(
                row.disabled,
                rx.button(tr("admin_enable"), on_click=AdminState.set_disabled(row.id, False), size="1", variant="soft"),
                rx.button(
                    tr("admin_disable"), on_click=AdminState.set_disabled(row.id, True), size="1", variant="soft",
                    color_scheme="red",
                ),
            )
        ),
        class_name="account-row",
        data_email=row.email,
    )


def _accounts_table() -> rx.Component:
    headers = ("signin_email", "admin_role", "admin_budget", "admin_images", "admin_tokens", "admin_cost", "admin_status")
    return rx.table.root(
        rx.table.header(rx.table.row(*[rx.table.column_header_cell(tr(key)) for key in headers])),
        rx.table.body(rx.foreach(AdminState.rows, _row)),
        width="100%",
        id="accounts-table",
    )


def _labelled(label_key: str, control: rx.Component, control_id: str) -> rx.Component:
    return rx.vstack(label_for(tr(label_key), control_id, size="2"), control, spacing="1")


def _add_form() -> rx.Component:
    return rx.el.form(
        rx.flex(
            _labelled("signin_email", rx.input(id="new-email", name="email", type="email", required=True), "new-email"),
            _labelled(
                "admin_role",
                rx.el.select(
                    *[rx.el.option(role, value=role) for role in ("member", "admin")], id="new-role", name="role",
                    style={"height": "32px"},
                ),
                "new-role",
            ),
            _labelled("admin_budget", rx.input(id="new-budget", name="budget", placeholder=tr("admin_budget_hint")), "new-budget"),
            _labelled(
                "admin_initial_password",
                rx.input(id="new-password", name="password", type="password", auto_complete="new-password", required=True),
                "new-password",
            ),
            rx.button(tr("admin_add"), type="submit", id="add-account-button"),
            spacing="3",
            align="end",
            wrap="wrap",
        ),
        on_submit=AdminState.add_account,
        reset_on_submit=True,
    )


def admin_page() -> rx.Component:
    return page_shell(
        "admin_title",
        "admin_subtitle",
        rx.vstack(
            rx.card(rx.vstack(rx.heading(tr("admin_add"), size="4"), _add_form(), spacing="3"), width="100%"),
            message_callout(AdminState.error, "admin-error"),
            rx.cond(
                say(AdminState.notice) != "",
                rx.callout(say(AdminState.notice), icon="check", color_scheme="green", id="admin-notice"),
            ),
            rx.card(rx.vstack(rx.heading(tr("admin_accounts"), size="4"), _accounts_table(), spacing="3"), width="100%"),
            spacing="4",
            width="100%",
        ),
    )

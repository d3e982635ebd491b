"""The campaign page's products card: one row per product (id, name, description), and the CSV
panel that replaces the rows with pasted ones."""

from __future__ import annotations

from typing import Any

import reflex as rx

from email_image_app.components.run_view import message_callout
from email_image_app.pages.campaign.form_state import CampaignFormState as form
from email_image_app.pages.campaign.run_state import CampaignRunState as run
from email_image_app.pages.campaign.tiles import ProductRow
from email_image_app.pages.campaign.widgets import field_label, section
from email_image_app.state.language import tr


def _product_row(row: ProductRow, index: Any) -> rx.Component:
    def on_change(field: str) -> Any:
        return lambda value: form.set_product_field(index, field, value)

    number = index.to_string()
    return rx.flex(
        rx.input(
            value=row.id, on_change=on_change("id"), placeholder="ID", aria_label=tr("product_id"),
            id="product-id-" + number, width="72px", flex_shrink="0", disabled=run.running,
        ),
        rx.input(
            value=row.name, on_change=on_change("name"), placeholder=tr("product_name"), aria_label=tr("product_name"),
            id="product-name-" + number, flex="1 1 140px", min_width="0", disabled=run.running,
        ),
        rx.input(
            value=row.description, on_change=on_change("description"), placeholder=tr("product_description"),
            aria_label=tr("product_description"), id="product-description-" + number,
            flex="2 1 200px", min_width="0", disabled=run.running,
        ),
        rx.icon_button(
            rx.icon("trash-2", size=16),
            on_click=form.remove_product(index),
            variant="ghost",
            color_scheme="gray",
            aria_label=tr("remove_product"),
            title=tr("remove_product"),
            disabled=run.running,
            class_name="remove-product",
        ),
        spacing="2",
        align="center",
        wrap="wrap",
        width="100%",
        padding_bottom="8px",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        class_name="product-row",
    )


def _csv_panel() -> rx.Component:
    return rx.cond(
        form.csv_open,
        rx.vstack(
            field_label("csv_label", "products-csv"),
            rx.text_area(
                id="products-csv",
                value=form.csv_text,
                on_change=form.set_csv_text,
                placeholder=tr("csv_placeholder"),
                rows="5",
                width="100%",
                font_family="monospace",
            ),
            rx.hstack(
                rx.button(tr("csv_import"), on_click=form.import_csv, id="import-csv", size="2"),
                rx.text(tr("csv_help"), size="1", color_scheme="gray"),
                align="center",
                wrap="wrap",
            ),
            message_callout(form.csv_error, "csv-error", size="1"),
            spacing="2",
            width="100%",
            padding="12px",
            border_radius="8px",
            background_color=rx.color("gray", 2),
        ),
    )


def products_card() -> rx.Component:
    return section(
        "shopping-bag", "products_section",
        rx.foreach(form.products, _product_row),
        rx.hstack(
            rx.button(
                rx.icon("plus", size=14), tr("add_product"),
                on_click=form.add_product, variant="soft", size="2", id="add-product", disabled=run.running,
            ),
            rx.button(
                rx.icon("clipboard-paste", size=14), tr("paste_csv"),
                on_click=form.toggle_csv, variant="soft", color_scheme="gray", size="2", id="paste-csv",
                disabled=run.running,
            ),
            spacing="2",
            wrap="wrap",
        ),
        _csv_panel(),
        spacing="3",
    )

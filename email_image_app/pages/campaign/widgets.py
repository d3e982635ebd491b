"""Small pieces the campaign page's views share: its cards, field labels, slot names, and sentences
with live figures worded from the catalogue in the browser."""

from __future__ import annotations

from typing import Any

import reflex as rx

from email_image_app.components.labels import label_for
from email_image_app.state.language import tr


def field_label(key: str, control_id: str) -> rx.Component:
    return label_for(tr(key), control_id, size="2", weight="medium")


def section(icon: str, title_key: str, *children: rx.Component, spacing: str = "3", **card_props: Any) -> rx.Component:
    """A card of the page: an icon and a heading over its content."""
    return rx.card(
        rx.vstack(
            rx.hstack(rx.icon(icon, size=18, color=rx.color("accent", 10)), rx.heading(tr(title_key), size="4"), align="center"),
            *children,
            spacing=spacing,
            width="100%",
        ),
        size="3",
        width="100%",
        **card_props,
    )


def _kind_label(kind: Any) -> rx.Component:
    return rx.match(
        kind,
        ("hero", tr("slot_hero")),
        ("product", tr("slot_product")),
        ("logo", tr("slot_logo")),
        ("banner", tr("slot_banner")),
        kind,
    )


def slot_name(kind: Any, title: Any) -> rx.Component:
    """"Hero", or "Product · Red sneakers": what a slot editor and a tile are about."""
    return rx.text(
        _kind_label(kind),
        rx.cond(title != "", rx.fragment(" · ", title), ""),
        size="2",
        weight="bold",
        trim="both",
        truncate=True,
    )

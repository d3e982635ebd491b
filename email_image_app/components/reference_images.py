"""The editor's optional reference images: thumbnails with a remove button, and a drop zone while
there is room."""

from __future__ import annotations

from typing import Any

import reflex as rx

from email_image_app.components.upload_zone import section_title, upload_zone
from email_image_app.state.language import figures, tr


def _reference_tile(reference: Any, on_remove: Any) -> rx.Component:
    return rx.box(
        rx.image(
            src=reference.thumb_url,
            alt=reference.name,
            title=reference.name + " · " + figures(reference.label),
            height="56px",
            width="56px",
            object_fit="cover",
            border_radius="6px",
            border=f"1px solid {rx.color('gray', 6)}",
            background_color="white",
        ),
        rx.icon_button(
            rx.icon("x", size=12),
            on_click=on_remove(reference.url),
            size="1",
            variant="solid",
            color_scheme="gray",
            radius="full",
            aria_label="Remove " + reference.name,
            style={"position": "absolute", "top": "-6px", "right": "-6px", "width": "20px", "height": "20px"},
        ),
        position="relative",
        class_name="reference-tile",
    )


def reference_images(state: Any, upload_id: str, max_images: int) -> rx.Component:
    """Reads `references` (url, thumb_url, name, label) and `can_add_references`; calls
    `upload_references(files)` and `remove_reference(url)`."""
    return rx.vstack(
        section_title(
            "references",
            rx.badge(state.references.length(), " / ", max_images, variant="soft", color_scheme="gray"),
        ),
        rx.text(tr("references_hint", max_refs=max_images), size="1", color_scheme="gray"),
        rx.cond(
            state.references.length() > 0,
            rx.hstack(
                rx.foreach(state.references, lambda reference: _reference_tile(reference, state.remove_reference)),
                wrap="wrap",
                spacing="3",
                padding_top="6px",
            ),
        ),
        rx.cond(
            state.can_add_references,
            upload_zone(
                state,
                upload_id,
                state.upload_references,
                title=tr("add_references"),
                icon="images",
                multiple=True,
                compact=True,
            ),
        ),
        width="100%",
        spacing="2",
    )

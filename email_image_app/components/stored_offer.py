"""The generator's offer of a stored result: "Already made … — Show it / Generate again anyway".
Reads a state built on `StoredOfferState` that has a `generate_anyway` event."""

from __future__ import annotations

from typing import Any

import reflex as rx

from email_image_app.state.language import say, tr


def stored_offer_callout(state: Any) -> rx.Component:
    return rx.cond(
        state.stored_offer_id != "",
        rx.callout.root(
            rx.callout.icon(rx.icon("history", size=18)),
            rx.vstack(
                rx.callout.text(
                    rx.text.strong(say(state.stored_offer_label)), " ", tr("stored_offer_hint"),
                ),
                rx.hstack(
                    rx.button(
                        rx.icon("image", size=14), tr("show_stored"),
                        on_click=state.show_stored_result, size="2", id="show-stored-button",
                    ),
                    rx.button(
                        rx.icon("refresh-cw", size=14), tr("generate_anyway"),
                        on_click=state.generate_anyway, size="2", variant="soft", color_scheme="gray",
                        id="generate-anyway-button",
                    ),
                    spacing="2",
                    wrap="wrap",
                ),
                spacing="2",
            ),
            color_scheme="grass",
            variant="surface",
            width="100%",
            id="stored-offer",
        ),
    )

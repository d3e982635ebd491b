"""The campaign page's export card: Download ZIP, the totals (tokens, cost) and the email preview
(an iframe on the stored email, as tall as the email once loaded)."""

from __future__ import annotations

import reflex as rx

from email_image_app.components.run_view import message_callout, offline_note
from email_image_app.pages.campaign.export_state import CampaignExportState as export
from email_image_app.pages.campaign.run_state import CampaignRunState as run
from email_image_app.pages.campaign.widgets import section
from email_image_app.state.language import money, tr
from email_image_app.state.provider import ProviderState


def _totals() -> rx.Component:
    return rx.hstack(
        rx.text(tr("tokens"), tr("colon"), export.total_tokens, size="2", id="campaign-tokens"),
        rx.text(
            tr("cost"), tr("colon"),
            rx.cond(ProviderState.provider_is_offline, tr("free_offline"), rx.fragment(money(export.cost_label), " ", tr("list_price"))),
            size="2",
            id="campaign-cost",
        ),
        spacing="4",
        wrap="wrap",
        color=rx.color("gray", 11),
    )


def _email_preview() -> rx.Component:
    return rx.cond(
        export.preview_url != "",
        rx.vstack(
            rx.text(tr("email_preview"), size="2", weight="medium"),
            rx.el.iframe(
                src=export.preview_url,
                title="Email preview",
                id="email-preview",
                # As tall as the email once it has loaded (assets/studio.js).
                custom_attrs={"data-fit-content": ""},
                style={
                    "width": "100%",
                    "height": "480px",
                    "border": f"1px solid {rx.color('gray', 5)}",
                    "border_radius": "8px",
                    "background": "#eef0f3",
                },
            ),
            spacing="2",
            width="100%",
        ),
    )


def export_card() -> rx.Component:
    return rx.cond(
        run.tiles.length() > 0,
        section(
            "package", "export_section",
            rx.hstack(
                rx.button(
                    rx.cond(export.exporting, rx.spinner(size="2"), rx.icon("file-archive", size=16)),
                    tr("download_zip"),
                    on_click=export.download_zip,
                    disabled=~run.can_export | export.exporting,
                    size="3",
                    id="download-zip",
                ),
                _totals(),
                spacing="4",
                align="center",
                wrap="wrap",
            ),
            rx.text(tr("zip_contents"), size="1", color_scheme="gray"),
            message_callout(export.export_error, "export-error", size="1"),
            _email_preview(),
            offline_note(),
            spacing="3",
        ),
    )
